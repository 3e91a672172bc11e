"""Side-by-side retrieval comparison: madoguchi vs bm25s-j (Janome + BM25).

Run by hand: scripts/compare-bm25s.sh (it installs bm25s-j into a venv).
Both systems see the same corpus (faq-corpus/*.jsonl; question, alternatives,
keywords and answer as one document for bm25s-j) and the same labelled
paraphrase queries (tests/queries/bundled-dev/*.jsonl). Prints Success@1/@5, MRR@10 and
queries per second (one query at a time, tokenization included) for each.
"""
import glob
import json
import subprocess
import sys
import time

import bm25s  # bm25s-j installs the module under this name

root = sys.argv[1] if len(sys.argv) > 1 else "."
entries = []
for path in sorted(glob.glob(f"{root}/faq-corpus/*.jsonl")):
    with open(path, encoding="utf-8") as f:
        entries += [json.loads(line) for line in f if line.strip()]
cases = []
for path in sorted(glob.glob(f"{root}/tests/queries/bundled-dev/*.jsonl")):
    with open(path, encoding="utf-8") as f:
        cases += [json.loads(line) for line in f if line.strip()]

ids = [e["id"] for e in entries]
docs = [" ".join([e["question"], *e.get("alternatives", []), *e.get("keywords", []), e["answer"]]) for e in entries]
t0 = time.perf_counter()
retriever = bm25s.BM25()
retriever.index(bm25s.tokenize(docs, stopwords="japanese", show_progress=False), show_progress=False)
build_s = time.perf_counter() - t0

s1 = s5 = mrr = 0.0
t0 = time.perf_counter()
for case in cases:
    want = case["expect"].removeprefix("faq:")
    tokens = bm25s.tokenize(case["query"], stopwords="japanese", show_progress=False)
    k = min(10, len(ids))
    ranked = [ids[i] for i in retriever.retrieve(tokens, k=k, show_progress=False).documents[0]]
    if want in ranked:
        rank = ranked.index(want)
        s1 += rank == 0
        s5 += rank < 5
        mrr += 1 / (rank + 1)
elapsed = time.perf_counter() - t0
n = len(cases)
print(f"corpus: {len(entries)} entries, queries: {n}")
print(f"bm25s-j    Success@1 {s1/n:.3f}  Success@5 {s5/n:.3f}  MRR@10 {mrr/n:.3f}  "
      f"{n/elapsed:,.0f} queries/s  (index build {build_s:.2f} s)")

combined = f"{root}/target/compare-cases.jsonl"
with open(combined, "w", encoding="utf-8") as f:
    for case in cases:
        f.write(json.dumps({"query": case["query"], "expect": case["expect"]}, ensure_ascii=False) + "\n")
t0 = time.perf_counter()
out = subprocess.run([f"{root}/target/release/madoguchi", "eval", "--json", "--corpus", f"{root}/faq-corpus",
                      "--cases", combined, "--at", "2026-11-24T14:00:00+09:00"],
                     capture_output=True, text=True, check=True)
report = json.loads(out.stdout)
m, lat = report["retrieval"], report["latency"]
print(f"madoguchi  Success@1 {m['success_at_1']:.3f}  Success@5 {m['success_at_5']:.3f}  MRR@10 {m['mrr_at_10']:.3f}  "
      f"{1e6/lat['p50_us']:,.0f} turns/s at the p50 of a full turn ({lat['p50_us']:.0f} µs: rules, retrieval, decision)")
