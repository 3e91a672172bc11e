#!/usr/bin/env python3
"""Per-event / per-thing figures for tests/decisions/dev/urgent-grid.jsonl.

Reads the failure lists of the two evaluators from files (or runs them when
given --run) and joins them with the grid's notes:

    python3 scripts/urgent_grid_report.py [-v] [--rules dictionaries/rules.json] [--grid FILE]

Rule level: `rules_eval -v` (MISS / FALSE lines of urgent-grid.jsonl).
Engine level: `madoguchi eval --cases tests/decisions/dev/urgent-grid.jsonl`.
"""
import collections
import json
import re
import subprocess
import sys

GRID = "tests/decisions/dev/urgent-grid.jsonl"
BIN = "/tmp/helper-bin"


def args():
    a = sys.argv[1:]
    rules = "dictionaries/rules.json"
    if "--rules" in a:
        rules = a[a.index("--rules") + 1]
    return rules, ("--run" in a), ("-v" in a)


def main():
    rules, _run, verbose = args()
    global GRID
    if "--grid" in sys.argv:
        GRID = sys.argv[sys.argv.index("--grid") + 1]
    rows = [json.loads(l) for l in open(GRID, encoding="utf-8") if l.strip()]
    re_out = subprocess.run([BIN + "/rules_eval", "--rules", rules, "-v"], capture_output=True, text=True).stdout
    ev_out = subprocess.run([BIN + "/madoguchi", "eval", "--corpus", "faq-corpus", "--cases", GRID, "--rules", rules,
                             "--at", "2026-11-24T14:00:00+09:00"], capture_output=True, text=True).stdout
    rule_bad = set()
    for m in re.finditer(r"(?:MISS|FALSE) urgent " + re.escape(GRID) + r":(\d+)", re_out):
        rule_bad.add(int(m.group(1)))
    eng_bad = {}
    for m in re.finditer(re.escape(GRID) + r":(\d+): .* got (\S+)", ev_out):
        eng_bad[int(m.group(1))] = m.group(2)

    def key(r):
        n = r["note"]
        thing = re.search(r"thing=([^,)]+)", n).group(1)
        ev = re.search(r"event=([^,)]+)", n).group(1)
        if thing.startswith("not_ours"):
            thing = "not_ours"
        return thing, ev

    stats = collections.defaultdict(lambda: [0, 0, 0])  # n, rule ok, engine ok
    for i, r in enumerate(rows, 1):
        pos = r["expect"] == "handoff:urgent"
        thing, ev = key(r)
        for k in (("pos" if pos else "neg", "event", ev), ("pos" if pos else "neg", "thing", thing),
                  ("pos" if pos else "neg", "all", "all")):
            s = stats[k]
            s[0] += 1
            s[1] += i not in rule_bad
            s[2] += i not in eng_bad
    for side, title in (("pos", "urgent recall (caught / n)"), ("neg", "negatives: false alarms (fired / n)")):
        print(title, "   rule layer | full engine")
        for dim in ("all", "event", "thing"):
            for k in sorted(k for k in stats if k[0] == side and k[1] == dim):
                n, rok, eok = stats[k]
                if side == "pos":
                    print("  %-6s %-10s %4d/%-4d %5.1f%% | %4d/%-4d %5.1f%%" % (dim, k[2], rok, n, 100 * rok / n, eok, n, 100 * eok / n))
                else:
                    print("  %-6s %-10s %4d/%-4d %5.1f%% | %4d/%-4d %5.1f%%" % (dim, k[2], n - rok, n, 100 * (n - rok) / n, n - eok, n, 100 * (n - eok) / n))
    print("engine wrong decisions:", dict(collections.Counter(eng_bad.values())))
    if verbose:
        for i, r in enumerate(rows, 1):
            if i in rule_bad or i in eng_bad:
                print("%4d %s rule=%s engine=%s %s  [%s]" % (i, r["expect"][:7], "x" if i in rule_bad else "ok",
                                                       eng_bad.get(i, "ok"), r["query"], r["note"][15:]))


if __name__ == "__main__":
    main()
