//! `yuqing crawl` as a user runs it.

use crate::fixture_site;
use std::process::{Command, Output};

fn yuqing(args: &[&str], dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    cmd.args(args).current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("YUQING_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

async fn run(cmd: Command) -> Output {
    let mut cmd = cmd;
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_once_prints_a_chinese_summary_and_fails_when_a_source_fails() {
    let site = fixture_site::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let config = format!(
        r#"dictionaries_dir = "{root}/dictionaries"
rules_dir = "{root}/rules"
{fast}
[[sources]]
name = "rss"
kind = "feed"
url = "{base}/feed/rss.xml"

[[sources]]
name = "broken"
kind = "feed"
url = "{base}/error500"
"#,
        fast = crate::helpers::FAST.replace("retries = 2", "retries = 0"),
        base = site.base,
    );
    std::fs::write(dir.path().join("yuqing.toml"), config).unwrap();

    let out = run(yuqing(&["crawl", "--once"], dir.path())).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
    let header = stdout.lines().next().unwrap();
    for col in ["来源", "抓取", "新增", "重复", "错误"] {
        assert!(header.contains(col), "{header}");
    }
    let rss = stdout.lines().find(|l| l.starts_with("rss")).unwrap();
    assert_eq!(
        rss.split_whitespace().take(3).collect::<Vec<_>>(),
        ["rss", "2", "2"],
        "{stdout}"
    );
    assert!(stdout.contains("失败：HTTP 500"), "{stdout}");
    assert!(stdout.contains("共 2 个来源运行，1 个失败"), "{stdout}");

    // Only the named source: it succeeds, exit 0; the SQLite file is in data/.
    let out = run(yuqing(&["crawl", "--once", "--source", "rss"], dir.path())).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(dir.path().join("data/yuqing.db").exists());

    let out = run(yuqing(&["crawl"], dir.path())).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("yuqing serve"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_fetches_a_url_like_the_crawler() {
    let site = fixture_site::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/auto/x1.html", site.base);
    let out = run(yuqing(&["extract", &url], dir.path())).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["title"], "人工智能学术报告会举行");
    assert!(v["text"].as_str().unwrap().contains("图书馆报告厅"), "{v}");
    assert_eq!(v["encoding"], "utf-8");

    // robots.txt is honoured, and the error names the URL.
    let private = format!("{}/private/p1.html", site.base);
    let out = run(yuqing(&["extract", &private], dir.path())).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&private) && err.contains("robots.txt"),
        "{err}"
    );
}
