//! Criterion benches: dictionary load, index build, query analysis and search
//! on the bundled corpus. Run: `cargo bench --bench retrieval`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
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
    g.finish();
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

criterion_group!(benches, initialization, throughput);
criterion_main!(benches);
