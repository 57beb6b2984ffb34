//! `yuqing search` and `yuqing export posts` on a store seeded through the library.

use crate::helpers::*;
use std::path::Path;
use std::process::Output;
use yuqing::model::{
    Analysis, Channel, NewPost, Risk, RiskLevel, RuleHit, Sentiment, SentimentLabel, Severity,
};
use yuqing::store::{SaveRequest, Store};

fn analysis(level: RiskLevel, category: Option<&str>) -> Analysis {
    Analysis {
        sentiment: Sentiment {
            score: -0.5,
            label: SentimentLabel::Negative,
            explanation: vec![],
        },
        risk: Risk {
            score: 60,
            level,
            explanation: vec![],
        },
        hits: category
            .map(|c| RuleHit {
                rule: "test.rule".into(),
                category: c.into(),
                severity: Severity::High,
                weight: 1.0,
                matched: vec![],
                spans: vec![],
            })
            .into_iter()
            .collect(),
        keywords: vec![],
    }
}

/// Save posts `(source, id, title, text, level)` into the SQLite store of `dir`.
fn seed(dir: &Path, posts: &[(&str, &str, &str, &str, RiskLevel)]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(None, dir).await.unwrap();
        for &(source, id, title, text, level) in posts {
            let post = NewPost {
                source: source.into(),
                external_id: id.into(),
                url: None,
                channel: Channel::Weibo,
                title: title.into(),
                text: text.into(),
                author: None,
                published_at: Some("2026-03-18T02:00:00Z".parse().unwrap()),
                fetched_at: chrono::Utc::now(),
                metrics: None,
                parent_external_id: None,
                tags: Vec::new(),
            };
            let category = (level >= RiskLevel::High).then_some("食品安全");
            store
                .save_post(&SaveRequest {
                    post: &post,
                    canonical_url: None,
                    content_hash: yuqing::dedup::content_hash(title, text),
                    simhash: yuqing::dedup::simhash(&[id, text]),
                    analysis: &analysis(level, category),
                    analyzer_version: "test",
                    alert_level: RiskLevel::Critical,
                })
                .await
                .unwrap();
        }
    });
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = yuqing(args);
    cmd.env("YUQING_DATA_DIR", dir);
    cmd.output().unwrap()
}

fn ok(out: &Output) -> &Output {
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const CANTEEN: (&str, &str, &str, &str, RiskLevel) = (
    "weibo",
    "w1",
    "二食堂饭菜问题",
    "今天中午在二食堂吃完饭，宿舍好几个人都腹泻呕吐",
    RiskLevel::High,
);
const LIBRARY: (&str, &str, &str, &str, RiskLevel) = (
    "tieba",
    "t1",
    "图书馆通宵开放",
    "期末考试期间图书馆通宵开放，欢迎同学们前来自习",
    RiskLevel::None,
);
const POWER: (&str, &str, &str, &str, RiskLevel) = (
    "weibo",
    "w2",
    "宿舍楼停电",
    "三号宿舍楼今晚停电，食堂也关门了",
    RiskLevel::Medium,
);

#[test]
fn search_json_catches_up_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &[CANTEEN, LIBRARY]);
    let out = run(dir.path(), &["search", "--json", "腹泻"]);
    let lines = stdout_lines(ok(&out));
    assert_eq!(lines.len(), 1, "{lines:?}");
    let hit = &lines[0];
    let mut keys: Vec<_> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "channel",
            "level",
            "post_id",
            "published_at",
            "score",
            "snippet",
            "source",
            "title"
        ]
    );
    assert_eq!(hit["title"], "二食堂饭菜问题");
    assert_eq!(hit["level"], "high");
    assert_eq!(hit["source"], "weibo");
    assert_eq!(hit["published_at"], "2026-03-18T02:00:00Z");
    assert!(
        hit["snippet"].as_str().unwrap().contains("<b>腹泻</b>"),
        "{hit}"
    );

    // A post stored later is found by the next search (catch-up from the watermark).
    seed(dir.path(), &[POWER]);
    let out = run(dir.path(), &["search", "--json", "--limit", "10", "食堂"]);
    let lines = stdout_lines(ok(&out));
    let titles: Vec<_> = lines.iter().map(|l| l["title"].as_str().unwrap()).collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"宿舍楼停电"), "{titles:?}");

    let out = run(
        dir.path(),
        &["search", "--json", "来源:weibo", "AND", "level:medium"],
    );
    let lines = stdout_lines(ok(&out));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["title"], "宿舍楼停电");

    // --reindex without a query only rebuilds.
    let out = run(dir.path(), &["search", "--reindex"]);
    assert!(ok(&out).stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3 条"),
        "{out:?}"
    );
    let out = run(dir.path(), &["search", "--json", "--reindex", "食堂"]);
    assert_eq!(stdout_lines(ok(&out)).len(), 2);
}

#[test]
fn search_prints_a_table_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &[CANTEEN, LIBRARY]);
    let out = run(dir.path(), &["search", "腹泻"]);
    let text = String::from_utf8(ok(&out).stdout.clone()).unwrap();
    let first = text.lines().next().unwrap();
    for h in ["序号", "时间", "来源", "等级", "标题/摘要"] {
        assert!(first.contains(h), "{text}");
    }
    assert!(text.contains("2026-03-18 10:00"), "China time: {text}");
    assert!(text.contains("二食堂饭菜问题"), "{text}");
    assert!(!text.contains("<b>"), "{text}");
    assert!(text.contains("共 1 条结果"), "{text}");

    let out = run(dir.path(), &["search", "不存在的词语"]);
    assert!(String::from_utf8_lossy(&ok(&out).stdout).contains("没有找到"));
}

#[test]
fn bad_query_and_bad_time_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &[CANTEEN]);
    let out = run(dir.path(), &["search", "nosuchfield:x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("查询语句有误") && err.contains("nosuchfield"),
        "{err}"
    );

    let out = run(dir.path(), &["search", "--since", "yesterday", "食堂"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since"));
}

#[test]
fn export_posts_streams_jsonl_with_analysis() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &[CANTEEN, LIBRARY, POWER]);
    let out = run(dir.path(), &["export", "posts"]);
    let lines = stdout_lines(ok(&out));
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["external_id"], "w1");
    assert_eq!(lines[0]["analysis"]["risk"]["level"], "high");
    assert_eq!(lines[0]["analysis"]["hits"][0]["category"], "食品安全");
    for l in &lines {
        for key in [
            "id",
            "source",
            "title",
            "text",
            "updated_at",
            "event_id",
            "analysis",
        ] {
            assert!(l.get(key).is_some(), "{key} missing: {l}");
        }
    }

    let out = run(
        dir.path(),
        &["export", "posts", "--since", "2999-01-01T00:00:00Z"],
    );
    assert!(ok(&out).stdout.is_empty());
    let out = run(dir.path(), &["export", "posts", "--since", "2026-13-01"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--since") && err.contains("RFC 3339"), "{err}");
}

#[test]
fn export_ends_quietly_when_the_reader_goes_away() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    // Enough output (~300 KB) to fill the pipe, so the writer sees EPIPE.
    let long = "今天中午在二食堂吃完饭，宿舍好几个人都腹泻呕吐，后勤处已经介入调查。".repeat(8);
    let ids: Vec<String> = (0..400).map(|i| format!("p{i}")).collect();
    let posts: Vec<_> = ids
        .iter()
        .map(|id| ("weibo", id.as_str(), "标题", long.as_str(), RiskLevel::Low))
        .collect();
    seed(dir.path(), &posts);
    let mut cmd = yuqing(&["export", "posts"]);
    cmd.env("YUQING_DATA_DIR", dir.path());
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("\"external_id\":\"p0\""), "{first}");
    // stdout is dropped here: the rest of the export hits a closed pipe.
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_query_may_start_with_an_excluded_word_after_double_dash() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path(), &[CANTEEN, POWER]);
    let out = run(dir.path(), &["search", "--json", "--", "-停电", "食堂"]);
    let lines = stdout_lines(ok(&out));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["title"], "二食堂饭菜问题");
}
