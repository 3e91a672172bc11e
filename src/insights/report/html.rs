//! The report as one self-contained HTML page: inline CSS and SVG, no
//! script, nothing fetched; Japanese labels; light colours and a print
//! style sheet so it reads the same on paper.

use std::fmt::Write;

use super::labels::{HANDOFF_REASONS, HARASSMENT, REPLY_KINDS, VOC, label};
use super::svg::{day_columns, hbars};
use super::{EntryUse, Report};

/// Escapes text for HTML (customer text is shown, masked, in the topics).
///
/// ```
/// assert_eq!(madoguchi::insights::report::html::escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: "IPAGothic", "IPAexGothic", "Noto Sans CJK JP", "Hiragino Sans", sans-serif; color: #222; background: #fff; margin: 24px auto; max-width: 760px; padding: 0 16px; line-height: 1.6; }
h1 { font-size: 1.6em; margin-bottom: 0; }
h2 { font-size: 1.2em; border-bottom: 2px solid #4a7fb5; padding-bottom: 2px; margin-top: 2em; }
.period { color: #555; margin-top: 0.2em; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; padding: 0; list-style: none; }
.cards li { border: 1px solid #bbb; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.cards .v { display: block; font-size: 1.5em; font-weight: bold; }
.cards .k { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
td.n { text-align: right; white-space: nowrap; }
.note { color: #555; font-size: 0.9em; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
ul.examples { margin: 0; padding-left: 1.2em; }
@media print {
  body { margin: 0; max-width: none; }
  h2 { break-after: avoid; }
  section, table, svg { break-inside: avoid; }
  th { background: #eee; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn card(out: &mut String, key: &str, value: &str) {
    let _ = write!(out, r#"<li><span class="v">{}</span><span class="k">{}</span></li>"#, escape(value), escape(key));
}

fn entry_table(out: &mut String, rows: &[EntryUse], empty: &str) {
    if rows.is_empty() {
        let _ = write!(out, r#"<p class="note">{}</p>"#, escape(empty));
        return;
    }
    out.push_str("<table><thead><tr><th>FAQ</th><th>回答数</th><th>はい</th><th>いいえ</th></tr></thead><tbody>");
    for r in rows {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            r.question.as_deref().map_or_else(|| escape(&r.id), |q| format!("{}（{}）", escape(q), escape(&r.id))),
            r.answers,
            r.yes,
            r.no
        );
    }
    out.push_str("</tbody></table>");
}

/// The report as HTML.
pub fn render(report: &Report) -> String {
    let mut o = String::with_capacity(32 * 1024);
    let _ = write!(
        o,
        r#"<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>お問い合わせレポート</title><style>{STYLE}</style></head><body><main>"#
    );
    o.push_str("<h1>お問い合わせレポート</h1>");
    let range = match (report.first_day, report.last_day) {
        (Some(f), Some(l)) => format!("{} 〜 {}", f.format("%Y年%m月%d日"), l.format("%Y年%m月%d日")),
        _ => "期間内のイベントはありません".into(),
    };
    let _ = write!(o, r#"<p class="period">対象期間: {}</p>"#, escape(&range));

    // 概要
    let t = &report.totals;
    o.push_str(r#"<section id="summary"><h2>概要</h2><ul class="cards">"#);
    card(&mut o, "対話数（メッセージ）", &t.turns.to_string());
    card(&mut o, "セッション数", &t.sessions.to_string());
    card(&mut o, "解決率", &percent(t.resolution_rate));
    card(&mut o, "「解決した」", &t.feedback_yes.to_string());
    card(&mut o, "「解決しない」", &t.feedback_no.to_string());
    card(&mut o, "担当者へ引き継ぎ", &t.handoffs.to_string());
    card(&mut o, "うち受付時間外", &t.handoffs_outside_hours.to_string());
    o.push_str("</ul>");
    o.push_str(r#"<p class="note">解決率: 回答を受け取り、引き継ぎ・対応終了がなく、「いいえ」のままでないセッションの割合。セッションは最初のメッセージの日に数えます。</p></section>"#);

    // 日別の推移
    o.push_str(r#"<section id="days"><h2>日別の推移</h2>"#);
    let cols: Vec<(String, Vec<u64>)> = report
        .days
        .iter()
        .map(|d| (d.date.format("%m/%d").to_string(), vec![d.resolved_sessions, d.sessions - d.resolved_sessions]))
        .collect();
    o.push_str(&day_columns("日別のセッション数と解決", &["解決", "未解決"], &cols));
    o.push_str("<table><thead><tr><th>日付</th><th>対話数</th><th>セッション</th><th>解決率</th><th>はい</th><th>いいえ</th><th>引き継ぎ</th></tr></thead><tbody>");
    for d in &report.days {
        let _ = write!(
            o,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            d.date.format("%Y-%m-%d"),
            d.turns,
            d.sessions,
            percent(d.resolution_rate),
            d.feedback_yes,
            d.feedback_no,
            d.handoffs
        );
    }
    o.push_str("</tbody></table></section>");

    // 応答の種類
    o.push_str(r#"<section id="replies"><h2>応答の種類</h2>"#);
    let rows: Vec<(String, u64)> = REPLY_KINDS
        .iter()
        .map(|(k, l)| (l.to_string(), report.reply_kinds.get(*k).copied().unwrap_or(0)))
        .collect();
    o.push_str(&hbars("応答の種類", &rows, "#4a7fb5"));
    o.push_str("</section>");

    // 引き継ぎ
    let h = &report.handoffs;
    o.push_str(r#"<section id="handoffs"><h2>担当者への引き継ぎ</h2>"#);
    let _ = write!(
        o,
        r#"<p>引き継ぎ {} 件（うち受付時間外 <strong>{}</strong> 件）。同じご用件の再案内 {} 件は数えていません。</p>"#,
        h.total, h.outside_hours, h.repeats
    );
    let rows: Vec<(String, u64)> = HANDOFF_REASONS
        .iter()
        .map(|(k, l)| (l.to_string(), h.by_reason.get(*k).copied().unwrap_or(0)))
        .collect();
    o.push_str(&hbars("引き継ぎの理由", &rows, "#e0a33b"));
    if !h.by_route.is_empty() {
        o.push_str("<table><thead><tr><th>窓口</th><th>件数</th><th>うち受付時間外</th></tr></thead><tbody>");
        let mut routes: Vec<_> = h.by_route.iter().collect();
        routes.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        for (id, r) in routes {
            let name = r.name.as_deref().map_or_else(|| escape(id), |n| format!("{}（{}）", escape(n), escape(id)));
            let _ = write!(o, r#"<tr><td>{name}</td><td class="n">{}</td><td class="n">{}</td></tr>"#, r.count, r.outside_hours);
        }
        o.push_str("</tbody></table>");
    }
    if h.urgent_notices > 0 {
        let _ = write!(
            o,
            r#"<p>引き継がずに回答し、緊急窓口を添えたメッセージ {} 件（緊急の可能性あり）。緊急だったものはルールで拾えるように、そうでないものは案内が出ないようにご確認ください。</p><ul class="notices">"#,
            h.urgent_notices
        );
        for t in &h.urgent_notice_texts {
            let _ = write!(o, "<li>{}</li>", escape(t));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>");

    // VOC
    o.push_str(r#"<section id="voc"><h2>お客さまの声（VOC）</h2>"#);
    let series: Vec<&str> = VOC.iter().map(|(_, l)| *l).collect();
    let cols: Vec<(String, Vec<u64>)> = report
        .days
        .iter()
        .map(|d| {
            (d.date.format("%m/%d").to_string(), VOC.iter().map(|(k, _)| d.voc.get(*k).copied().unwrap_or(0)).collect())
        })
        .collect();
    o.push_str(&day_columns("日別のお客さまの声", &series, &cols));
    let totals: Vec<String> =
        VOC.iter().map(|(k, l)| format!("{l} {} 件", report.voc.get(*k).copied().unwrap_or(0))).collect();
    let _ = write!(o, "<p>{}</p></section>", escape(&totals.join(" / ")));

    // FAQ
    o.push_str(r#"<section id="entries"><h2>よく使われた回答</h2>"#);
    entry_table(&mut o, &report.entries.most_answered, "回答はありません。");
    o.push_str("<h2>「解決しない」が多い回答</h2>");
    entry_table(&mut o, &report.entries.most_unhelpful, "「いいえ」の回答はありません。");
    o.push_str("</section>");

    // Topics
    let tp = &report.topics;
    o.push_str(r#"<section id="topics"><h2>次に書くべきFAQ（答えられなかった質問）</h2>"#);
    let _ = write!(
        o,
        r#"<p class="note">該当なし・未解決の引き継ぎ・候補提示になった質問 {} 件（異なる質問 {} 件）を似た言葉でまとめました。{}</p>"#,
        tp.questions,
        tp.distinct,
        if tp.sampled { format!("質問が多いため {} 件の標本からまとめています。", tp.kept) } else { String::new() }
    );
    if tp.list.is_empty() {
        o.push_str(r#"<p class="note">答えられなかった質問はありません。</p>"#);
    } else {
        o.push_str("<table><thead><tr><th>話題</th><th>件数</th><th>該当なし</th><th>候補提示</th><th>質問の例</th></tr></thead><tbody>");
        for topic in &tp.list {
            let examples: String = topic.examples.iter().map(|e| format!("<li>{}</li>", escape(e))).collect();
            let _ = write!(
                o,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td><ul class="examples">{examples}</ul></td></tr>"#,
                escape(&topic.label),
                topic.count,
                topic.unanswered,
                topic.low_confidence
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>");

    // Harassment
    let hr = &report.harassment;
    o.push_str(r#"<section id="harassment"><h2>カスタマーハラスメント</h2>"#);
    let _ = write!(o, "<p>該当メッセージ {} 件、対応終了 {} 件。</p>", hr.incidents, hr.ended);
    let rows: Vec<(String, u64)> =
        HARASSMENT.iter().map(|(k, _)| (label(HARASSMENT, k).to_string(), hr.by_category.get(*k).copied().unwrap_or(0))).collect();
    o.push_str(&hbars("ハラスメントの種類", &rows, "#c8553d"));
    o.push_str("</section>");

    // Input
    let i = &report.input;
    let _ = write!(
        o,
        r#"<section id="input"><h2>集計の対象</h2><p class="note">ファイル {} 件、{} 行、イベント {} 件（期間外 {} 件、読めない行 {} 件）。</p>"#,
        i.files, i.lines, i.events, i.out_of_range, i.bad_lines
    );
    if !i.bad_examples.is_empty() {
        o.push_str(r#"<ul class="note">"#);
        for b in &i.bad_examples {
            let _ = write!(o, "<li>{}</li>", escape(b));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section></main></body></html>\n");
    o
}
