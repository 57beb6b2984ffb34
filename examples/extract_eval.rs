//! Runs the article extractor over tests/fixtures/extract and prints one JSON
//! line per fixture, then a timing line; read by benches/extract/eval.py.
//!
//!     cargo run --release --example extract_eval [FIXTURE_DIR]

use chrono::DateTime;
use std::path::PathBuf;
use std::time::Instant;
use yuqing::crawl::extract::extract_bytes;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract")
        });
    let mut pages = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    names.sort();
    for path in names {
        let bytes = std::fs::read(&path)?;
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("truth.json"))?)?;
        let now = DateTime::parse_from_rfc3339(
            truth["now"].as_str().unwrap_or("2024-03-20T10:00:00+08:00"),
        )?;
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        pages.push((name, bytes, now));
    }
    for (name, bytes, now) in &pages {
        let out = extract_bytes(bytes, None, None, None, *now);
        let mut line = serde_json::to_value(&out)?;
        line["name"] = name.clone().into();
        println!("{line}");
    }
    // Raw bytes to result, charset detection included, as the crawler runs it.
    let rounds = 200;
    let start = Instant::now();
    for _ in 0..rounds {
        for (_, bytes, now) in &pages {
            std::hint::black_box(extract_bytes(bytes, None, None, None, *now));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"timing": true, "pages": rounds * pages.len(), "seconds": secs, "pages_per_sec": (rounds * pages.len()) as f64 / secs})
    );
    Ok(())
}
