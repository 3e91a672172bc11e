#!/usr/bin/env python3
"""What each part of retrieval adds: runs `madoguchi eval` with the bundled
configuration and with one part switched off at a time (its weight set to 0
in a copy of dictionaries/config.json), on the dev and test query sets of
all three corpora, and prints nDCG@10 and Success@1 per set.

Switching a part off keeps everything else, including the fitted confidence
model, so each row reads "the bundled engine without this part". Only
aggregate figures are printed (test sets are for reporting, not for reading
failures).

Run: python3 scripts/ablation.py [--sets dev|test|all]   (after a release build)
"""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "madoguchi")
SETS = {
    "dev": [("bundled", "faq-corpus", "tests/queries/bundled-dev"),
            ("city", "corpora/city", "tests/queries/city-dev"),
            ("bank", "corpora/bank", "tests/queries/bank-dev")],
    "test": [("bundled", "faq-corpus", "tests/queries/bundled-test"),
             ("city", "corpora/city", "tests/queries/city-test"),
             ("bank", "corpora/bank", "tests/queries/bank-test")],
}
# (label, ranking fields set to 0)
VARIANTS = [
    ("bundled configuration", []),
    ("without the answer field", [("answer", "weight")]),
    ("without alternatives and keywords", [("alternatives", "weight"), ("keywords", "weight")]),
    ("without Sudachi variants and synonyms", ["variant", "synonym"]),
    ("without the domain synonyms", ["domain_synonym"]),
    ("without compounds (inner words and joined nouns)", ["inner", "compound"]),
    ("without readings", ["reading"]),
    ("without reading bigrams", ["bigram"]),
]


def run(config, corpus, cases):
    out = subprocess.run(
        [BIN, "eval", "--corpus", corpus, "--cases", cases, "--config", config, "--json",
         "--no-failures", "--at", "2026-11-24T14:00:00+09:00"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    r = json.loads(out)["retrieval"]
    return r["ndcg_at_10"], r["success_at_1"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", choices=["dev", "test", "all"], default="all")
    args = ap.parse_args()
    kinds = ["dev", "test"] if args.sets == "all" else [args.sets]
    base = json.load(open(os.path.join(ROOT, "dictionaries", "config.json")))
    sets = [(k, n, c, q) for k in kinds for (n, c, q) in SETS[k]]
    header = " | ".join(f"{n} {k}" for k, n, _, _ in sets)
    print(f"| variant (nDCG@10 / S@1) | {header} |")
    print("|---|" + "---|" * len(sets))
    with tempfile.TemporaryDirectory() as tmp:
        for label, off in VARIANTS:
            cfg = copy.deepcopy(base)
            for part in off:
                if isinstance(part, tuple):
                    cfg["ranking"][part[0]][part[1]] = 0.0
                else:
                    cfg["ranking"][part] = 0.0
            path = os.path.join(tmp, "config.json")
            json.dump(cfg, open(path, "w"))
            cells = []
            for k, n, c, q in sets:
                ndcg, s1 = run(path, c, q)
                cells.append(f"{ndcg:.3f} / {s1:.3f}")
                print(f"  {label}: {n} {k} done", file=sys.stderr)
            print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
