#!/usr/bin/env python3
"""Small FAQs from the dev corpora: does the engine behave on a 15-entry FAQ?

Operators often bring a small FAQ (question and answer only). This draws N
entries at random from a corpus, writes them as question/answer CSV, and
rewrites the corpus's *dev* queries for it: a query whose relevant entries
are all gone now expects the honest fallback; one with a relevant entry
left keeps only those. Then it runs `madoguchi eval` and sums, over seeds,
what happened to each kind of query.

    scripts/studies/small-faq/subsample.py [N ...]

Dev queries by default (tests/queries/*-dev). SPLIT=test reads the test
sets instead: for reporting only, as aggregates. CONFIG=FILE evaluates with
a configuration written by `madoguchi tune`; SEEDS=N sets the draws.
"""
import csv, json, random, subprocess, sys, tempfile, os, collections

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.join(ROOT, "target/release/madoguchi")
CORPORA = {
    "bundled": ("faq-corpus", "tests/queries/bundled-SPLIT"),
    "city": ("corpora/city", "tests/queries/city-SPLIT"),
    "bank": ("corpora/bank", "tests/queries/bank-SPLIT"),
}


def entries(path):
    path = os.path.join(ROOT, path)
    out = []
    for name in sorted(os.listdir(path)):
        f = os.path.join(path, name)
        if name.endswith(".csv"):
            with open(f, encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    out.append((row["id"], row.get("category", ""), row["question"], row["answer"]))
        elif name.endswith(".jsonl"):
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        e = json.loads(line)
                        out.append((e["id"], e.get("category", ""), e["question"], e["answer"]))
    return out


def cases(path):
    path = os.path.join(ROOT, path)
    out = []
    for name in sorted(os.listdir(path)):
        with open(os.path.join(path, name), encoding="utf-8") as fh:
            out += [json.loads(l) for l in fh if l.strip()]
    return out


def run(corpus_dir, case_file):
    extra = ["--config", os.environ["CONFIG"]] if os.environ.get("CONFIG") else []
    r = subprocess.run([BIN, "eval", "--corpus", corpus_dir, "--cases", case_file, "--json",
                        "--at", "2026-11-24T14:00:00+09:00", *extra], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(r.stderr)
    try:
        return json.loads(r.stdout)
    except ValueError:
        sys.exit(f"eval printed no JSON: {r.stderr[-2000:]}")


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [15, 30]
    seeds = int(os.environ.get("SEEDS", "5"))
    for n in sizes:
        for name, (corpus, dev) in CORPORA.items():
            all_entries, all_cases = entries(corpus), cases(dev.replace("SPLIT", os.environ.get("SPLIT", "dev")))
            total = collections.Counter()
            for seed in range(seeds):
                rng = random.Random(seed * 7919 + n)
                kept = rng.sample(all_entries, min(n, len(all_entries)))
                ids = {e[0] for e in kept}
                with tempfile.TemporaryDirectory() as tmp:
                    cdir = os.path.join(tmp, "faq")
                    os.mkdir(cdir)
                    with open(os.path.join(cdir, "faq.csv"), "w", encoding="utf-8", newline="") as fh:
                        w = csv.writer(fh)
                        w.writerow(["id", "category", "question", "answer"])
                        w.writerows(kept)
                    rows = []
                    for c in all_cases:
                        expect = c.get("expect", "")
                        if expect.startswith("faq:"):  # the bundled set's form: one answering entry
                            c = {"query": c["query"], "expect": "relevant", "relevant": {expect[4:]: 2}}
                        elif expect not in ("relevant", "fallback"):
                            continue
                        rel = {k: v for k, v in (c.get("relevant") or {}).items() if k in ids}
                        if any(v >= 2 for v in rel.values()):
                            rows.append({"query": c["query"], "expect": "relevant", "relevant": rel})
                        elif not rel:
                            rows.append({"query": c["query"], "expect": "fallback"})
                        # only partly relevant entries left: not counted either way
                    cf = os.path.join(tmp, "cases.jsonl")
                    with open(cf, "w", encoding="utf-8") as fh:
                        for r in rows:
                            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                    d = run(cdir, cf)
                failed = {f["line"]: f for f in d["failed"]}
                for line, r in enumerate(rows, 1):
                    f = failed.get(line)
                    if r["expect"] == "relevant":
                        if f is None:
                            total["in", "answer"] += 1
                        elif f["predicted"] == "clarify":
                            top3 = f["ranking"][:3]
                            total["in", "clarify, right one offered" if any(t in r["relevant"] for t in top3)
                                  else "clarify, not offered"] += 1
                        elif f["predicted"] == "answer":
                            total["in", "WRONG answer"] += 1
                        else:
                            total["in", f["predicted"]] += 1
                    else:
                        total["out", "fallback" if f is None else
                              ("WRONG answer" if f["predicted"] == "answer" else f["predicted"])] += 1
            for side, label in (("in", "in the FAQ"), ("out", "not in it")):
                t = sum(v for (s_, _), v in total.items() if s_ == side)
                parts = ", ".join(f"{p} {100 * v / t:.1f}%" for (s_, p), v in sorted(total.items(), key=lambda kv: -kv[1])
                                  if s_ == side)
                print(f"N={n:3} {name:8} {label:10} {t:5}: {parts}", flush=True)


main()
