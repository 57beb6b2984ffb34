//! The article extractor against hand-made truth for pages that follow the
//! layouts of real Chinese sites (tests/fixtures/extract, written by
//! benches/extract/make_fixtures.py).

use chrono::DateTime;
use std::path::{Path, PathBuf};
use yuqing::crawl::extract::{char_f1, extract_bytes, extract_command};

const MIN_F1: f64 = 0.9;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_fixture_meets_its_truth() {
    let pages = fixtures();
    assert!(
        pages.len() >= 16,
        "expected at least 16 fixtures, found {}",
        pages.len()
    );
    let mut failures = Vec::new();
    for path in &pages {
        let name = path.file_stem().unwrap().to_string_lossy();
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("truth.json")).unwrap(),
        )
        .unwrap();
        let now = DateTime::parse_from_rfc3339(truth["now"].as_str().unwrap()).unwrap();
        let got = extract_bytes(&std::fs::read(path).unwrap(), None, None, None, now);
        let f1 = char_f1(&got.text, truth["text"].as_str().unwrap());
        if f1 < MIN_F1 {
            failures.push(format!(
                "{name}: text F1 {f1:.3} < {MIN_F1}\n--- got:\n{}\n",
                got.text
            ));
        }
        let checks = [
            ("title", Some(got.title.as_str()), truth["title"].as_str()),
            (
                "published_at",
                got.published_at.as_deref(),
                truth["published_at"].as_str(),
            ),
            ("author", got.author.as_deref(), truth["author"].as_str()),
            ("encoding", Some(got.encoding), truth["encoding"].as_str()),
        ];
        for (field, got, want) in checks {
            if got != want {
                failures.push(format!("{name}: {field} {got:?}, want {want:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn extract_command_reads_a_gbk_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/extract/table_layout_gb2312.html");
    let out = extract_command(
        path.to_str().unwrap(),
        Some("http://jd.example.edu.cn/news/2388.html"),
        None,
    )
    .unwrap();
    let json = serde_json::to_value(&out).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["author", "encoding", "published_at", "text", "title"]
    );
    let line = serde_json::to_string(&out).unwrap();
    assert!(line.starts_with(r#"{"title":"#), "{line}");
    assert_eq!(json["encoding"], "gbk");
    assert_eq!(json["published_at"], "2024-03-15T09:30:00+08:00");
    assert!(out.text.contains("丘陵地区小型茶园采摘机器人"));
}

#[test]
fn extract_command_errors() {
    assert!(extract_command("/no/such/file.html", None, None).is_err());
    assert!(extract_command("page.html", None, Some("klingon")).is_err());
    assert!(extract_command("page.html", Some("not a url"), None).is_err());
}
