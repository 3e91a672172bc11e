"""Side-by-side retrieval comparison: madoguchi vs bm25s-j (Janome + BM25).

Run by hand: scripts/compare-bm25s.sh [CORPUS CASES]... (it installs bm25s-j
into a venv). For each (corpus, cases) pair both systems see the same corpus
(every text field of an entry as one document for bm25s-j) and the same
labelled queries (`faq:`, `relevant` and `fallback` cases; ranking metrics are
over the queries that have a relevant entry). Prints nDCG@10, Success@1,
MRR@10 and queries per second (one query at a time, tokenization included)
for each, plus madoguchi's answer precision and coverage.
"""
import csv
import glob
import json
import math
import os
import subprocess
import sys
import time

import bm25s  # bm25s-j installs the module under this name


def load_corpus(path):
    files = sorted(glob.glob(os.path.join(path, "*"))) if os.path.isdir(path) else [path]
    entries = []
    for f in files:
        if f.endswith(".jsonl"):
            with open(f, encoding="utf-8") as fh:
                entries += [json.loads(line) for line in fh if line.strip()]
        elif f.endswith(".csv") or f.endswith(".tsv"):
            with open(f, encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh, delimiter="\t" if f.endswith(".tsv") else ","):
                    row = {k: v for k, v in row.items() if v}
                    for key in ("alternatives", "keywords"):
                        if key in row:
                            row[key] = [x for x in row[key].split("|") if x]
                    entries.append(row)
    return entries


def load_cases(path):
    files = sorted(glob.glob(os.path.join(path, "*.jsonl"))) if os.path.isdir(path) else [path]
    cases = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                c = json.loads(line)
                if "query" not in c:
                    continue
                e = c["expect"]
                if isinstance(e, str) and e.startswith("faq:"):
                    grades = {e[4:]: 2}
                elif e == "relevant":
                    grades = c["relevant"]
                elif e == "fallback":
                    grades = {}
                else:
                    continue
                cases.append((c["query"], grades))
    return cases


def ndcg10(ranked, grades):
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def compare(root, corpus, cases_path):
    entries = load_corpus(corpus)
    cases = load_cases(cases_path)
    ids = [e["id"] for e in entries]
    docs = [" ".join([e["question"], *e.get("alternatives", []), *e.get("keywords", []), e["answer"]]) for e in entries]
    t0 = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(docs, stopwords="japanese", show_progress=False), show_progress=False)
    build_s = time.perf_counter() - t0

    answerable = [(q, g) for q, g in cases if g]
    ndcg = s1 = mrr = 0.0
    t0 = time.perf_counter()
    for query, grades in cases:
        tokens = bm25s.tokenize(query, stopwords="japanese", show_progress=False)
        k = min(10, len(ids))
        ranked = [ids[i] for i in retriever.retrieve(tokens, k=k, show_progress=False).documents[0]]
        if grades:
            ndcg += ndcg10(ranked, grades)
            first = next((i for i, d in enumerate(ranked) if d in grades), None)
            s1 += first == 0
            mrr += 0 if first is None else 1 / (first + 1)
    elapsed = time.perf_counter() - t0
    n = max(len(answerable), 1)
    print(f"\n{corpus} with {cases_path}: {len(entries)} entries, {len(cases)} queries ({len(answerable)} with a relevant entry)")
    print(f"  bm25s-j    nDCG@10 {ndcg/n:.3f}  Success@1 {s1/n:.3f}  MRR@10 {mrr/n:.3f}  "
          f"{len(cases)/elapsed:,.0f} queries/s  (index build {build_s:.2f} s)")

    out = subprocess.run([f"{root}/target/release/madoguchi", "eval", "--json", "--no-failures", "--corpus", corpus,
                          "--cases", cases_path, "--at", "2026-11-24T14:00:00+09:00"],
                         capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    m, lat, a = report["retrieval"], report["latency"], report["answering"]
    print(f"  madoguchi  nDCG@10 {m['ndcg_at_10']:.3f}  Success@1 {m['success_at_1']:.3f}  MRR@10 {m['mrr_at_10']:.3f}  "
          f"{1e6/lat['p50_us']:,.0f} turns/s at the p50 of a full turn ({lat['p50_us']:.0f} µs: rules, retrieval, decision)")
    print(f"             direct answers: precision {a['precision']:.3f} ({a['right']} of {a['answers']}), "
          f"coverage {a['coverage']:.3f} of {a['cases']} queries")


root = sys.argv[1]
pairs = sys.argv[2:]
if not pairs:
    pairs = ["faq-corpus", "tests/queries/bundled-dev"]
if len(pairs) % 2:
    sys.exit("usage: compare_bm25s.py ROOT [CORPUS CASES]...")
for i in range(0, len(pairs), 2):
    compare(root, pairs[i], pairs[i + 1])
