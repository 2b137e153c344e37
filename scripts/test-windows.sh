#!/usr/bin/env bash
# Runs the cross-built Windows binary under Wine and checks what a Windows user would:
#   --version; `replay` of every shipped scenario, whose JSON report must equal the Linux
#   binary's byte for byte; no colour codes when stdout is a pipe (and colour with --color
#   always); a token file written by Windows PowerShell (UTF-16 with BOM, CRLF); and the Azure
#   CLI found on PATH as az.cmd through PATHEXT (with the extensionless bash `az` the installer
#   puts beside it), run through cmd.exe, its token diagnosed.
#
#   bash scripts/test-windows.sh [pbi-doctor.exe]   # default: build it with build-windows.sh
#
# Wine: Debian 12's Wine 8 cannot start a Rust ≥ 1.78 binary by itself ("bcryptprimitives.dll
# not found": std gets its randomness from ProcessPrng there, which Wine 8 lacks). A three-line
# stand-in DLL exporting ProcessPrng over BCryptGenRandom, built here with mingw and put next
# to the .exe, lets it start; it is test scaffolding only and never shipped. Real Windows has
# the DLL. Needs wine (apt-get install wine wine64) and mingw-w64; installs both as root.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '%s\n' "$*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}

exe=${1:-}
if [ -z "$exe" ]; then
    exe=$(bash scripts/build-windows.sh)
fi
[ -f "$exe" ] || fail "no Windows binary at $exe"

need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(mingw-w64)
wine=$(command -v wine64 || ls /usr/lib/wine/wine64 2>/dev/null || true)
[ -n "$wine" ] || need+=(wine wine64)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing ${need[*]} (apt-get)…"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
        wine=$(command -v wine64 || ls /usr/lib/wine/wine64)
    else
        fail "install ${need[*]} first"
    fi
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
log "building the Linux binary to compare with (cargo build --locked)…"
cargo build --locked -q
linux=target/debug/pbi-doctor

work=$(mktemp -d)
export WINEPREFIX="$work/prefix" WINEDEBUG=-all
wineserver=$(command -v wineserver || echo "$(dirname "$wine")/wineserver")
# Wine's server outlives the programs; it is stopped before its prefix is removed.
trap '"$wineserver" -k 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$exe" "$work/pbi-doctor.exe"
cat >"$work/shim.c" <<'EOF'
#include <windows.h>
#include <bcrypt.h>
/* Wine 8 has no bcryptprimitives.dll; Rust's std asks it for ProcessPrng. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
EOF
x86_64-w64-mingw32-gcc -O2 -shared -o "$work/bcryptprimitives.dll" "$work/shim.c" -lbcrypt

win() { (cd "$work" && "$wine" ./pbi-doctor.exe "$@"); }

log "starting a Wine prefix…"
start=$(date +%s)
got=$(win --version | tr -d '\r')
[ "$got" = "pbi-doctor $version" ] || fail "--version said '$got'"
log "ok: --version: $got ($(($(date +%s) - start))s with a new prefix)"

# Every shipped scenario: the Windows report equals the Linux one.
scenarios=$("$linux" replay --list)
count=0
for name in $scenarios; do
    status=0
    win replay --scenario "$name" --format json >"$work/win.json" || status=$?
    "$linux" replay --scenario "$name" --format json >"$work/linux.json" || true
    cmp -s "$work/win.json" "$work/linux.json" || fail "replay $name: the Windows report differs from Linux's"
    expected=$(sed -n 's/^  "exit_code": \([0-9]\),$/\1/p' "$work/linux.json")
    [ "$status" = "$expected" ] || fail "replay $name: exit $status, the report says $expected"
    count=$((count + 1))
done
log "ok: replay of $count scenarios gives the Linux binary's JSON report and exit code"

# The human report on a pipe carries no colour; asked for, it does.
win replay --color auto >"$work/plain.txt" || true
grep -q "Problems found" "$work/plain.txt" || fail "replay printed no verdict"
if grep -q $'\x1b' "$work/plain.txt"; then fail "colour codes on a pipe"; fi
win replay --color always >"$work/colour.txt" || true
grep -q $'\x1b\[' "$work/colour.txt" || fail "--color always wrote no colour"
log "ok: replay: no colour on a pipe, colour with --color always"

# A token saved by Windows PowerShell 5 (`> token.txt`): UTF-16 LE with a BOM and CRLF.
b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
tenant=72f988bf-0000-4000-8000-000000000001
jwt="$(b64 '{"typ":"JWT","alg":"RS256"}').$(b64 "{\"aud\":\"https://analysis.windows.net/powerbi/api\",\"iss\":\"https://sts.windows.net/$tenant/\",\"tid\":\"$tenant\",\"appid\":\"04b07795-8ddb-461a-bbee-02f9e1bf7b46\",\"idtyp\":\"user\",\"upn\":\"ada@contoso.com\",\"oid\":\"5b2e7c1d-0000-4000-8000-00000000a001\",\"scp\":\"user_impersonation\",\"iat\":1700000000,\"nbf\":1700000000,\"exp\":4070908800,\"ver\":\"1.0\"}").c2lnbmF0dXJl"
printf '\xff\xfe' >"$work/token.txt"
printf '%s\r\n' "$jwt" | iconv -f UTF-8 -t UTF-16LE >>"$work/token.txt"
win token --file token.txt --format json >"$work/token.json" || true
grep -q '"kind": "delegated"' "$work/token.json" || grep -q 'ada@contoso.com' "$work/token.json" ||
    fail "token --file of a UTF-16 file: $(head -c 400 "$work/token.json")"
log "ok: token --file reads a UTF-16 LE, CRLF file"

# The Azure CLI as its Windows installer lays it out: wbin\az.cmd and wbin\az (for Git Bash).
wbin="$WINEPREFIX/drive_c/azcli/wbin"
mkdir -p "$wbin"
printf '#!/usr/bin/env bash\necho "the Git Bash script: Windows cannot start this"\nexit 3\n' >"$wbin/az"
printf '@echo off\r\nif "%%1"=="account" if "%%2"=="show" (\r\n  echo {"tenantId": "%s"}\r\n  exit /b 0\r\n)\r\necho {"accessToken": "%s", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": 4070908800, "tenant": "%s", "tokenType": "Bearer"}\r\n' \
    "$tenant" "$jwt" "$tenant" >"$wbin/az.cmd"
WINEPATH='C:\azcli\wbin' win check --tenant "$tenant" --auth azure-cli --cloud public --skip-admin \
    --no-cache --powerbi-api http://127.0.0.1:9 --deadline 30 --format json >"$work/az.json" || true
python3 - "$work/az.json" <<'EOF' || fail "check --auth azure-cli did not get the token from az.cmd"
import json, sys
report = json.load(open(sys.argv[1]))
token = next(c for c in report["checks"] if c["id"] == "token-acquisition")
assert token["status"] == "pass", token
assert "az account get-access-token" in token["summary"], token
EOF
log "ok: check --auth azure-cli found az.cmd through PATHEXT and ran it through cmd.exe"

log "all Windows checks passed under $("$wine" --version) in $(($(date +%s) - start))s"
