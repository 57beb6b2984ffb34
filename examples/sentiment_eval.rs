//! Run the sentiment scorer over a labelled TSV (`label<TAB>text`, `#`
//! comments) and print one prediction a line: `gold<TAB>pred<TAB>score<TAB>text`.
//!
//! ```text
//! cargo run --release --example sentiment_eval -- [FILE|-] [--band 0.1] [--explain]
//! cargo run --release --example sentiment_eval -- --check-lexicon
//! ```
//! A summary (exact-match rate, timing) goes to stderr;
//! `benches/sentiment/eval.py` reads stdout.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use yuqing::analyze::default_dictionaries_dir;
use yuqing::analyze::normalize::normalize;
use yuqing::analyze::sentiment::SentimentModel;
use yuqing::analyze::tokenize::Tokenizer;

fn main() -> anyhow::Result<()> {
    let mut input: Option<String> = None;
    let mut band = 0.1f32;
    let mut explain = false;
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--band" => band = args.next().expect("--band VALUE").parse()?,
            "--explain" => explain = true,
            "--check-lexicon" => check = true,
            other => input = Some(other.to_string()),
        }
    }
    let dicts = default_dictionaries_dir();
    let tokenizer = Tokenizer::load(&dicts)?;
    let t0 = Instant::now();
    let model = SentimentModel::load(&dicts)?;
    let load = t0.elapsed();
    eprintln!(
        "sentiment model: {} entries, loaded in {:.1} ms",
        model.len(),
        ms(load)
    );
    if check {
        return check_lexicon(&tokenizer, &dicts);
    }

    let mut text = String::new();
    match input.as_deref() {
        None | Some("-") => {
            std::io::stdin().read_to_string(&mut text)?;
        }
        Some(path) => text = std::fs::read_to_string(path)?,
    }
    let rows: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(g, t)| (g.to_string(), normalize(t)))
        .collect();

    let mut tokens = Vec::new();
    let (mut tok_time, mut score_time) = (Duration::ZERO, Duration::ZERO);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut correct = 0usize;
    for (gold, text) in &rows {
        let t = Instant::now();
        tokenizer.tokens_into(text, &mut tokens);
        tok_time += t.elapsed();
        let t = Instant::now();
        let s = model.score(&tokens, band);
        score_time += t.elapsed();
        let pred = &s.label.as_str()[..3];
        correct += usize::from(pred == gold);
        write!(out, "{gold}\t{pred}\t{:.4}\t{text}", s.score)?;
        if explain {
            write!(out, "\t{}", serde_json::to_string(&s.explanation)?)?;
            write!(out, "\t{}", tokens.join(" "))?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    let n = rows.len().max(1) as f64;
    eprintln!(
        "{} texts, 3-way exact match {:.3}; per text: tokenize {:.1} µs, score {:.2} µs",
        rows.len(),
        correct as f64 / n,
        tok_time.as_secs_f64() * 1e6 / n,
        score_time.as_secs_f64() * 1e6 / n
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Curated words the tokenizer never emits whole can never match.
fn check_lexicon(tokenizer: &Tokenizer, dicts: &Path) -> anyhow::Result<()> {
    let dir = dicts.join("sentiment");
    let mut bad = 0;
    let mut names: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    for path in names {
        let file = std::fs::File::open(&path)?;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let word = normalize(line.split(['\t', ' ']).next().unwrap_or(""));
            let toks = tokenizer.tokens(&word);
            if toks.len() != 1 {
                bad += 1;
                println!("{}:{}: '{word}' -> {toks:?}", path.display(), n + 1);
            }
        }
    }
    eprintln!("{bad} entries are not single tokens (matched by joining tokens)");
    Ok(())
}
