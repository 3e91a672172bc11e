//! Shows what the harassment detector sees in one message: hits, aim word,
//! classifier probability. Run: `cargo run --release --example harassment_probe -- "メッセージ"`
use madoguchi::decide::rules::RuleSet;
use madoguchi::tokenize::Analyzer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rules = RuleSet::bundled()?;
    let analyzer = Analyzer::new()?;
    for text in std::env::args().skip(1) {
        let m = if std::env::var("SCRIPT").is_ok() { rules.check(&text) } else { rules.check_analysis(&analyzer.analyze(&text)) };
        println!("{text}\n{}", serde_json::to_string_pretty(&m)?);
    }
    Ok(())
}
