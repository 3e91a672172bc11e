//! Writes a synthetic corpus of N entries grown from faq-corpus/ as JSONL, for
//! scale tests of `madoguchi eval` and the benches.
//! Run: `cargo run --release --example synthetic_corpus -- 10000 > /tmp/faq-10k.jsonl`
fn main() -> madoguchi::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let base = madoguchi::knowledge::load_corpus("faq-corpus".as_ref())?;
    for e in madoguchi::eval::synthetic_corpus(&base, n).entries() {
        println!("{}", serde_json::to_string(e).expect("entries serialize"));
    }
    Ok(())
}
