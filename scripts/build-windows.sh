#!/usr/bin/env bash
# Cross-builds the Windows x86_64 binary from Linux: target x86_64-pc-windows-gnu, linked with
# Debian's mingw-w64. Installs the Rust target and mingw when they are missing (as root, with
# apt-get; otherwise it says what to install). ring (the crypto of rustls and of the certificate
# assertion) compiles its C and assembly with x86_64-w64-mingw32-gcc; no cmake, no nasm.
#
#   bash scripts/build-windows.sh            # → dist/pbi-doctor-<version>-x86_64-pc-windows-gnu.exe
#   OUT=/tmp/x bash scripts/build-windows.sh # another output folder
#
# Prints the path of the .exe on stdout and the build's wall time on stderr. On this project's
# 2-core machine, shared, a cold release build took 16 minutes, a rebuild 5 (README, "Releases").
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-pc-windows-gnu
OUT=${OUT:-dist}
log() { printf '%s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    log "adding the Rust target $TARGET (rustup target add)…"
    rustup target add "$TARGET" >&2
fi
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing mingw-w64 (apt-get)…"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mingw-w64 >&2
    else
        log "x86_64-w64-mingw32-gcc is missing: install mingw-w64 (Debian/Ubuntu: apt-get install mingw-w64)"
        exit 1
    fi
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
start=$(date +%s)
log "cargo build --release --locked --target $TARGET…"
cargo build --release --locked --target "$TARGET" >&2
seconds=$(($(date +%s) - start))

mkdir -p "$OUT"
exe="$OUT/pbi-doctor-$version-$TARGET.exe"
cp "target/$TARGET/release/pbi-doctor.exe" "$exe"
log "built $exe ($(stat -c %s "$exe") bytes) in ${seconds}s"
echo "$exe"
