//! Criterion benches of the decision rules alone: `RuleSet::check` (rules,
//! lexicon on script boundaries, classifier), `RuleSet::check_analysis` on a
//! message already analyzed (what the engine calls), and the harassment
//! classifier's score, on short and long messages of each kind.
//! Run: `cargo bench --bench rules`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use madoguchi::decide::harassment::Evidence;
use madoguchi::decide::rules::{RuleSet, match_text};
use madoguchi::tokenize::Analyzer;

const MESSAGES: [(&str, &str); 5] = [
    ("ordinary", "引っ越しをしたので登録している住所を変更したいのですが、会員サイトからできますか？"),
    ("urgent", "さっき駅で財布をすられたみたいで、まどかカードとキャッシュカードが入っていました。すぐ止めてください"),
    ("request", "オペレーターさんと話せますか"),
    ("abuse", "お前みたいな無能は二度と電話に出るな、ネットに晒してやる"),
    ("long", "先月からまどかモバイルのプランを変更したのですが、請求額が思っていたより高く、明細を見ても内訳がよく分かりません。\
     家族割の適用が始まる月と、かけ放題オプションの日割り計算がどうなるのか、またポイントで支払いに充てることができるのかも教えてください。\
     アプリの表示とウェブの明細で金額が違うように見えるのも気になっています。"),
];

fn check(c: &mut Criterion) {
    let rules = RuleSet::bundled().unwrap();
    let analyzer = Analyzer::new().unwrap();
    let mut g = c.benchmark_group("rules_check");
    for (name, msg) in MESSAGES {
        g.bench_function(name, |b| b.iter(|| rules.check(black_box(msg))));
    }
    g.finish();
    let mut g = c.benchmark_group("rules_check_analysis");
    for (name, msg) in MESSAGES {
        let analysis = analyzer.analyze(msg);
        g.bench_function(name, |b| b.iter(|| rules.check_analysis(black_box(&analysis))));
    }
    g.finish();
    let model = rules.classifier().unwrap();
    let mut g = c.benchmark_group("harassment_classifier");
    for (name, msg) in MESSAGES {
        let (folded, evidence): (String, Evidence) = rules.harassment_evidence(&analyzer.analyze(msg));
        let _ = match_text(msg);
        g.bench_function(name, |b| b.iter(|| model.probability_with(black_box(&folded), black_box(&evidence))));
    }
    g.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
