//! `kind = "import"`: files dropped into a folder are ingested and moved aside.

use crate::helpers::spawn_app;
use std::path::Path;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[tokio::test]
async fn jsonl_csv_and_json_files_are_ingested_and_moved_aside() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().join("inbox");
    let app = spawn_app(&format!(
        r#"
[[sources]]
name = "manual"
kind = "import"
dir = "{}"
channel = "weibo"
tags = ["人工导入"]
"#,
        dir.display()
    ))
    .await;
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.jsonl"),
        concat!(
            r#"{"id": "w1", "text": "学校食堂饭菜里吃出虫子，好几个同学腹泻了", "author": "小王", "published_at": "2026-03-18 10:00", "metrics": {"reposts": 30}}"#,
            "\n",
            "{broken json\n",
            r#"{"id": "w2", "text": "图书馆今天开放到晚上十点", "channel": "forum"}"#,
            "\n",
            r#"{"id": "w3", "text": "x", "published_at": "昨天的某个时候"}"#,
            "\n",
        ),
    )
    .unwrap();
    // Excel's GBK CSV with Chinese headers.
    let (gbk, _, _) = encoding_rs::GBK
        .encode("标题,正文,作者,点赞\n宿舍停电,宿舍楼停电一整晚也没人管,小李,1.2万\n");
    std::fs::write(dir.join("b.csv"), &gbk).unwrap();
    std::fs::write(dir.join("c.json"), r#"[{"url": "https://bbs.example.edu.cn/t/9?utm_source=x", "text": "考试周自习室座位不够"}]"#).unwrap();
    std::fs::write(dir.join("d.json"), "[{\"text\": ").unwrap();
    std::fs::write(
        dir.join("e.jsonl.part"),
        "{\"text\": \"still being written\"}\n",
    )
    .unwrap();

    let s = app.crawl().await;
    let m = s.get("manual").unwrap();
    assert!(!m.failed, "{s:?}");
    assert_eq!((m.stats.fetched, m.stats.new), (4, 4), "{m:?}");
    // The broken line, the bad time, the unreadable file.
    assert_eq!(m.stats.errors, 3, "{m:?}");

    let posts = app.posts("manual").await;
    let by_id = |id: &str| posts.iter().find(|p| p.external_id == id).unwrap().clone();
    let w1 = by_id("w1");
    assert_eq!(w1.channel, yuqing::model::Channel::Weibo);
    assert_eq!(w1.tags, ["人工导入"]);
    assert_eq!(w1.metrics.unwrap().reposts, 30);
    assert!(w1.analysis.unwrap().risk.score > 0);
    assert_eq!(by_id("w2").channel, yuqing::model::Channel::Forum);
    let csv = posts.iter().find(|p| p.title == "宿舍停电").unwrap();
    assert_eq!(csv.text, "宿舍楼停电一整晚也没人管");
    assert_eq!(csv.metrics.unwrap().likes, 12_000);
    assert!(
        by_id("https://bbs.example.edu.cn/t/9")
            .text
            .contains("自习室")
    );

    // Read files moved aside, with a report of their bad lines; the partial
    // file is left alone.
    assert_eq!(names(&dir), ["done", "e.jsonl.part", "failed"]);
    let done = names(&dir.join("done"));
    assert_eq!(done.len(), 4, "{done:?}");
    let report = done
        .iter()
        .find(|n| n.ends_with("a.jsonl.errors.txt"))
        .unwrap();
    let report = std::fs::read_to_string(dir.join("done").join(report)).unwrap();
    assert!(report.contains("a.jsonl:2: 不是有效的 JSON"), "{report}");
    assert!(
        report.contains("a.jsonl:4: 字段 published_at：无法识别的时间"),
        "{report}"
    );
    let failed = names(&dir.join("failed"));
    assert!(failed.iter().any(|n| n.ends_with("d.json")), "{failed:?}");

    // The same file again (imported twice by mistake) adds nothing.
    std::fs::copy(
        dir.join("done")
            .join(done.iter().find(|n| n.ends_with("-a.jsonl")).unwrap()),
        dir.join("again.jsonl"),
    )
    .unwrap();
    let s = app.crawl().await;
    let m = s.get("manual").unwrap();
    assert_eq!(
        (m.stats.fetched, m.stats.new, m.stats.duplicates),
        (2, 0, 2),
        "{m:?}"
    );
    assert_eq!(app.posts("manual").await.len(), 4);
}
