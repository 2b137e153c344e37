#!/usr/bin/env bash
# Builds the Python wheel (pyproject.toml: maturin's "bin" layout, no Python code) for this
# machine's platform: dist/pbi_doctor-<version>-py3-none-manylinux_*_x86_64.whl on Linux. maturin
# comes from PyPI into a build-only virtual environment under target/ when it is not installed.
#
#   bash scripts/build-wheel.sh            # prints the wheel's path on stdout
#   OUT=/tmp/x bash scripts/build-wheel.sh
#
# On this project's 2-core machine, shared, cold: 9 minutes; after a change: 2 (README, "Releases").
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-dist}
MATURIN_VERSION=${MATURIN_VERSION:-1.16.0}
log() { printf '%s\n' "$*" >&2; }

maturin=$(command -v maturin || true)
if [ -z "$maturin" ]; then
    venv=target/maturin-venv
    if [ ! -x "$venv/bin/maturin" ]; then
        log "installing maturin $MATURIN_VERSION into $venv (pip)…"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q "maturin==$MATURIN_VERSION" >&2
    fi
    maturin="$venv/bin/maturin"
fi

mkdir -p "$OUT"
start=$(date +%s)
log "$("$maturin" --version): building the wheel (release, --locked)…"
"$maturin" build --release --locked --out "$OUT" >&2
wheel=$(ls -t "$OUT"/pbi_doctor-*.whl | head -n1)
[ -n "$wheel" ] || { log "maturin wrote no wheel"; exit 1; }
log "built $wheel ($(stat -c %s "$wheel") bytes) in $(($(date +%s) - start))s"
echo "$wheel"
