#!/usr/bin/env bash
# Installs the built wheel into a fresh virtual environment, as `pip install pbi-doctor` would,
# and runs the pbi-doctor it put on PATH: --version must name Cargo.toml's version, `replay` must
# diagnose the shipped example (exit 1, the cause named), and `pip show` must list the binary.
#
#   bash scripts/test-wheel.sh [dist/pbi_doctor-….whl]   # default: build it with build-wheel.sh
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s\n' "$*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}

wheel=${1:-}
if [ -z "$wheel" ]; then
    wheel=$(bash scripts/build-wheel.sh)
fi
[ -f "$wheel" ] || fail "no wheel at $wheel"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
case "$(basename "$wheel")" in
    pbi_doctor-"$version"-py3-none-*.whl) ;;
    *) fail "$(basename "$wheel") is not pbi_doctor-$version-py3-none-<platform>.whl" ;;
esac

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
# --no-index: the wheel alone, nothing from a registry (it has no dependencies).
"$venv/bin/pip" install -q --no-index "$wheel"
bin="$venv/bin/pbi-doctor"
[ -x "$bin" ] || fail "the wheel put no pbi-doctor in $venv/bin"

# From the environment's PATH, as a user who activated it runs it.
export PATH="$venv/bin:$PATH"
[ "$(command -v pbi-doctor)" = "$bin" ] || fail "pbi-doctor on PATH is $(command -v pbi-doctor)"
got=$(pbi-doctor --version)
[ "$got" = "pbi-doctor $version" ] || fail "--version said '$got'"
log "ok: pbi-doctor --version: $got"

status=0
pbi-doctor replay --color never >"$venv/replay.txt" || status=$?
[ "$status" = 1 ] || fail "replay exited $status, not 1 (problems found)"
grep -q "forbidden-extra-permissions" "$venv/replay.txt" || fail "replay named no cause"
grep -q "Problems found" "$venv/replay.txt" || fail "replay printed no verdict"
log "ok: pbi-doctor replay: exit 1, forbidden-extra-permissions diagnosed"

shown=$("$venv/bin/pip" show -f pbi-doctor)
grep -q "bin/pbi-doctor" <<<"$shown" || fail "pip show lists no binary"
grep -qx "Version: $version" <<<"$shown" || fail "pip show names another version"
grep -q "licenses/LICENSE-MIT" <<<"$shown" && grep -q "licenses/LICENSE-APACHE" <<<"$shown" ||
    fail "the wheel carries no license files"
log "ok: pip show pbi-doctor: version $version, the binary and both license files listed"
log "the wheel works: $(basename "$wheel")"
