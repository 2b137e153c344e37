#!/usr/bin/env python3
"""The "Against the peers" section of BENCHMARKS.md from one run of scripts/bench-peers.sh.
usage: table.py OUTDIR COMMIT > section.md
OUTDIR holds, per level (L0, L50): LEVEL/interleave.json (interleave.py), LEVEL/counts.tsv
(name, requests, connections, what the mock saw), rss.tsv (name, KiB) from GNU time, and
offline.tsv (name, KiB, seconds) for `token` and `explain` on files.
Ratios are per-round paired ratios (same round) from this run only: never absolute times of
different runs."""
import json, os, statistics as st, sys

out, commit = sys.argv[1], sys.argv[2]
levels = [("L0", "no injected latency"),
          ("L50", "50 ms per request, 100 ms per new connection, after the TLS handshake")]
meta = json.load(open(os.path.join(out, "meta.json")))
# A run that exited other than 0 (healthy) or 1 (problems found) did not do the work measured:
# its sample is left out and the command named under the tables.
failed = {}
def sample(name, code):
    if int(code) in (0, 1):
        return True
    failed.setdefault(name, []).append(int(code))
    return False

rss = {}
if os.path.exists(os.path.join(out, "rss.tsv")):
    for line in open(os.path.join(out, "rss.tsv")):
        n, code, kb = line.split()
        if sample(n, code):
            rss.setdefault(n, []).append(int(kb) / 1024)
q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * (len(xs) - 1) + 0.5))]
data = {}
for lv, _ in levels:
    d = json.load(open(os.path.join(out, lv, "interleave.json")))
    counts = {}
    for line in open(os.path.join(out, lv, "counts.tsv")):
        f = line.rstrip("\n").split("\t")
        counts[f[0]] = f[1:]
    data[lv] = (d, counts)


def med(lv, n):
    return st.median(x["ms"] for x in data[lv][0]["results"][n])


def paired(lv, a, b):
    """Median of the per-round ratios a/b (below 1: a faster)."""
    rounds = data[lv][0]["rounds"]
    return st.median(r["t"][a] / r["t"][b] for r in rounds)


L = []
d0 = data["L0"][0]
names = [c[0] for c in d0["cmds"]]
peers = [n for n in names if not n.startswith("pbi-")]
L.append(f"Run of `bash scripts/bench-peers.sh` at commit {commit}, {meta['date']}: "
         f"{meta['rounds']} interleaved rounds per level (every command once per round, random order), "
         f"binary `{meta['binary']}`"
         + (f"; `baseline-*` rows: {meta['baseline']}" if meta.get("baseline") else "")
         + f". MSAL for Python: {meta['msal']}. "
         f"Rounds that started while a compiler was running (the machine is shared): "
         + ", ".join(f"{lv} {sum(r['compilers_busy'] for r in data[lv][0]['rounds'])}" for lv, _ in levels)
         + ".\n")
for lv, words in levels:
    d, counts = data[lv]
    L.append(f"**{lv}** ({words}):\n")
    head = "| command | median ms (p25–p75) | " + " | ".join(f"÷ {p} (paired)" for p in peers) + \
           " | requests | connections | peak RSS MiB |"
    L.append(head)
    L.append("|:--|--:|" + "--:|" * len(peers) + "--:|--:|--:|")
    for n in names:
        t = [x["ms"] for x in d["results"][n]]
        ratios = " | ".join("" if n == p else f"{paired(lv, n, p):.2f}" for p in peers)
        c = counts.get(n, ["?", "?", ""])
        r = f"{st.median(rss[n]):.1f}" if n in rss else "–"
        L.append(f"| {n} | **{st.median(t):.1f}** ({q(t, .25):.1f}–{q(t, .75):.1f}) | {ratios} | {c[0]} | {c[1]} | {r} |")
    L.append("")
offline = {}
if os.path.exists(os.path.join(out, "offline.tsv")):
    for line in open(os.path.join(out, "offline.tsv")):
        f = line.split()
        if len(f) == 4 and sample(f[0], f[1]):
            offline.setdefault(f[0], []).append((int(f[2]) / 1024, float(f[3])))
offline_words = {"token-2k": "`token --file`, an `az account get-access-token` answer (2 KB)",
                 "explain-2k": "`explain --file`, an ADAL stack trace (2 KB, a shipped fixture)",
                 "explain-10mb": "`explain --file`, a 10 MB CI log with that trace in its middle"}
if offline:
    L.append("Offline, no network (GNU time, one process per run):\n")
    L.append("| command | runs | wall s (median) | peak RSS MiB (median) | peak RSS MiB (max) |")
    L.append("|:--|--:|--:|--:|--:|")
    for n, rows in offline.items():
        L.append(f"| {offline_words.get(n, n)} | {len(rows)} | {st.median(s for _, s in rows):.2f} | "
                 f"{st.median(m for m, _ in rows):.1f} | {max(m for m, _ in rows):.1f} |")
    L.append("")
if failed:
    L.append("Runs left out of the RSS and offline figures, by exit code: "
             + "; ".join(f"{n}: {', '.join(map(str, codes))}" for n, codes in failed.items()) + ".\n")
L.append("What the mock saw, per command (one run each, L0):\n")
L.append("| command | requests in order |")
L.append("|:--|:--|")
for n in names:
    L.append(f"| {n} | {data['L0'][1].get(n, ['', '', ''])[2]} |")
L.append("")

# The targets, judged from this run.
def verdict(ok):
    return "met" if ok else "**not met**"

T = []
if "pbi-default" in names and "curl" in names:
    m = med("L50", "pbi-default")
    T.append(f"| L50 default `check` ≤ 250 ms | {m:.0f} ms | {verdict(m <= 250)} |")
    r = paired("L50", "curl", "pbi-default")
    T.append(f"| L50 ≥ 1.5× faster than curl | {r:.2f}× | {verdict(r >= 1.5)} |")
    r0 = paired("L0", "pbi-default", "curl")
    T.append(f"| L0 ≤ 0.5× curl | {r0:.2f}× | {verdict(r0 <= 0.5)} |")
if "pbi-default" in names and "msal" in names:
    r = paired("L50", "msal", "pbi-default")
    T.append(f"| L50 ≥ 2.4× faster than MSAL for Python | {r:.2f}× | {verdict(r >= 2.4)} |")
    r = paired("L0", "msal", "pbi-default")
    T.append(f"| L0 ≥ 10× faster than MSAL for Python | {r:.1f}× | {verdict(r >= 10)} |")
if "pbi-ws50" in names and "pbi-ws1" in names:
    r = paired("L50", "pbi-ws50", "pbi-ws1")
    T.append(f"| L50: 50 `--workspace` probes ≤ 2× one | {r:.2f}× | {verdict(r <= 2)} |")
if "pbi-default" in rss:
    m = max(rss["pbi-default"])
    T.append(f"| peak RSS of `check` < 20 MiB | {m:.1f} MiB (max) | {verdict(m < 20)} |")
for n, words in (("token-2k", "`token`"), ("explain-2k", "`explain`")):
    if n in offline:
        m = max(m for m, _ in offline[n])
        T.append(f"| peak RSS of {words} of a 2 KB paste < 10 MiB | {m:.1f} MiB (max) | {verdict(m < 10)} |")
if "explain-10mb" in offline:
    w = st.median(s for _, s in offline["explain-10mb"])
    T.append(f"| `explain` of a 10 MB paste < 1 s | {w:.2f} s (median) | {verdict(w < 1)} |")
for n in ("token-2k", "explain-2k", "explain-10mb"):
    if n in failed or (offline and n not in offline):
        T.append(f"| `{n}` ran to its end every time | exit {', '.join(map(str, failed.get(n, ['?'])))} | {verdict(False)} |")
adm = [n for n in names if n.startswith("pbi-")]
ones = all(data[lv][1].get(n, [""] * 3)[2].count("admin/groups") == 1 for lv, _ in levels for n in adm)
T.append(f"| one admin-API request per run | {'1 in every pbi-doctor row' if ones else 'see the table'} | {verdict(ones)} |")
L.append("Issue 14's targets, judged by this run:\n")
L.append("| target | this run | |")
L.append("|:--|--:|:--|")
L.extend(T)
print("\n".join(L))
