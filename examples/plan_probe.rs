//! Prints a query's concepts with their forms, postings lengths and IDF.
//! Run: cargo run --release --example plan_probe -- CORPUS QUERY
use madoguchi::knowledge::load_corpus;
use madoguchi::retrieve::Retriever;
use madoguchi::retrieve::query::ConceptKind;

fn main() -> madoguchi::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = Retriever::builder().build(load_corpus(args[0].as_ref())?)?;
    let plan = r.plan(&r.analyzer().analyze(&args[1]));
    let mut total = 0;
    for c in &plan.concepts {
        let forms: Vec<String> = c
            .alternatives
            .iter()
            .map(|a| {
                let p = a.terms.iter().filter_map(|t| if c.kind == ConceptKind::Bigram { r.impacts().bigram(t) } else { r.impacts().word(t) }).map(|p| (p.len(), p.idf)).collect::<Vec<_>>();
                total += p.iter().map(|x| x.0).sum::<usize>();
                format!("{}×{:.2}{:?}", a.terms.join("+"), a.weight, p.iter().map(|(n, i)| format!("n{n} idf{i:.1}")).collect::<Vec<_>>())
            })
            .collect();
        println!("{:?} {} w{:.2}: {}", c.kind, c.key, c.weight, forms.join(" | "));
    }
    println!("postings total {total}");
    Ok(())
}
