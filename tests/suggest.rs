//! Type-ahead (`Retriever::suggest`): prefixes of words and kana still being
//! typed find their entries, width and script do not matter, short or empty
//! input gives nothing, and the limit and the category filter hold.

use std::path::PathBuf;
use std::sync::OnceLock;

use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::suggest::MIN_SUGGEST_CHARS;
use madoguchi::retrieve::{Retriever, SuggestOptions};

fn retriever() -> &'static Retriever {
    static R: OnceLock<Retriever> = OnceLock::new();
    R.get_or_init(|| {
        let kb = load_corpus(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq-corpus")).unwrap();
        Retriever::builder().build(kb).unwrap()
    })
}

fn ids(partial: &str, limit: usize) -> Vec<String> {
    retriever().suggest(partial, limit).into_iter().map(|s| s.id).collect()
}

fn questions(partial: &str) -> Vec<String> {
    retriever().suggest(partial, 5).into_iter().map(|s| s.question).collect()
}

#[test]
fn hiragana_being_typed_matches_the_reading_of_a_kanji_word() {
    // ふんし… → 紛失 (ふんしつ)
    for partial in ["ふんし", "カードをふんし", "かーどをふんし"] {
        let q = questions(partial);
        assert!(!q.is_empty(), "{partial}: nothing");
        assert!(q[0].contains("紛失"), "{partial}: {q:?}");
    }
}

#[test]
fn a_compound_is_found_by_the_start_of_its_reading() {
    // さいはっ (IME still open, small っ) → 再発行 (さいはっこう), which no
    // single dictionary word spells.
    for partial in ["さいはっ", "カードのさいはっ", "再発"] {
        let q = questions(partial);
        assert!(q.iter().take(3).any(|q| q.contains("再発行")), "{partial}: {q:?}");
    }
    let q = questions("あんしょうば");
    assert!(q.iter().take(3).any(|q| q.contains("暗証番号")), "あんしょうば: {q:?}");
}

#[test]
fn width_and_script_do_not_matter() {
    let full = ids("カードの暗証", 5);
    assert!(!full.is_empty());
    assert_eq!(ids("ｶｰﾄﾞの暗証", 5), full, "half-width katakana");
    // Lindera cuts hiragana かーどの… differently, so only the top is the same.
    assert_eq!(ids("かーどの暗証", 5)[0], full[0], "hiragana");
    assert_eq!(ids("ｶｰﾄﾞ", 5), ids("カード", 5));
    assert_eq!(ids("ＳＩＭ", 5), ids("sim", 5), "full-width latin, any case");
    let q = questions("ｶｰﾄﾞ");
    assert!(q.iter().take(3).all(|q| q.contains("カード")), "{q:?}");
}

#[test]
fn complete_words_count_with_the_growing_one() {
    // 「カードの再発行の手数」: the fee entry, not just any 再発行 entry.
    let q = questions("カードの再発行の手数");
    assert!(q[0].contains("手数料") && q[0].contains("再発行"), "{q:?}");
    // A finished inflected word is used as it is (落とし → 落とす).
    assert!(!questions("カードを落とし").is_empty());
}

#[test]
fn empty_short_and_unmatched_input_give_nothing() {
    for partial in ["", " ", "　", "か", "？", "!!", "\u{0}", "ーー"] {
        assert!(ids(partial, 5).is_empty(), "{partial:?}");
    }
    assert_eq!(MIN_SUGGEST_CHARS, 2);
    assert!(ids("xqzv", 5).is_empty());
    assert!(ids("ふんし", 0).is_empty(), "limit 0");
}

#[test]
fn limit_is_respected_and_results_are_ranked() {
    for limit in [1, 3, 5, 10] {
        let got = retriever().suggest("カード", limit);
        assert_eq!(got.len(), limit, "カード has many entries");
        assert!(got.windows(2).all(|w| w[0].score >= w[1].score), "{got:?}");
        let mut unique: Vec<&str> = got.iter().map(|s| s.id.as_str()).collect();
        unique.dedup();
        assert_eq!(unique.len(), limit);
    }
    assert!(retriever().suggest("カード", 10_000).len() <= madoguchi::retrieve::suggest::MAX_SUGGESTIONS);
}

#[test]
fn category_filter() {
    let r = retriever();
    let kb = r.knowledge_base();
    let opts = SuggestOptions { limit: 10, category: Some("クレジットカード".into()) };
    let got = r.suggest_with("さいはっ", &opts);
    assert!(!got.is_empty());
    for s in &got {
        assert_eq!(kb.get(&s.id).unwrap().category.as_deref(), Some("クレジットカード"), "{s:?}");
    }
    let none = SuggestOptions { limit: 5, category: Some("存在しないカテゴリ".into()) };
    assert!(r.suggest_with("カード", &none).is_empty());
}

#[test]
fn long_or_odd_input_never_panics() {
    let long = "カードの再発行について".repeat(200);
    let _ = retriever().suggest(&long, 5);
    for odd in ["\u{feff}カ", "🙂🙂🙂", "a\u{301}b", "ｶﾞｷﾞｸﾞ", "\r\n\t", "%E3%82", "SIMカ", "eSIMの"] {
        let _ = retriever().suggest(odd, 5);
    }
}

#[test]
fn vocabulary_is_built() {
    let v = retriever().vocabulary();
    assert!(v.len() > 500, "{}", v.len());
    assert!(v.has_prefix("ふんし"));
    assert!(v.has_prefix("さいはつ"), "compound reading of 再発行");
    assert!(v.expand("か", 20).len() <= 20, "capped");
}
