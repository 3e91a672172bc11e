//! The command-line program as a newcomer meets it: a pipe into `head`,
//! bytes that are not UTF-8 on stdin, a rules file that only rewords the
//! bot, a `tune --out` that cannot be written.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    c.current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("RUST_BACKTRACE");
    c
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("madoguchi-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `categories クレジットカード --json | head -1`: the reader takes one line
    // and closes while the program still has most of its 120 KB to write
    // (more than a pipe holds, so the write after the close must fail).
    let mut child = bin()
        .args(["categories", "クレジットカード", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "[", "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

fn chat(args: &[&str], input: &[u8]) -> (std::process::ExitStatus, String, String) {
    let mut child = bin()
        .arg("chat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// The `kind` of each reply `chat --json` printed (one JSON value each).
fn kinds(stdout: &str) -> Vec<String> {
    serde_json::Deserializer::from_str(stdout)
        .into_iter::<serde_json::Value>()
        .map(|v| v.unwrap()["kind"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_line_that_is_not_utf8_is_one_unreadable_turn_not_the_end() {
    let (status, stdout, stderr) = chat(&["--json"], b"\xff\xfe\xff\n\xe6\x94\xaf\xe6\x89\x95\xe6\x97\xa5\xe3\x81\xaf\xef\xbc\x9f\n");
    assert!(status.success(), "{stderr}");
    // The unreadable line gets a fallback; the next (支払日は？) is answered as usual.
    let kinds = kinds(&stdout);
    assert_eq!(kinds.len(), 2, "{stdout}");
    assert_eq!(kinds[0], "fallback");
}

#[test]
fn piped_blank_lines_lose_no_line_after_them() {
    // A blank line, and a line of a full-width space alone, used to end the
    // chat: every line piped in after them was dropped without a word.
    let (status, stdout, stderr) = chat(&["--json"], "支払日は？\n\n\u{3000}\n \r\n送料はいくらですか\n".as_bytes());
    assert!(status.success(), "{stderr}");
    assert_eq!(kinds(&stdout).len(), 2, "both questions answered, the blank lines passed over: {stdout}");
    assert!(stderr.contains("ご利用ありがとうございました"), "the end of the input ends the chat: {stderr}");
}

#[test]
fn a_rules_file_that_only_rewords_keeps_every_rule() {
    let dir = temp("words");
    let file = dir.join("words.json");
    std::fs::write(&file, r#"{"messages": {"greeting": "こんにちは、ジムです。"}}"#).unwrap();
    let (status, stdout, stderr) = chat(&["--json", "--rules", file.to_str().unwrap()], "財布ごとカードを落としました\nスタッフと話したい\n".as_bytes());
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("こんにちは、ジムです。"), "the greeting is the rules file's: {stderr}");
    assert_eq!(kinds(&stdout), ["handoff", "handoff"], "{stdout}");
    let check = bin().args(["check", "--rules", file.to_str().unwrap()]).output().unwrap();
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success() && said.contains("laid over the bundled rules"), "{said}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn tune_checks_where_it_writes_before_the_work() {
    let out = bin()
        .args(["tune", "--corpus", "faq-corpus", "--cases", "tests/queries/bundled-dev", "--out", "/nonexistent-dir/config.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("/nonexistent-dir") && !stderr.contains("loaded "), "{stderr}");
}

/// An operator's own FAQ with the bundled (demo) routes: `check` passes,
/// says the routes are the demo's, names two entries with the same
/// question and an answer with HTML tags; with a routes file given on
/// purpose, categories it names that the corpus lacks are an error.
#[test]
fn check_an_own_faq_against_the_demo_routes() {
    let dir = temp("own-faq");
    let faq = dir.join("faq.csv");
    std::fs::write(
        &faq,
        "id,question,answer,category\n\
         g1,ごみの収集日はいつですか,地区ごとに曜日が決まっています。,ごみ\n\
         g2,ごみの収集日はいつですか？,粗大ごみは予約制です。,ごみ\n\
         r1,住民票の写しがほしい,市民課の窓口で交付します。<br>手数料は300円です。,住民票\n",
    )
    .unwrap();
    let out = bin().args(["check", "--corpus"]).arg(&faq).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("warning: the bundled dictionaries/routes.json is the demo's"), "{stdout}");
    assert!(stdout.contains("warning: entries g1, g2 ask the same question"), "{stdout}");
    assert!(stdout.contains("warning: 1 answer(s) contain HTML tags (the first in entry r1)"), "{stdout}");

    let out = bin().args(["check", "--routes", "dictionaries/routes.json", "--corpus"]).arg(&faq).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("phone.by_category: category `クレジットカード` is not a category of the corpus"), "{stderr}");

    // An own corpus that reuses the demo's category names still gets the
    // warning (every hand-off would still name the demo's desks); the demo
    // corpus itself does not.
    let cats = ["クレジットカード", "モバイル", "オンラインストア"];
    let mut csv = String::from("id,question,answer,category\n");
    for (i, c) in cats.iter().enumerate() {
        csv.push_str(&format!("x{i},{c}の質問はどこにしますか,{c}の窓口までどうぞ。,{c}\n"));
    }
    std::fs::write(&faq, csv).unwrap();
    let routes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("dictionaries/routes.json").unwrap()).unwrap();
    let named: Vec<&str> = routes["phone"]["by_category"].as_object().unwrap().keys().map(String::as_str).collect();
    assert!(named.iter().all(|c| cats.contains(c)), "the demo routes name {named:?}");
    let out = bin().args(["check", "--corpus"]).arg(&faq).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("warning: the bundled dictionaries/routes.json is the demo's (まどか's desks and 0120-000-… numbers); every hand-off"), "{stdout}");
    let out = bin().args(["check", "--corpus", "faq-corpus"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !stdout.contains("is the demo's"), "{stdout}");
    // Known by its content, not its path: the demo corpus named from
    // elsewhere passes quietly; an own FAQ in ./faq-corpus is warned about.
    let demo = std::fs::canonicalize("faq-corpus").unwrap();
    let out = bin().current_dir(&dir).args(["check", "--dictionary"]).arg(std::fs::canonicalize("dictionaries/ipadic").unwrap()).arg("--corpus").arg(&demo).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("is the demo's"), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    std::fs::create_dir_all(dir.join("faq-corpus")).unwrap();
    std::fs::rename(&faq, dir.join("faq-corpus/faq.csv")).unwrap();
    let out = bin().current_dir(&dir).args(["check", "--dictionary"]).arg(std::fs::canonicalize("dictionaries/ipadic").unwrap()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("is the demo's"), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(dir).ok();
}
