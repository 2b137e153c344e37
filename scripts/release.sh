#!/usr/bin/env bash
# Builds a release's files into dist/ and checks them:
#   pbi-doctor-<v>-x86_64-unknown-linux-gnu          Linux x86_64 binary (glibc)
#   pbi-doctor-<v>-x86_64-pc-windows-gnu.exe         Windows x86_64 binary (scripts/build-windows.sh)
#   pbi_doctor-<v>-py3-none-manylinux_*_x86_64.whl   Python wheel (scripts/build-wheel.sh)
#   pbi-doctor-<v>-completions-and-man.tar.gz        completion scripts and man pages
#   SHA256SUMS                                       sha256sum -c checks them all
# and turns CHANGELOG.md's "## Unreleased" into "## <v> (<date>)" naming those files.
#
#   bash scripts/release.sh              # everything, then test-wheel.sh and test-windows.sh
#   SKIP_WINE=1 bash scripts/release.sh  # without running the .exe under Wine
#
# Publishing (PyPI, a GitHub release, the v1 tag for the Action) is not done here. Each build's
# wall time is printed at the end; times on this project's 2-core machine: README, "Releases".
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s\n' "$*" >&2; }
fail() {
    log "release: $*"
    exit 1
}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
date=$(date -u +%Y-%m-%d)
[ -n "$version" ] || fail "no version in Cargo.toml"

# The pinned install lines must name this version.
for file in README.md examples/azure-devops.yml; do
    grep -q "pbi-doctor==$version" "$file" || fail "$file does not pin pbi-doctor==$version"
done
grep -q "^## Unreleased\$\|^## $version " CHANGELOG.md ||
    fail "CHANGELOG.md has neither '## Unreleased' nor '## $version': write the entry first"
git diff --quiet HEAD -- 2>/dev/null || log "note: the work tree has uncommitted changes"

rm -rf dist
mkdir -p dist
timings=()
timed() {
    local what=$1
    shift
    local start
    start=$(date +%s)
    "$@"
    timings+=("$what: $(($(date +%s) - start))s")
}

wheel_out=$(mktemp)
timed "wheel (maturin, release)" bash -c "bash scripts/build-wheel.sh > '$wheel_out'"
wheel=$(cat "$wheel_out")
rm -f "$wheel_out"

linux="dist/pbi-doctor-$version-x86_64-unknown-linux-gnu"
timed "Linux x86_64 binary (cargo build --release)" cargo build --release --locked -q
cp target/release/pbi-doctor "$linux"

timed "Windows x86_64 binary (cross, mingw)" bash -c "bash scripts/build-windows.sh > /dev/null"
exe="dist/pbi-doctor-$version-x86_64-pc-windows-gnu.exe"
[ -f "$exe" ] || fail "no $exe"

extras="pbi-doctor-$version-completions-and-man"
mkdir -p "dist/$extras/completions" "dist/$extras/man"
"$linux" completions bash >"dist/$extras/completions/pbi-doctor.bash"
"$linux" completions zsh >"dist/$extras/completions/_pbi-doctor"
"$linux" completions fish >"dist/$extras/completions/pbi-doctor.fish"
"$linux" completions powershell >"dist/$extras/completions/pbi-doctor.ps1"
"$linux" completions elvish >"dist/$extras/completions/pbi-doctor.elv"
"$linux" man >"dist/$extras/man/pbi-doctor.1"
for command in check replay token explain causes completions; do
    "$linux" man "$command" >"dist/$extras/man/pbi-doctor-$command.1"
done
tar -C dist -czf "dist/$extras.tar.gz" "$extras"
rm -rf "dist/${extras:?}"

timed "wheel test (fresh venv)" bash scripts/test-wheel.sh "$wheel"
if [ -z "${SKIP_WINE:-}" ]; then
    timed "Windows binary under Wine" bash scripts/test-windows.sh "$exe"
else
    log "SKIP_WINE: the Windows binary was not run"
fi

(cd dist && sha256sum -- * >SHA256SUMS && sha256sum -c --quiet SHA256SUMS)

if grep -q "^## $version " CHANGELOG.md; then
    log "CHANGELOG.md already has $version: left as it is"
else
    files=$(cd dist && ls | grep -v '^SHA256SUMS$' | sed 's/^/- `/; s/$/`/')
    python3 - "$version" "$date" "$files" <<'PY'
import sys
version, date, files = sys.argv[1:]
text = open("CHANGELOG.md", encoding="utf-8").read()
entry = f"## {version} ({date})\n\nFiles (SHA-256 in `SHA256SUMS`):\n{files}\n"
text = text.replace("## Unreleased\n", entry, 1)
open("CHANGELOG.md", "w", encoding="utf-8").write(text)
PY
    log "CHANGELOG.md: '## Unreleased' is now '## $version ($date)'"
fi

log ""
log "release $version in dist/:"
(cd dist && ls -l | tail -n +2) >&2
log ""
log "build and test times:"
for t in "${timings[@]}"; do log "  $t"; done
