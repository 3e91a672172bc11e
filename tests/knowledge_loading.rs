//! Corpus loading and validation: every problem is reported with file:line,
//! nothing is silently dropped.

use std::fs;
use std::path::PathBuf;

use madoguchi::knowledge::{Escalation, load_corpus, load_file};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("madoguchi-test-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bundled_corpus_is_valid_and_large_enough() {
    let kb = load_corpus(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("faq-corpus")).unwrap();
    assert!(kb.len() >= 250, "{} entries", kb.len());
    let names: Vec<String> = kb.categories().into_iter().map(|c| c.name).collect();
    for expected in ["モバイル", "クレジットカード", "オンラインストア", "お問い合わせ", "カスタマーハラスメント方針"] {
        assert!(names.iter().any(|n| n == expected), "missing category {expected}: {names:?}");
    }
    assert!(kb.entries().iter().any(|e| e.escalation == Some(Escalation::LostStolen)));
}

#[test]
fn malformed_lines_are_reported_with_file_and_line() {
    let dir = temp_dir("malformed");
    let path = dir.join("bad.jsonl");
    fs::write(
        &path,
        concat!(
            "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}\n",
            "\n",
            "{\"id\":\"b\",\"question\":\"q\"\n",
            "{\"id\":\"c\",\"question\":\"\",\"answer\":\"x\"}\n",
            "{\"id\":\"a\",\"question\":\"q2\",\"answer\":\"y\"}\n",
            "{\"id\":\"d\",\"question\":\"q\",\"answer\":\"x\",\"colour\":1}\n",
        ),
    )
    .unwrap();
    let err = load_corpus(&dir).unwrap_err().to_string();
    let file = path.display().to_string();
    assert!(err.contains(&format!("{file}:3:")), "syntax error line: {err}");
    assert!(err.contains(&format!("{file}:6:")) && err.contains("colour"), "unknown field: {err}");
    // the syntax errors are reported first; validation runs once the file parses
    fs::write(
        &path,
        concat!(
            "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}\n",
            "{\"id\":\"c\",\"question\":\" \",\"answer\":\"x\"}\n",
            "{\"id\":\"a\",\"question\":\"q2\",\"answer\":\"y\"}\n",
        ),
    )
    .unwrap();
    let err = load_corpus(&dir).unwrap_err().to_string();
    assert!(err.contains(&format!("{file}:2: entry \"c\": empty question")), "{err}");
    assert!(err.contains(&format!("{file}:3: duplicate id \"a\" (first defined at {file}:1)")), "{err}");
}

#[test]
fn minimal_import_form_and_csv_tsv_load() {
    let dir = temp_dir("formats");
    fs::write(
        dir.join("min.jsonl"),
        "{\"id\":\"m1\",\"question\":\"支払日は？\",\"answer\":\"27日です。\",\"category\":\"カード\"}\n{\"id\":\"m2\",\"question\":\"送料は？\",\"answer\":\"550円です。\"}\n",
    )
    .unwrap();
    fs::write(
        dir.join("more.csv"),
        "id,category,question,alternatives,answer,keywords,links,escalation\nc1,カード,カードをなくした,紛失した|落とした,すぐにお電話ください。,紛失|盗難,窓口|https://example.jp/lost,lost_stolen\n",
    )
    .unwrap();
    fs::write(dir.join("more.tsv"), "id\tquestion\tanswer\nt1\t返品したい\t8日以内に。\n").unwrap();
    let kb = load_corpus(&dir).unwrap();
    assert_eq!(kb.len(), 4);
    let c1 = kb.get("c1").unwrap();
    assert_eq!(c1.alternatives, ["紛失した", "落とした"]);
    assert_eq!(c1.links[0].url, "https://example.jp/lost");
    assert_eq!(c1.escalation, Some(Escalation::LostStolen));
    assert_eq!(kb.get("m2").unwrap().category, None);
    assert_eq!(kb.browse("カード", None).len(), 2);
    assert_eq!(kb.browse("未分類", None).len(), 2);
}

#[test]
fn a_cms_export_of_question_and_answer_loads() {
    // Japanese or capitalised header names, and no id column: each entry is
    // known by its file and line.
    let dir = temp_dir("cms");
    let path = dir.join("よくある質問.csv");
    fs::write(&path, "\u{feff}質問,回答,カテゴリ\n営業時間は？,9時から17時です。,窓口\n\n駐車場はありますか,\"はい、20台分あります。\",\n").unwrap();
    let entries = load_file(&path).unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["よくある質問.csv-2", "よくある質問.csv-4"]);
    assert_eq!(entries[1].answer, "はい、20台分あります。");
    assert_eq!(entries[0].category.as_deref(), Some("窓口"));
    fs::write(&path, "ID,Question,Answer\nq1,営業時間は？,9時から17時です。\n").unwrap();
    assert_eq!(load_file(&path).unwrap()[0].id, "q1");
    // Two names for one column are one column named twice.
    fs::write(&path, "質問,question,回答\nq,q,a\n").unwrap();
    assert!(load_file(&path).unwrap_err().to_string().contains("column \"question\" named more than once"));
}

#[test]
fn bad_csv_rows_are_reported() {
    let dir = temp_dir("csv");
    let path = dir.join("x.csv");
    // The error of loading `text` as that file.
    let error_of = |text: &str| {
        fs::write(&path, text).unwrap();
        load_file(&path).unwrap_err().to_string()
    };
    let err = error_of("id,question,answer,escalation,links\na,q,x,sometimes,\nb,q,x,,no-pipe-here\nc,q\n");
    let file = path.display().to_string();
    assert!(err.contains(&format!("{file}:2: unknown escalation")), "{err}");
    assert!(err.contains(&format!("{file}:3: link")), "{err}");
    assert!(err.contains(&format!("{file}:4:")), "{err}");
    assert!(error_of("id,question\n1,q\n").contains("header must name"));
    // A CMS's export: what is missing, what the header has, every unknown
    // column, a column named twice.
    let err = error_of("ID,質問文書,answer\n1,q,a\n");
    assert!(err.contains("question missing (the header has \"ID\", \"質問文書\", \"answer\""), "{err}");
    let err = error_of("id,question,answer,URL,更新日\n1,q,a,u,d\n");
    assert!(err.contains("unknown column \"URL\", \"更新日\""), "{err}");
    let err = error_of("id,question,answer,answer\n1,q,a,b\n");
    assert!(err.contains("column \"answer\" named more than once"), "{err}");
    // A record after blank lines is reported on its own line.
    let err = error_of("id,question,answer\n1,q,a\n\n\n2,q\n");
    assert!(err.contains(&format!("{file}:5: 2 fields where the header has 3 (a field is missing")), "{err}");
    // The same with CRLF, a BOM, a quoted field over two lines, and a comma
    // left unquoted in an amount.
    let err = error_of("\u{feff}id,question,answer\r\n1,\"q\r\nq\",a\r\n\r\n2,q,1,000円\r\n");
    assert!(err.contains(&format!("{file}:5: 4 fields where the header has 3 (a comma inside a field")), "{err}");
    // A quote left open in the last column took every line after it into
    // that answer without a word: now an error on the quote's line. A
    // quote doubled inside a quoted field, and one inside an unquoted
    // field (5"), are not open.
    let err = error_of("id,question,answer\n1,q,a\n2,q,\"a\n3,q,a\n4,q,a\n");
    assert!(err.contains(&format!("{file}:3: a double quote opens a field here and is never closed")), "{err}");
    let err = error_of("id,question,answer\n\n1,q,a\n\n\n2,q,\"x\n\ny\n");
    assert!(err.contains(&format!("{file}:6: a double quote")), "{err}");
    // A stray quote closed by a later one took the records between into
    // one answer, without an error.
    let err = error_of("id,question,answer\n1,q1,\"こんにちは\n2,q2,a2\n3,q3,\"さようなら\n4,q4,a4\n");
    assert!(err.contains(&format!("{file}:4: a double quote ends a quoted field here, but the field goes on")), "{err}");
    assert!(error_of("id,question,answer\n1,q1,\"開始\n2,q2,a2\n3,q3,5\" screen\n").contains(":4: a double quote ends"));
    fs::write(&path, "id,question,answer\n1,q,\"a \"\"b\"\" c\"\n2,q,5\" screen\n3,q,\"x\ny\"").unwrap();
    let entries = load_file(&path).unwrap();
    assert_eq!(entries.iter().map(|e| e.answer.as_str()).collect::<Vec<_>>(), ["a \"b\" c", "5\" screen", "x\ny"]);
    // Trailing empty columns of a spreadsheet export are passed over while
    // empty; a value in one is not dropped without a word.
    fs::write(&path, "id,question,answer,,\n1,q,a,,\n2,q,b,,\n").unwrap();
    assert_eq!(load_file(&path).unwrap().len(), 2);
    let err = error_of("id,question,answer,,\n1,q,a,,\n2,q,b,,note\n");
    assert!(err.contains(&format!("{file}:3: a value in column 5 of the header, which has no name")), "{err}");
    // Trailing commas in the header alone: said so, not "a field is missing".
    let err = error_of("id,question,answer,,\n1,q,a\n");
    assert!(err.contains("the last 2 have no name (the header ends in commas the rows do not have"), "{err}");
}

#[test]
fn binary_and_empty_inputs_get_clear_errors() {
    let dir = temp_dir("binary");
    // Excel's "Unicode text" (UTF-16 with its byte order mark), then
    // Shift_JIS (「あ」 is 82 A0).
    fs::write(dir.join("bin.jsonl"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    let err = load_corpus(&dir).unwrap_err().to_string();
    assert!(err.contains("UTF-16, not UTF-8") && err.contains("iconv -f UTF-16 -t UTF-8"), "{err}");
    fs::write(dir.join("bin.jsonl"), [b'{', 0x82, 0xa0, b'}']).unwrap();
    let err = load_corpus(&dir).unwrap_err().to_string();
    assert!(err.contains("not UTF-8") && err.contains("iconv -f CP932 -t UTF-8"), "{err}");
    let empty = temp_dir("empty");
    assert!(load_corpus(&empty).unwrap_err().to_string().contains("no .jsonl"));
    // Files that hold no entry (an emptied or truncated export) are an
    // error too: a server reloading them would answer nothing.
    let blank = temp_dir("blank");
    fs::write(blank.join("faq.jsonl"), "\n# only a comment\n").unwrap();
    fs::write(blank.join("more.csv"), "id,question,answer\n").unwrap();
    let err = load_corpus(&blank).unwrap_err().to_string();
    assert!(err.contains("no FAQ entries"), "{err}");
}

#[test]
fn syntax_errors_and_the_problems_of_the_other_lines_are_listed_together() {
    let dir = temp_dir("all-problems");
    let file = dir.join("faq.jsonl");
    fs::write(
        &file,
        "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"x\"}\nnot json\n{\"id\":\"a\",\"question\":\"q2\",\"answer\":\"y\"}\n{\"id\":\"c\",\"question\":\"\",\"answer\":\"z\"}\n",
    )
    .unwrap();
    let err = load_corpus(&dir).unwrap_err().to_string();
    let f = file.display().to_string();
    assert!(err.contains(&format!("{f}:2:")), "the syntax error: {err}");
    assert!(err.contains(&format!("{f}:3: duplicate id \"a\"")), "the duplicate, in the same report: {err}");
    assert!(err.contains(&format!("{f}:4:")) && err.contains("empty question"), "the empty field: {err}");
}

#[test]
fn unknown_csv_columns_are_errors() {
    let dir = temp_dir("csv-columns");
    let path = dir.join("faq.csv");
    fs::write(&path, "id,question,answer,catgory\na,支払日は？,27日です。,カード\n").unwrap();
    let err = load_file(&path).unwrap_err().to_string();
    assert!(err.contains(":1:") && err.contains("unknown column \"catgory\""), "{err}");
    // The known optional columns still load.
    fs::write(&path, "id,question,answer,category,keywords\na,支払日は？,27日です。,カード,支払日|引き落とし\n").unwrap();
    let entries = load_file(&path).unwrap();
    assert_eq!(entries[0].keywords, vec!["支払日", "引き落とし"]);
}

#[test]
fn a_knowledge_base_round_trips_through_serde_with_its_id_index() {
    use madoguchi::knowledge::{FaqEntry, KnowledgeBase};
    let kb = KnowledgeBase::new(vec![FaqEntry::new("a", "支払日は？", "27日です。"), FaqEntry::new("b", "送料は？", "550円です。")]).unwrap();
    let back: KnowledgeBase = serde_json::from_str(&serde_json::to_string(&kb).unwrap()).unwrap();
    assert_eq!(back.get("b").map(|e| e.answer.as_str()), Some("550円です。"));
    assert_eq!(back.position("b"), Some(1));
    // duplicates are rejected on the way in too
    let dup = r#"{"entries":[{"id":"a","question":"q","answer":"x"},{"id":"a","question":"q","answer":"y"}]}"#;
    assert!(serde_json::from_str::<KnowledgeBase>(dup).unwrap_err().to_string().contains("duplicate id"));
}

#[test]
fn bundled_answers_give_the_hours_of_the_bundled_routes() {
    // A newcomer's probe found the complaints FAQ saying 9:00～18:00 while the
    // hand-off to the same desk said weekdays 10:00–17:00.
    let kb = load_corpus(concat!(env!("CARGO_MANIFEST_DIR"), "/faq-corpus").as_ref()).unwrap();
    let routes = madoguchi::decide::Calendar::bundled().unwrap();
    assert_eq!(madoguchi::decide::validate::hours_mismatches(&kb, &routes), vec![]);
    // The check does read the bundled answers: the old wording is found.
    let mut entries = kb.entries().to_vec();
    let e = entries.iter_mut().find(|e| e.id == "support-030").unwrap();
    assert!(e.answer.contains("平日10:00～17:00"), "{}", e.answer);
    e.answer = e.answer.replace("平日10:00～17:00", "9:00～18:00");
    let found = madoguchi::decide::validate::hours_mismatches(&madoguchi::knowledge::KnowledgeBase::new(entries).unwrap(), &routes);
    assert_eq!(found.iter().map(|m| (m.entry.as_str(), m.route.as_str())).collect::<Vec<_>>(), [("support-030", "complaints_desk")]);
}

#[test]
fn a_corpus_directory_reads_its_extensions_in_any_case_and_names_the_rest() {
    let dir = temp_dir("extensions");
    fs::write(dir.join("a.JSONL"), "{\"id\":\"a1\",\"question\":\"会費はいくら？\",\"answer\":\"月5,000円です。\"}\n").unwrap();
    fs::write(dir.join("b.Jsonl"), "{\"id\":\"b1\",\"question\":\"何時まで開いていますか\",\"answer\":\"22時までです。\"}\n").unwrap();
    // A .json in a directory is more likely a configuration than an FAQ.
    fs::write(dir.join("config.json"), "{\n  \"weights\": {}\n}\n").unwrap();
    fs::write(dir.join("c.Csv"), "id,question,answer\nc1,駐車場はありますか,あります。\n").unwrap();
    fs::write(dir.join("notes.txt"), "メモ").unwrap();
    fs::create_dir_all(dir.join("old")).unwrap();
    fs::write(dir.join("old").join("d.jsonl"), "{\"id\":\"d1\",\"question\":\"q\",\"answer\":\"a\"}\n").unwrap();
    let kb = load_corpus(&dir).unwrap();
    let mut ids: Vec<&str> = kb.entries().iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["a1", "b1", "c1"]);
    let skipped = madoguchi::knowledge::skipped_files(&dir);
    assert_eq!(skipped, vec![dir.join("config.json"), dir.join("notes.txt"), dir.join("old")]);
    fs::remove_dir_all(dir).ok();
}
