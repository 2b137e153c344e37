#!/usr/bin/env bash
# pbi-doctor `check` side by side with curl and (when installed) MSAL for Python, against the
# loopback TLS mock of benches/peers/ with a simple network model: L0 (no injected latency) and
# L50 (50 ms per request, 100 ms per new connection, slept after the TLS handshake so the
# client's own work before its ClientHello is not hidden). Per command: wall time over
# interleaved rounds with paired ratios, requests and connections per run (what the mock saw),
# peak RSS (GNU time); and, offline, `token` and `explain` of a 2 KB paste and `explain` of a 10 MB
# one. Writes the "Against the peers" section of BENCHMARKS.md.
#
#   bash scripts/bench-peers.sh                  # 30 rounds per level
#   ROUNDS=10 NO_WRITE=1 bash scripts/bench-peers.sh   # quicker; print the section only
#   MSAL_PYTHON=/path/to/venv/bin/python bash scripts/bench-peers.sh
#   BASELINE=/path/to/older/pbi-doctor bash scripts/bench-peers.sh   # A/B: its rows in the same rounds
#
# BIN (default target/release/pbi-doctor, built when missing) is copied first, so a rebuild
# cannot change it mid-run. MSAL for Python runs when MSAL_PYTHON (or python3) imports msal and
# requests (`python3 -m venv v && v/bin/pip install msal requests`). Needs openssl, curl,
# python3, /usr/bin/time. Loopback only: the mock listens on 127.0.0.1 ($PORTS).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
P=$ROOT/benches/peers
ROUNDS=${ROUNDS:-30}
RSS_RUNS=${RSS_RUNS:-5}
read -r LOGIN_PORT API_PORT <<<"${PORTS:-18443 19443}"
log() { printf 'bench-peers: %s\n' "$*" >&2; }

BIN=${BIN:-$ROOT/target/release/pbi-doctor}
if [ ! -x "$BIN" ]; then
    log "building the release binary…"
    cargo build --release --locked -q
fi
work=$(mktemp -d)
mock=
cleanup() {
    if [ -n "$mock" ]; then kill "$mock" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
cp "$BIN" "$work/pbi-doctor"
B=$work/pbi-doctor
if [ -n "${BASELINE:-}" ]; then cp "$BASELINE" "$work/pbi-doctor-baseline"; fi
OUT=${OUT:-$work/out}
mkdir -p "$OUT"

# A test CA and a leaf for 127.0.0.1 (rustls refuses a self-signed CA:TRUE leaf).
(
    cd "$work"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=bench-peers test CA" \
        -keyout ca-key.pem -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem \
        -out server.csr 2>/dev/null
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
        -extfile server.ext -out server-leaf.pem 2>/dev/null
    cat server-leaf.pem ca.pem >server.pem
)

export TENANT=11111111-1111-1111-1111-111111111111
export CLIENT_ID=00000000-0000-0000-0000-0000000000c1 CLIENT_SECRET=mock-secret
export AZURE_CLIENT_SECRET=$CLIENT_SECRET
export AUTHORITY_HOST=https://127.0.0.1:$LOGIN_PORT PBI_API=https://127.0.0.1:$API_PORT
export SSL_CERT_FILE=$work/ca.pem CURL_CA_BUNDLE=$work/ca.pem REQUESTS_CA_BUNDLE=$work/ca.pem
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config NO_COLOR=1
mkdir -p "$HOME"

PY=${MSAL_PYTHON:-python3}
msal="not installed (set MSAL_PYTHON to a python with msal and requests)"
if "$PY" -c 'import msal, requests' 2>/dev/null; then
    msal="msal $("$PY" -c 'import msal; print(msal.__version__)'), $("$PY" -V 2>&1)"
else
    PY=
fi

# The workspaces the mock's --workspace probes answer for: 1 and 50 of them.
ws() { printf -- '--workspace 00000000-0000-0000-0000-%012x ' $((0xa0 + $1)); }
ws50=$(for i in $(seq 1 50); do ws "$i"; done)
A="--tenant $TENANT --client-id $CLIENT_ID --no-cache --format json --authority-host $AUTHORITY_HOST --powerbi-api $PBI_API"
# The Power BI family only, the calls curl and MSAL make here: since Fabric became a probe family
# of its own, a default check also lists Fabric's workspaces on another host, which the mock does
# not serve (and which no peer in this table calls).
N="$A --api powerbi"
{
    printf 'curl\tbash %s\n' "$P/curl_peer.sh"
    if [ -n "$PY" ]; then printf 'msal\t%s %s\n' "$PY" "$P/msal_peer.py"; fi
    printf 'pbi-default\t%s check %s\n' "$B" "$N"
    printf 'pbi-cloud-public\t%s check %s --cloud public\n' "$B" "$N"
    printf 'pbi-ws1\t%s check %s --cloud public %s\n' "$B" "$N" "$(ws 1)"
    printf 'pbi-ws50\t%s check %s --cloud public %s\n' "$B" "$N" "$ws50"
    # The discovery cache on: every run but the first reads the tenant's cloud from it (the
    # admin-probe budget, on too, is lifted so that every run still makes its admin call).
    printf 'pbi-default-cached\t%s check %s --admin-probe-budget 1000000\n' "$B" "${N/--no-cache /}"
    if [ -n "${BASELINE:-}" ]; then
        printf 'baseline-default\t%s check %s\n' "$work/pbi-doctor-baseline" "$A"
        printf 'baseline-cloud-public\t%s check %s --cloud public\n' "$work/pbi-doctor-baseline" "$A"
    fi
} >"$OUT/cmds.tsv"

start_mock() { # LOG ARGS…
    local logfile=$1
    shift
    python3 "$P/mock.py" -v --tls "$work/server.pem" "$work/server-key.pem" "$@" \
        "$LOGIN_PORT" "$API_PORT" 2>"$logfile" &
    mock=$!
    for _ in $(seq 1 50); do
        grep -q "mock listening" "$logfile" 2>/dev/null && return 0
        sleep 0.1
    done
    log "the mock did not start: $(cat "$logfile")"
    exit 2
}
stop_mock() {
    kill "$mock" 2>/dev/null || true
    wait "$mock" 2>/dev/null || true
    mock=
}

# count LEVEL_DIR LOG: requests and new connections of one run of each command. Occurrences, not
# lines: the mock's threads write to one stderr, and two log lines can land on one.
count() {
    local dir=$1 logfile=$2 name cmd before part
    : >"$dir/counts.tsv"
    while IFS=$'\t' read -r name cmd; do
        before=$(wc -l <"$logfile")
        # shellcheck disable=SC2086 # the command line is words by design
        $cmd >/dev/null 2>&1 </dev/null || true
        sleep 0.3
        part=$(tail -n +$((before + 1)) "$logfile")
        printf '%s\t%s\t%s\t%s\n' "$name" \
            "$(grep -o '" [0-9][0-9][0-9] -' <<<"$part" | wc -l)" \
            "$(grep -o 'new connection' <<<"$part" | wc -l)" \
            "$(grep -o '"[A-Z]\+ [^ ?]*' <<<"$part" | sed -E 's#/1111[-0-9]*##; s#^"##; s#/groups/0000[-0-9a-f]*/#/groups/{id}/#' |
                uniq -c | awk '{ printf "%s%s %s%s", (NR > 1 ? ", " : ""), $2, $3, ($1 > 1 ? " ×" $1 : "") }')" \
            >>"$dir/counts.tsv"
    done <"$OUT/cmds.tsv"
}

for level in L0 L50; do
    dir=$OUT/$level
    mkdir -p "$dir"
    if [ "$level" = L0 ]; then
        args=(--latency-ms 0 --conn-latency-ms 0)
    else
        args=(--latency-ms 50 --conn-latency-ms 100 --conn-latency-after-handshake)
    fi
    start_mock "$dir/mock.log" "${args[@]}"
    log "$level: counting requests and connections…"
    count "$dir" "$dir/mock.log"
    if [ "$level" = L0 ]; then
        log "peak RSS ($RSS_RUNS runs each)…"
        : >"$OUT/rss.tsv"
        while IFS=$'\t' read -r name cmd; do
            for _ in $(seq 1 "$RSS_RUNS"); do
                # shellcheck disable=SC2086
                /usr/bin/time -f '%x %M' -o "$work/rss" $cmd >/dev/null 2>&1 </dev/null || true
                printf '%s %s\n' "$name" "$(tail -n1 "$work/rss")" >>"$OUT/rss.tsv"
            done
        done <"$OUT/cmds.tsv"
    fi
    log "$level: $ROUNDS interleaved rounds…"
    QUIET_MAX=${QUIET_MAX:-2} python3 "$P/interleave.py" "$OUT/cmds.tsv" "$dir" --rounds "$ROUNDS" \
        --warmup 2 --ok 0,1 --ref curl >"$dir/summary.md"
    stop_mock
done

# Offline: `token` and `explain` of a 2 KB paste (peak RSS), `explain` of a 10 MB one (wall time
# and RSS). The 2 KB paste is a shipped fixture; the token an `az account get-access-token` answer
# around an unsigned user token; the 10 MB paste a CI log of filler lines with
# the 2 KB paste in its middle.
log "offline: token and explain of a 2 KB paste, explain of a 10 MB paste ($RSS_RUNS runs each)…"
paste2k=$ROOT/fixtures/explain-adal-aggregate-exception/paste.txt
python3 - "$paste2k" "$work/token.json" "$work/paste-10mb.txt" <<'EOF'
import base64, json, sys, time
paste, token_out, big_out = sys.argv[1:]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
# A signed-in user's claims (the Azure CLI's client): what makes a real token about 2 KB.
claims = {"aud": "https://analysis.windows.net/powerbi/api", "iss": "https://sts.windows.net/11111111-1111-1111-1111-111111111111/",
          "iat": now, "nbf": now, "exp": now + 3599, "acr": "1", "aio": "AVQAq/8" + "A" * 90, "amr": ["pwd", "mfa"],
          "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "appidacr": "0", "family_name": "Admin", "given_name": "Power BI",
          "idtyp": "user", "ipaddr": "203.0.113.10", "name": "Power BI Admin", "oid": "00000000-0000-0000-0000-00000000000b",
          "puid": "10032001ABCDEF12", "rh": "1.AXEA" + "x" * 70, "scp": "user_impersonation", "sid": "00000000-0000-0000-0000-0000000000d1",
          "sub": "s" * 43, "tid": "11111111-1111-1111-1111-111111111111", "unique_name": "admin@contoso.onmicrosoft.com",
          "upn": "admin@contoso.onmicrosoft.com", "uti": "AbCdEfGhIjKlMnOpQrStUv", "ver": "1.0",
          "wids": ["a9ea8996-122f-4c74-9520-8edcd192826c", "b79fbf4d-3ef9-4689-8143-76b194e85509"]}
jwt = ".".join([b64(json.dumps({"typ": "JWT", "alg": "RS256", "kid": "mock-kid", "x5t": "mock-kid"}).encode()),
                b64(json.dumps(claims).encode()), b64(b"s" * 256)])
json.dump({"accessToken": jwt, "expiresOn": "2026-11-30 10:14:03.000000", "expires_on": now + 3599,
           "subscription": "22222222-2222-2222-2222-222222222222", "tenant": claims["tid"], "tokenType": "Bearer"},
          open(token_out, "w"), indent=2)
text = open(paste, encoding="utf-8").read()
line = "2026-11-30T10:00:00.0000000Z ##[debug]Evaluating: format('step {0} of the deploy job, nothing to see', 42)\n"
half = (10_000_000 - len(text)) // 2 // len(line)
open(big_out, "w", encoding="utf-8").write(line * half + text + line * half)
EOF
: >"$OUT/offline.tsv"
for spec in "token-2k|token --file $work/token.json" "explain-2k|explain --file $paste2k" \
    "explain-10mb|explain --file $work/paste-10mb.txt"; do
    name=${spec%%|*}
    for _ in $(seq 1 "$RSS_RUNS"); do
        # shellcheck disable=SC2086 # the command line is words by design
        /usr/bin/time -f '%x %M %e' -o "$work/offline" "$B" ${spec#*|} --format json >/dev/null 2>&1 </dev/null || true
        printf '%s %s\n' "$name" "$(tail -n1 "$work/offline")" >>"$OUT/offline.tsv"
    done
done

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
printf '{"date": "%s", "rounds": %s, "binary": "%s", "baseline": "%s", "msal": "%s"}\n' "$(date -u +%Y-%m-%d)" \
    "$ROUNDS" "${BIN#"$ROOT"/}" "${BASELINE_NAME:-${BASELINE:-}}" "$msal" >"$OUT/meta.json"
python3 "$P/table.py" "$OUT" "$commit" >"$work/section.md"
cat "$work/section.md"
if [ -z "${NO_WRITE:-}" ]; then
    python3 - "$ROOT/BENCHMARKS.md" "$work/section.md" <<'EOF'
import sys
path, section = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(path).read()
begin, end = "<!-- BEGIN peers -->", "<!-- END peers -->"
block = f"{begin}\n{section}\n{end}"
if begin in text:
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
else:
    text = text.rstrip("\n") + "\n\n## Against the peers (`bash scripts/bench-peers.sh`, issue 14)\n\n" \
        "Written by the script; how it measures: `benches/peers/README.md`.\n\n" + block + "\n"
open(path, "w").write(text)
EOF
    log "BENCHMARKS.md: section \"Against the peers\" written"
fi
