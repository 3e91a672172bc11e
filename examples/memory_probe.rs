//! Where the memory of a served corpus goes: resident memory (RSS, from
//! /proc/self/statm) after each stage of loading, and the heap size of the
//! scoring structures. Used for the memory breakdown in the README.
//!
//! Besides RSS (which keeps freed memory glibc has not returned), it counts
//! live heap bytes with a counting allocator, so each stage's own heap is
//! exact.
//!
//! Run: cargo run --release --example memory_probe -- [CORPUS [CASES]]
//! (CASES: a cases file or directory whose turns are then all answered).
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::{Retriever, SearchOptions};
use madoguchi::tokenize::Analyzer;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn heap_mib() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() -> madoguchi::Result<()> {
    let corpus = std::env::args().nth(1).unwrap_or_else(|| "faq-corpus".into());
    let (mut last, mut last_heap, mut clock) = (rss_mib(), heap_mib(), std::time::Instant::now());
    let mut stage = |name: &str| {
        let (now, heap) = (rss_mib(), heap_mib());
        println!(
            "{name:<44} RSS {now:7.1} MiB (+{:6.1})  peak {:7.1}  heap {heap:6.1} MiB (+{:6.1})  {:6.0} ms",
            now - last,
            peak_mib(),
            heap - last_heap,
            clock.elapsed().as_secs_f64() * 1e3
        );
        (last, last_heap, clock) = (now, heap, std::time::Instant::now());
    };
    stage("start");
    let dir = madoguchi::tokenize::default_dictionary_dir();
    let system = madoguchi::tokenize::load_system_dictionary(&dir)?;
    stage("IPADIC system dictionary (trie; the rest mmap)");
    let sudachi = madoguchi::tokenize::SynonymDictionary::load(&dir.parent().unwrap_or(&dir).join("sudachi/synonyms.txt"))?;
    stage("Sudachi synonym dictionary");
    drop((system, sudachi));
    let analyzer = Analyzer::new()?;
    stage("analyzer (all of the above + user dict, synonyms)");
    let _ = analyzer.analyze("クレジットカードの暗証番号を忘れた");
    stage("first analysis (dictionary pages touched)");
    let kb = load_corpus(corpus.as_ref())?;
    let entries = kb.len();
    stage(&format!("corpus loaded ({entries} entries)"));
    let retriever = Retriever::builder().analyzer(analyzer).build(kb)?;
    stage("retriever built (impacts, vocabulary; build memory freed)");
    let opts = SearchOptions::default();
    for q in ["カードをなくした", "支払い方法を変更したい", "ポイントの有効期限"] {
        std::hint::black_box(retriever.search(q, &opts));
    }
    stage("after three searches (scratch buffers)");
    use madoguchi::decide::classifier::{Bundled, Classifier};
    let harassment = Classifier::bundled(Bundled::Harassment)?;
    std::hint::black_box(harassment.probability("てすと"));
    stage("harassment model (parsed, first score)");
    let urgent = Classifier::bundled(Bundled::Urgent)?;
    std::hint::black_box(urgent.probability("てすと"));
    stage("urgent model (parsed, first score)");
    let rules = madoguchi::decide::RuleSet::bundled()?;
    stage("decision rules (regexes, lexicon; models above)");
    let engine = madoguchi::decide::Engine::builder().rules(rules).build(retriever)?;
    stage("engine built");
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T14:00:00+09:00").expect("valid time");
    for q in ["カードをなくした", "支払い方法を変更したい", "ポイントの有効期限", "ふざけるな、何回言わせるんだ"] {
        std::hint::black_box(engine.respond_at(&mut madoguchi::decide::Session::new("m"), q, at));
    }
    stage("after four turns (lazy regex caches, rule scratch)");
    // Optional: many varied turns (the lazy regex caches grow with new text).
    if let Some(cases) = std::env::args().nth(2) {
        let (cases, _) = madoguchi::eval::load_cases(cases.as_ref())?;
        let mut n = 0;
        for case in &cases {
            let mut session = madoguchi::decide::Session::new("m");
            for t in &case.turns {
                std::hint::black_box(engine.respond_at(&mut session, t, at));
                n += 1;
            }
        }
        stage(&format!("after {n} more turns"));
    }
    let retriever = engine.retriever();
    let (words, bigrams) = retriever.impacts().vocabulary();
    println!(
        "impact index: {words} words, {bigrams} bigrams, {:.1} MiB of heap",
        retriever.impacts().heap_bytes() as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}
