//! Criterion benches: dictionary load, reading a 10k-entry CSV, index build, query analysis, search
//! and type-ahead on the bundled corpus, and type-ahead on a 10k-entry
//! corpus grown from it (`eval::synthetic_corpus`).
//! Run: `cargo bench --bench retrieval` (`-- suggest` for type-ahead only).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use madoguchi::eval::synthetic_corpus;
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};
use madoguchi::tokenize::{Analyzer, default_dictionary_dir, load_system_dictionary};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq-corpus")
}

const QUERY: &str = "クレジットカードの暗証番号を忘れてしまったので変更したい"; // 27 chars

fn initialization(c: &mut Criterion) {
    let mut g = c.benchmark_group("init");
    g.sample_size(10);
    g.bench_function("dictionary_load", |b| b.iter(|| load_system_dictionary(&default_dictionary_dir()).unwrap()));
    g.bench_function("analyzer_load_with_user_dict_and_synonyms", |b| b.iter(|| Analyzer::new().unwrap()));
    let analyzer = Analyzer::new().unwrap();
    let kb = load_corpus(&corpus()).unwrap();
    g.bench_function("index_build_bundled_corpus", |b| {
        b.iter(|| Retriever::builder().analyzer(analyzer.clone()).build(kb.clone()).unwrap())
    });
    // Reading a CMS's CSV export of 10,000 entries (loading was once
    // quadratic in the number of records: 8 s here).
    let dir = std::env::temp_dir().join(format!("madoguchi-bench-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv_path = dir.join("faq.csv");
    let mut w = csv::Writer::from_path(&csv_path).unwrap();
    w.write_record(["id", "question", "answer", "category"]).unwrap();
    for e in synthetic_corpus(&kb, 10_000).entries() {
        w.write_record([e.id.as_str(), &e.question, &e.answer, e.category.as_deref().unwrap_or("")]).unwrap();
    }
    w.flush().unwrap();
    g.bench_function("load_csv_10k_entries", |b| b.iter(|| load_corpus(&csv_path).unwrap()));
    g.finish();
    std::fs::remove_dir_all(dir).ok();
}

fn throughput(c: &mut Criterion) {
    let analyzer = Analyzer::new().unwrap();
    let retriever = Retriever::builder().analyzer(analyzer.clone()).build(load_corpus(&corpus()).unwrap()).unwrap();
    let opts = SearchOptions::default();
    let mut g = c.benchmark_group("query");
    g.bench_function("analyze_30_char_query", |b| b.iter(|| analyzer.analyze(black_box(QUERY))));
    g.bench_function("search_bundled_corpus", |b| b.iter(|| retriever.search(black_box(QUERY), &opts)));
    g.bench_function("search_kana_only", |b| b.iter(|| retriever.search(black_box("かーどのあんしょうばんごうをかえたい"), &opts)));
    g.finish();
}

/// Partial questions as typed: kana of one word still in the IME, complete
/// words and a growing one, a short kana prefix with many completions, and
/// half-width input.
const PARTIALS: [(&str, &str); 4] = [
    ("kana_word_growing", "ふんし"),
    ("words_then_growing_kana", "カードのさいはっ"),
    ("two_kana_prefix", "さい"),
    ("half_width_longer", "ｶｰﾄﾞの暗証番号をかえ"),
];

fn suggest(c: &mut Criterion) {
    let bundled = load_corpus(&corpus()).unwrap();
    for (group, kb) in [("suggest_bundled", bundled.clone()), ("suggest_10k", synthetic_corpus(&bundled, 10_000))] {
        let retriever = Retriever::builder().build(kb).unwrap();
        let mut g = c.benchmark_group(group);
        for (name, partial) in PARTIALS {
            // The bench measures what it claims: real suggestions.
            assert!(!retriever.suggest(partial, 5).is_empty(), "{group}/{name}: {partial} suggests nothing");
            g.bench_function(name, |b| b.iter(|| retriever.suggest(black_box(partial), 5)));
        }
        g.finish();
    }
}

criterion_group!(benches, initialization, throughput, suggest);
criterion_main!(benches);
