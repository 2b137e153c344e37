#!/usr/bin/env bash
# Whole-command benchmarks of the release binary: wall time of `replay` for every shipped
# scenario, `explain -` for every fixtures/explain-*/paste.txt and `token -` on a built token;
# peak RSS of the largest replay and the largest explain; the release binary's size; the wall
# time of one `cargo test` run. Prints a Markdown report on stdout (progress goes to stderr).
#
#   bash scripts/bench-cli.sh                 # everything
#   RUNS=50 WARMUP=5 bash scripts/bench-cli.sh
#   SKIP_TESTS=1 bash scripts/bench-cli.sh    # leave out the `cargo test` timing
#   NO_HYPERFINE=1 bash scripts/bench-cli.sh  # use the bash loop even if hyperfine is installed
#
# Wall time uses hyperfine when it is installed (`apt-get install -y hyperfine`), otherwise a
# bash loop around `date +%s%N`. Peak RSS uses GNU time (`/usr/bin/time -v`, `apt-get install -y
# time`). Nothing here touches the network: replay, explain and token are offline.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
RSS_RUNS=${RSS_RUNS:-5}
BIN=target/release/pbi-doctor

log() { printf '%s\n' "$*" >&2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log "building the release binary (cargo build --release --locked)…"
build_start=$(date +%s%N)
cargo build --release --locked -q
build_ns=$(($(date +%s%N) - build_start))

# --- timing helpers -------------------------------------------------------------------------

have_hyperfine=false
hyperfine_input=false
if [[ -z ${NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null 2>&1; then
    have_hyperfine=true
    # `--input FILE` (hyperfine 1.17+) feeds stdin without a shell in between.
    hyperfine --help 2>/dev/null | grep -q -- '--input' && hyperfine_input=true
fi

# One table row per measured command: name|mean_ms|sd_ms|median_ms|min_ms|max_ms|runs|exit
rows_file="$work/rows"
: >"$rows_file"

# measure NAME STDIN_FILE CMD [ARGS…]: STDIN_FILE is /dev/null when the command reads nothing.
measure() {
    local name=${1//,/;} input=$2 status=0
    shift 2
    # The exit status of one run, for the table: 1 (problems found) is the expected answer of
    # most scenarios; 2 would mean the doctor could not run and the timing is of an error path.
    "$@" <"$input" >/dev/null 2>&1 || status=$?
    if $have_hyperfine; then
        local csv="$work/h.csv" cmd
        if [[ $input == /dev/null ]] || $hyperfine_input; then
            printf -v cmd '%q ' "$@"
            local extra=(-N)
            [[ $input != /dev/null ]] && extra+=(--input "$input")
            hyperfine "${extra[@]}" -i --style none --warmup "$WARMUP" --runs "$RUNS" \
                --export-csv "$csv" -n "$name" "$cmd" >/dev/null 2>&1
        else
            # hyperfine without --input: a shell does the redirection; hyperfine subtracts the
            # shell's own start-up time it measured beforehand.
            printf -v cmd '%q ' "$@"
            cmd+="< $(printf '%q' "$input")"
            hyperfine -i --style none --warmup "$WARMUP" --runs "$RUNS" \
                --export-csv "$csv" -n "$name" "$cmd" >/dev/null 2>&1
        fi
        # command,mean,stddev,median,user,system,min,max (seconds)
        awk -F, -v runs="$RUNS" -v status="$status" 'NR == 2 {
            printf "%s|%.2f|%.2f|%.2f|%.2f|%.2f|%d|%d\n", $1, $2*1000, $3*1000, $4*1000, $7*1000, $8*1000, runs, status
        }' "$csv" >>"$rows_file"
    else
        local i t0 times=()
        for ((i = 0; i < WARMUP; i++)); do "$@" <"$input" >/dev/null 2>&1 || true; done
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s%N)
            "$@" <"$input" >/dev/null 2>&1 || true
            times+=($(($(date +%s%N) - t0)))
        done
        printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v status="$status" '
            { v[NR] = $1 / 1e6; s += v[NR]; ss += v[NR] * v[NR] }
            END {
                n = NR; mean = s / n; sd = (n > 1) ? sqrt((ss - n * mean * mean) / (n - 1)) : 0
                med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                printf "%s|%.2f|%.2f|%.2f|%.2f|%.2f|%d|%d\n", name, mean, sd, med, v[1], v[n], n, status
            }' >>"$rows_file"
    fi
}

print_rows() {
    echo "| command | mean ± σ (ms) | median (ms) | min (ms) | max (ms) | runs | exit |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    awk -F'|' '{ printf "| `%s` | %s ± %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$1"
}

# Summary over a set of rows: count, smallest / median / largest of the medians.
summarize() {
    awk -F'|' '{ print $4 }' "$1" | sort -g | awk '
        { v[NR] = $1 }
        END { printf "%d commands; per-command median wall time: min %.2f ms, median %.2f ms, max %.2f ms\n",
              NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
}

# peak_rss NAME STDIN_FILE CMD…: median and max of RSS_RUNS runs of "Maximum resident set size".
rss_rows="$work/rss"
: >"$rss_rows"
peak_rss() {
    local name=$1 input=$2
    shift 2
    local i kb values=()
    for ((i = 0; i < RSS_RUNS; i++)); do
        # The doctor exits 1 when it finds problems: that is the answer, not a failure here.
        kb=$( (/usr/bin/time -v "$@" <"$input" 2>&1 >/dev/null || true) | awk -F': ' '/Maximum resident set size/ { print $2 }')
        values+=("$kb")
    done
    printf '%s\n' "${values[@]}" | sort -n | awk -v name="$name" '
        { v[NR] = $1 }
        END { printf "| `%s` | %.1f | %.1f | %d |\n", name, v[int((NR + 1) / 2)] / 1024, v[NR] / 1024, NR }' >>"$rss_rows"
}

# --- inputs ---------------------------------------------------------------------------------

mapfile -t scenarios < <("$BIN" replay --list)

# A typical v1.0 app-only Power BI token, valid for an hour from now (synthetic ids, fake
# 342-character signature: the length of a 2048-bit RSA signature in base64url).
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"typ":"JWT","alg":"RS256","x5t":"fake-x5t-thumbprint-value0","kid":"fake-x5t-thumbprint-value0"}' | b64url)
claims=$(printf '{"aud":"https://analysis.windows.net/powerbi/api","iss":"https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/","iat":%d,"nbf":%d,"exp":%d,"aio":"E2VgYJj8fHv3vL6b1y7oa3dXwYl9AQA=","appid":"8a1d5c3e-0b7f-4e2a-9c61-2f4d8e7b1a90","appidacr":"1","idp":"https://sts.windows.net/72f988bf-0000-4000-8000-000000000001/","idtyp":"app","oid":"5b2e7c1d-0000-4000-8000-00000000a001","rh":"0.AXEAv4j5cvGGr0GRqy180BHbR0ZIf3kAutdPukPawfj2MBNxAAA.","roles":["Tenant.Read.All"],"sub":"5b2e7c1d-0000-4000-8000-00000000a001","tid":"72f988bf-0000-4000-8000-000000000001","uti":"Qm9vdHN0cmFwVXRpVmFsdWUx","ver":"1.0"}' \
    "$((now - 300))" "$((now - 300))" "$((now + 3300))" | b64url)
signature=$(printf 'Sg7xQ2lJ_zKp4R-c%.0s' {1..22} | cut -c1-342)
token_file="$work/token.txt"
printf 'Authorization: Bearer %s.%s.%s\n' "$header" "$claims" "$signature" >"$token_file"

# --- wall time ------------------------------------------------------------------------------

log "replay: ${#scenarios[@]} scenarios × $RUNS runs…"
for s in "${scenarios[@]}"; do
    measure "replay --scenario $s" /dev/null "$BIN" replay --scenario "$s" --color never
done
cp "$rows_file" "$work/replay.rows"
: >"$rows_file"

pastes=(fixtures/explain-*/paste.txt)
log "explain: ${#pastes[@]} pastes × $RUNS runs…"
for p in "${pastes[@]}"; do
    dir=$(dirname "$p")
    # The few fixtures that need context flags (`args = [...]` in expect.toml) get them.
    extra=()
    if [[ -f $dir/expect.toml ]]; then
        mapfile -t extra < <(sed -n 's/^args = \[\(.*\)\]$/\1/p' "$dir/expect.toml" | grep -o '"[^"]*"' | sed 's/^"//; s/"$//')
    fi
    name="explain -${extra[*]:+ ${extra[*]}} < $(basename "$dir")"
    measure "$name" "$p" "$BIN" explain - "${extra[@]}" --color never
done
cp "$rows_file" "$work/explain.rows"
: >"$rows_file"

log "token: $RUNS runs…"
measure "token - < 'Authorization: Bearer' + v1 app token ($(wc -c <"$token_file") B)" "$token_file" "$BIN" token - --color never
measure "pbi-doctor --version (process start-up baseline)" /dev/null "$BIN" --version
cp "$rows_file" "$work/token.rows"

# --- peak RSS -------------------------------------------------------------------------------

if [[ ! -x /usr/bin/time ]]; then
    log "GNU time missing: apt-get install -y time"
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) == 0 ]]; then
        apt-get install -y time >/dev/null 2>&1 || true
    fi
fi
largest_scenario=""
largest_size=0
for s in "${scenarios[@]}"; do
    size=$(wc -c <"fixtures/$s/session.json" 2>/dev/null || echo 0)
    if ((size > largest_size)); then largest_size=$size largest_scenario=$s; fi
done
largest_paste=$(wc -c fixtures/explain-*/paste.txt | grep -v ' total$' | sort -n | tail -1 | awk '{ print $2 }')
largest_paste_size=$(wc -c <"$largest_paste")
if [[ -x /usr/bin/time ]]; then
    log "peak RSS: $RSS_RUNS runs each…"
    peak_rss "pbi-doctor --version (baseline)" /dev/null "$BIN" --version
    peak_rss "replay --scenario $largest_scenario (largest session, $largest_size B)" /dev/null \
        "$BIN" replay --scenario "$largest_scenario" --color never
    peak_rss "explain - < $(basename "$(dirname "$largest_paste")") (largest paste, $largest_paste_size B)" \
        "$largest_paste" "$BIN" explain - --color never
    peak_rss "token - (v1 app token)" "$token_file" "$BIN" token - --color never
fi

# --- cargo test -----------------------------------------------------------------------------

tests_report=""
if [[ -z ${SKIP_TESTS:-} ]]; then
    log "cargo test: building the test targets, then one timed run…"
    t0=$(date +%s%N)
    cargo test --locked --no-run -q >/dev/null 2>&1 || true
    test_build_ns=$(($(date +%s%N) - t0))
    t0=$(date +%s%N)
    set +e
    cargo test --locked >"$work/test.log" 2>&1
    test_rc=$?
    set -e
    test_ns=$(($(date +%s%N) - t0))
    passed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { printf "%d passed, %d failed", p, f }' "$work/test.log")
    tests_report=$(printf '| `cargo test --locked --no-run` (building test targets; incremental, may be a no-op) | %.1f s |\n| `cargo test --locked` (whole suite, one run, targets already built) | %.1f s (exit %d; %s) |' \
        "$(awk -v n="$test_build_ns" 'BEGIN { print n / 1e9 }')" \
        "$(awk -v n="$test_ns" 'BEGIN { print n / 1e9 }')" "$test_rc" "$passed")
fi

# --- report ---------------------------------------------------------------------------------

size_bytes=$(stat -c %s "$BIN")
stripped=$(file -b "$BIN" 2>/dev/null | grep -o 'not stripped\|stripped' | head -1 || true)

echo "# pbi-doctor CLI benchmarks"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- toolchain: $(rustc --version)"
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')"
if $have_hyperfine; then
    echo "- wall time: $(hyperfine --version), $WARMUP warm-up + $RUNS runs per command, output to /dev/null$($hyperfine_input || echo '; stdin via a shell redirect, shell start-up subtracted by hyperfine')"
else
    echo "- wall time: bash loop around \`date +%s%N\` (no hyperfine), $WARMUP warm-up + $RUNS runs per command, output to /dev/null; each time includes a fork and a \`date\` process (about 1.5 ms more than hyperfine on the machine of BENCHMARKS.md)"
fi
echo "- incremental \`cargo build --release --locked\` before measuring: $(awk -v n="$build_ns" 'BEGIN { printf "%.1f s", n / 1e9 }')"
echo
echo "## Binary"
echo
echo "| | |"
echo "|---|---:|"
printf '| `%s` size (release profile: lto, codegen-units=1, strip, panic=abort) | %s bytes (%.2f MiB)%s |\n' \
    "$BIN" "$size_bytes" "$(awk -v b="$size_bytes" 'BEGIN { print b / 1048576 }')" "${stripped:+, $stripped}"
echo
echo "## replay (every shipped scenario)"
echo
summarize "$work/replay.rows"
echo
print_rows "$work/replay.rows"
echo
echo "## explain - (every fixtures/explain-*/paste.txt on stdin)"
echo
summarize "$work/explain.rows"
echo
print_rows "$work/explain.rows"
echo
echo "## token -"
echo
print_rows "$work/token.rows"
echo
if [[ -s $rss_rows ]]; then
    echo "## Peak RSS (\`/usr/bin/time -v\`, maximum resident set size)"
    echo
    echo "| command | median (MiB) | max (MiB) | runs |"
    echo "|---|---:|---:|---:|"
    cat "$rss_rows"
    echo
fi
if [[ -n $tests_report ]]; then
    echo "## Test suite"
    echo
    echo "| | wall time |"
    echo "|---|---:|"
    echo "$tests_report"
    echo
fi
