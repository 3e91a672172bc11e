//! Golden tables for normalization and tokenization: input → expected output.
//! They read as the specification of how customer spellings meet FAQ text.

use madoguchi::normalize::{fold, normalize};
use madoguchi::tokenize::Analyzer;

#[test]
fn normalization_table() {
    let table = [
        // width: full-width Latin/digits and half-width katakana
        ("ＳＩＭカード", "simカード"),
        ("ｶｰﾄﾞの暗証番号", "カードの暗証番号"),
        ("５Ｇ対応", "5g対応"),
        // case
        ("eSIMとESIM", "esimとesim"),
        // long-vowel variants after kana
        ("カ-ド", "カード"),
        ("ス〜パ―", "スーパー"),
        // control characters, zero-width marks, whitespace runs
        ("\u{feff}  明細\u{200b}を\n 見たい  ", "明細を 見たい"),
        // a control between a letter and its combining mark: removed before
        // NFKC composes, so normalizing twice changes nothing
        ("C\u{0}\u{301}", "Ć"),
        ("カ\u{200b}\u{3099}ード", "ガード"),
        ("", ""),
    ];
    for (input, expected) in table {
        assert_eq!(normalize(input), expected, "normalize({input:?})");
    }
}

#[test]
fn folding_table() {
    let same = [
        ("カード", "かーど"),
        ("コンピューター", "コンピュータ"),
        ("キャッシング", "きやつしんぐ"),
        ("ヴァイオリン", "ゔあいおりん"),
    ];
    for (a, b) in same {
        assert_eq!(fold(a), fold(b), "fold({a:?}) == fold({b:?})");
    }
    assert_ne!(fold("カード"), fold("コード"));
}

fn keys(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer.analyze(text).terms.iter().map(|t| t.key.clone()).collect()
}

#[test]
fn tokenization_table() {
    let analyzer = Analyzer::new().expect("run scripts/setup-dictionary.sh first");
    let table: &[(&str, &[&str])] = &[
        // particles, auxiliaries and symbols dropped; verbs in base form
        ("カードを落としました", &["かーど", "落とす"]),
        ("明細を見たい！", &["明細", "見る"]),
        // width variants meet
        ("ｶｰﾄﾞを落とした", &["かーど", "落とす"]),
        ("ＭＮＰで乗り換えたい", &["mnp", "乗り換える"]),
        // request words carry no topic; adjacent nouns also give their compound
        ("暗証番号を教えてください", &["暗証", "番号", "暗証番号"]),
        // so a compound split in one spelling meets its one-word spelling
        ("粗大ゴミの出し方", &["粗大", "ごみ", "粗大ごみ", "出す"]),
        ("粗大ごみの出し方", &["粗大ごみ", "出す"]),
        // a suffix (税, 料) is no word of its own but joins its compound
        ("住民税の納付", &["住民", "税", "住民税", "納付"]),
        // user dictionary: domain words stay whole, inner words searchable too
        ("eSIMに対応している機種", &["esim", "対応", "機種"]),
        ("まどかポイントの付与", &["まどかぽいんと", "まどか", "ぽいんと", "付与"]),
    ];
    for (input, expected) in table {
        assert_eq!(keys(&analyzer, input), *expected, "analyze({input:?})");
    }
}

#[test]
fn readings_let_kana_spellings_meet_kanji() {
    let analyzer = Analyzer::new().expect("dictionary");
    let kanji = analyzer.analyze("カードを落とした");
    let kana = analyzer.analyze("かーどをおとした");
    // the verb's reading key is shared
    let reading = kanji.terms.iter().find(|t| t.key == "落とす").and_then(|t| t.reading.clone());
    assert_eq!(reading.as_deref(), Some("おとす"));
    assert!(kana.terms.iter().any(|t| t.key == "おとす"));
    // and the whole-text readings are identical, so their bigrams match
    assert_eq!(kanji.reading_text, kana.reading_text);
}

#[test]
fn hostile_input_never_panics() {
    let analyzer = Analyzer::new().expect("dictionary");
    let long = "あ".repeat(20_000);
    for text in ["", " ", "\u{0}\u{1}\u{7f}", "🙂🙂🙂", "\u{FFFD}\u{FFFD}", long.as_str(), "ﾞﾟ", "ー ー ー"] {
        let a = analyzer.analyze(text);
        assert!(a.terms.iter().all(|t| !t.key.is_empty()));
    }
}

/// The index analyzes answers with `analyze_keys`: the same terms as
/// `analyze` (keys, readings, kinds, spans), on every text of the bundled
/// corpus, with the parts nothing reads left empty.
#[test]
fn keys_only_analysis_gives_the_same_terms() {
    let analyzer = Analyzer::new().expect("run scripts/setup-dictionary.sh first");
    let kb = madoguchi::knowledge::load_corpus("faq-corpus".as_ref()).unwrap();
    let mut texts = 0;
    for e in kb.entries() {
        for text in std::iter::once(&e.question).chain(&e.alternatives).chain(std::iter::once(&e.answer)) {
            let (full, keys) = (analyzer.analyze(text), analyzer.analyze_keys(text));
            let view = |a: &madoguchi::tokenize::Analysis| -> Vec<_> {
                a.terms.iter().map(|t| (t.key.clone(), t.reading.clone(), t.kind, t.span, t.pos.clone())).collect()
            };
            assert_eq!(view(&full), view(&keys), "{text}");
            assert_eq!(full.normalized, keys.normalized);
            assert!(keys.reading_text.is_empty() && keys.boundaries.is_empty());
            assert!(keys.terms.iter().all(|t| t.surface.is_empty() && t.parts.is_empty()));
            texts += 1;
        }
    }
    assert!(texts > 500, "{texts} texts");
}
