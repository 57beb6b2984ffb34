//! Real tantivy indexes in temp dirs; real stores on both backends
//! (PostgreSQL when `YUQING_TEST_DATABASE_URL` is set).

use super::*;
use crate::dedup::{content_hash, simhash};
use crate::model::{
    Analysis, Channel, NewPost, Risk, RiskLevel, RuleHit, Sentiment, SentimentLabel, Severity,
};
use crate::store::{PgStore, SaveRequest, SaveStatus, Store};
use jieba_rs::Jieba;
use std::sync::{Arc, OnceLock};

fn tokenizer() -> JiebaTokenizer {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JiebaTokenizer::new(JIEBA.get_or_init(|| Arc::new(Jieba::new())).clone())
}

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn analysis(level: RiskLevel, score: u8, category: Option<&str>) -> Analysis {
    Analysis {
        sentiment: Sentiment {
            score: if category.is_some() { -0.6 } else { 0.0 },
            label: if category.is_some() {
                SentimentLabel::Negative
            } else {
                SentimentLabel::Neutral
            },
            explanation: vec![],
        },
        risk: Risk {
            score,
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

struct Fixture {
    source: &'static str,
    channel: Channel,
    title: &'static str,
    text: &'static str,
    published: Option<&'static str>,
    fetched: &'static str,
    level: RiskLevel,
    category: Option<&'static str>,
}

/// Five posts; ids are 1-based positions.
fn fixtures() -> Vec<Fixture> {
    vec![
        Fixture {
            source: "weibo",
            channel: Channel::Weibo,
            title: "二食堂饭菜问题",
            text: "今天中午在二食堂吃完饭，宿舍好几个人都腹泻呕吐，已经去校医院了",
            published: Some("2026-03-18T10:00:00+08:00"),
            fetched: "2026-03-18T03:00:00Z",
            level: RiskLevel::High,
            category: Some("食品安全"),
        },
        Fixture {
            source: "tieba",
            channel: Channel::Forum,
            title: "图书馆延长开放时间",
            text: "期末考试期间图书馆通宵开放，欢迎同学们前来自习",
            published: Some("2026-02-10T09:00:00Z"),
            fetched: "2026-02-10T10:00:00Z",
            level: RiskLevel::None,
            category: None,
        },
        Fixture {
            source: "weibo",
            channel: Channel::Weibo,
            title: "宿舍楼停电",
            text: "三号宿舍楼今晚停电，空调不能用，食堂也关门了",
            published: Some("2026-03-25T20:00:00Z"),
            fetched: "2026-03-25T21:00:00Z",
            level: RiskLevel::Medium,
            category: Some("后勤保障"),
        },
        Fixture {
            source: "campus-news",
            channel: Channel::Campus,
            title: "学校召开食品安全工作会议",
            text: "后勤处召开会议，部署食堂食品安全检查工作",
            published: None,
            fetched: "2026-04-02T08:00:00Z",
            level: RiskLevel::Low,
            category: None,
        },
        Fixture {
            source: "wechat-mp",
            channel: Channel::Wechat,
            title: "ＷｉＦｉ信号太差",
            text: "宿舍的WiFi信号太差了，网课都上不了 <script>",
            published: Some("2026-03-05T12:00:00Z"),
            fetched: "2026-03-05T12:30:00Z",
            level: RiskLevel::Medium,
            category: Some("网络舆情"),
        },
    ]
}

fn stored(id: i64, f: &Fixture) -> StoredPost {
    StoredPost {
        id,
        source: f.source.into(),
        external_id: format!("e{id}"),
        url: None,
        channel: f.channel,
        title: f.title.into(),
        text: f.text.into(),
        author: None,
        published_at: f.published.map(ts),
        fetched_at: ts(f.fetched),
        metrics: None,
        event_id: id * 10,
        parent_id: None,
        version: 1,
        updated_at: ts(f.fetched),
        analysis: Some(analysis(f.level, 50, f.category)),
        tags: Vec::new(),
    }
}

/// An index of the fixtures, without a store.
fn fixture_index() -> (SearchIndex, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut index = SearchIndex::open_or_create(dir.path(), tokenizer()).unwrap();
    let posts: Vec<_> = fixtures()
        .iter()
        .enumerate()
        .map(|(i, f)| stored(i as i64 + 1, f))
        .collect();
    index.index_posts(&posts).unwrap();
    index.commit().unwrap();
    (index, dir)
}

fn ids(index: &SearchIndex, query: &str) -> Vec<i64> {
    ids_with(index, query, SearchOptions::default())
}

fn ids_with(index: &SearchIndex, query: &str, opts: SearchOptions) -> Vec<i64> {
    let mut ids: Vec<i64> = index
        .search(query, opts)
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .iter()
        .map(|h| h.post_id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn search_mode_segmentation_indexes_the_short_words_of_long_ones() {
    let words = tokenizer().words("二食堂的饭菜");
    assert!(words.iter().any(|w| w == "食堂"), "{words:?}");
    assert!(words.iter().any(|w| w == "饭菜"), "{words:?}");
    assert!(!words.iter().any(|w| w == "，"), "punctuation is dropped");
}

#[test]
fn tokenizer_folds_like_the_analyser_and_keeps_original_offsets() {
    let text = "ＷｉＦｉ断了！宿舍";
    let mut t = tokenizer();
    let mut stream = tantivy::tokenizer::Tokenizer::token_stream(&mut t, text);
    let mut seen = Vec::new();
    while let Some(tok) = tantivy::tokenizer::TokenStream::next(&mut stream) {
        seen.push((tok.text.clone(), &text[tok.offset_from..tok.offset_to]));
    }
    assert!(seen.contains(&("wifi".into(), "ＷｉＦｉ")), "{seen:?}");
    assert!(seen.contains(&("宿舍".into(), "宿舍")), "{seen:?}");
}

#[test]
fn words_are_found_and_all_must_match_by_default() {
    let (index, _dir) = fixture_index();
    assert_eq!(ids(&index, "腹泻"), [1]);
    assert_eq!(ids(&index, "食堂 停电"), [3]);
    assert_eq!(ids(&index, "图书馆 自习"), [2]);
    assert!(ids(&index, "图书馆 停电").is_empty());
}

#[test]
fn chinese_segmentation_finds_the_word_inside_longer_words() {
    let (index, _dir) = fixture_index();
    // "二食堂" in post 1, "食堂" in 3 and 4.
    assert_eq!(ids(&index, "食堂"), [1, 3, 4]);
    assert_eq!(ids(&index, "二食堂"), [1]);
}

#[test]
fn phrases_need_the_words_together() {
    let (index, _dir) = fixture_index();
    assert_eq!(ids(&index, "\"图书馆通宵开放\""), [2]);
    assert_eq!(ids(&index, "\"食品安全检查\""), [4]);
    assert!(ids(&index, "\"图书馆 自习\"").is_empty());
    // Chinese quotes work too.
    assert_eq!(ids(&index, "“图书馆通宵开放”"), [2]);
}

#[test]
fn boolean_operators() {
    let (index, _dir) = fixture_index();
    assert_eq!(ids(&index, "食堂 AND 停电"), [3]);
    assert_eq!(ids(&index, "腹泻 OR 停电"), [1, 3]);
    assert_eq!(ids(&index, "食堂 NOT 停电"), [1, 4]);
    assert_eq!(ids(&index, "食堂 -停电"), [1, 4]);
    assert_eq!(ids(&index, "+食堂 +会议"), [4]);
    assert_eq!(ids(&index, "(腹泻 OR 停电) AND 宿舍"), [1, 3]);
}

#[test]
fn field_filters() {
    let (index, _dir) = fixture_index();
    assert_eq!(ids(&index, "title:食堂"), [1]);
    assert_eq!(ids(&index, "source:weibo"), [1, 3]);
    assert_eq!(
        ids(&index, "source:WEIBO"),
        [1, 3],
        "raw fields ignore case"
    );
    assert_eq!(ids(&index, "source:campus-news"), [4]);
    assert_eq!(ids(&index, "channel:forum"), [2]);
    assert_eq!(ids(&index, "level:high"), [1]);
    assert_eq!(ids(&index, "category:食品安全"), [1]);
    assert_eq!(ids(&index, "sentiment:negative"), [1, 3, 5]);
    assert_eq!(ids(&index, "source:weibo 停电"), [3]);
    assert_eq!(ids(&index, "event_id:30"), [3]);
    assert_eq!(ids(&index, "level:medium OR level:high"), [1, 3, 5]);
}

#[test]
fn chinese_field_names_are_aliases() {
    let (index, _dir) = fixture_index();
    assert_eq!(ids(&index, "来源:weibo 停电"), [3]);
    assert_eq!(ids(&index, "标题：食堂"), [1], "full-width colon");
    assert_eq!(ids(&index, "等级:high"), [1]);
    assert_eq!(ids(&index, "类别:食品安全"), [1]);
}

#[test]
fn date_ranges_in_the_query_and_as_options() {
    let (index, _dir) = fixture_index();
    assert_eq!(
        ids(
            &index,
            "published:[2026-03-01T00:00:00Z TO 2026-03-31T00:00:00Z]"
        ),
        [1, 3, 5]
    );
    assert_eq!(
        ids(
            &index,
            "宿舍 AND published:[2026-03-20T00:00:00Z TO 2026-03-31T00:00:00Z]"
        ),
        [3]
    );
    let opts = |since: Option<&str>, until: Option<&str>| SearchOptions {
        limit: 10,
        since: since.map(ts),
        until: until.map(ts),
    };
    // Post 4 has no publication date: its fetch date counts.
    assert_eq!(
        ids_with(&index, "食堂", opts(Some("2026-03-20T00:00:00Z"), None)),
        [3, 4]
    );
    assert_eq!(
        ids_with(&index, "食堂", opts(None, Some("2026-03-20T00:00:00Z"))),
        [1]
    );
    assert_eq!(
        ids_with(
            &index,
            "",
            opts(Some("2026-03-01T00:00:00Z"), Some("2026-03-10T00:00:00Z"))
        ),
        [5],
        "an empty query with dates lists the posts in range"
    );
    let newest: Vec<i64> = index
        .search("", SearchOptions::default())
        .unwrap()
        .iter()
        .map(|h| h.post_id)
        .collect();
    assert_eq!(
        newest,
        [4, 3, 1, 5, 2],
        "an empty query lists the newest first"
    );
}

#[test]
fn snippets_highlight_the_matched_words_and_escape_the_rest() {
    let (index, _dir) = fixture_index();
    let hits = index.search("腹泻", SearchOptions::default()).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert!(hit.snippet_html.contains("<b>腹泻</b>"), "{hit:?}");
    assert_eq!(hit.title, "二食堂饭菜问题");
    assert_eq!(
        (
            hit.source.as_str(),
            hit.channel.as_str(),
            hit.level.as_str()
        ),
        ("weibo", "weibo", "high")
    );
    assert_eq!(hit.published, Some(ts("2026-03-18T02:00:00Z")));
    assert!(hit.score > 0.0);

    let hits = index.search("wifi", SearchOptions::default()).unwrap();
    assert_eq!(hits.len(), 1);
    assert!(
        hits[0].snippet_html.contains("<b>WiFi</b>"),
        "{:?}",
        hits[0]
    );
    assert!(hits[0].snippet_html.contains("&lt;script"), "{:?}", hits[0]);
    assert!(!hits[0].snippet_html.contains("<script"), "{:?}", hits[0]);
}

#[test]
fn full_width_and_upper_case_queries_fold() {
    let (index, _dir) = fixture_index();
    assert_eq!(ids(&index, "ＷＩＦＩ"), [5]);
    assert_eq!(ids(&index, "WiFi"), [5]);
    assert_eq!(
        ids(&index, "ｗｉｆｉ ＡＮＤ 网课"),
        [5],
        "full-width AND is an operator"
    );
}

#[test]
fn title_matches_rank_first_and_limit_applies() {
    let (index, _dir) = fixture_index();
    let hits = index
        .search(
            "食堂",
            SearchOptions {
                limit: 2,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].post_id, 1, "title match boosted: {hits:?}");
}

#[test]
fn bad_queries_give_a_chinese_message_with_the_detail() {
    let (index, _dir) = fixture_index();
    for (q, want) in [
        ("nosuchfield:食堂", "没有名为“nosuchfield”的字段"),
        ("published:[yesterday TO today]", "日期格式"),
        ("risk:[high TO 100]", "整数"),
    ] {
        let err = index.search(q, SearchOptions::default()).unwrap_err();
        assert!(matches!(err, SearchError::Query { .. }), "{q}: {err:?}");
        let msg = err.to_string();
        assert!(msg.starts_with("查询语句有误"), "{q}: {msg}");
        assert!(msg.contains(want), "{q}: {msg}");
    }
}

#[test]
fn reindexing_a_post_replaces_it() {
    let (mut index, _dir) = fixture_index();
    let mut post = stored(1, &fixtures()[0]);
    post.text = "食堂已经整改，饭菜质量提高".into();
    post.version = 2;
    index.index_posts(&[post.clone()]).unwrap();
    index.index_posts(&[post]).unwrap();
    index.commit().unwrap();
    assert_eq!(index.num_docs(), 5);
    assert_eq!(index.count_post(1).unwrap(), 1);
    assert!(ids(&index, "腹泻").is_empty());
    assert_eq!(ids(&index, "整改"), [1]);
}

#[test]
fn an_index_with_another_schema_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut b = Schema::builder();
        b.add_text_field("other", tantivy::schema::TEXT);
        Index::create_in_dir(dir.path(), b.build()).unwrap();
    }
    let index = SearchIndex::open_or_create(dir.path(), tokenizer()).unwrap();
    assert_eq!(index.num_docs(), 0);
}

// ---- with a store -------------------------------------------------------

/// A fresh store per test: SQLite in a temp dir, and a new PostgreSQL
/// schema when `YUQING_TEST_DATABASE_URL` is set.
async fn stores() -> Vec<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(None, dir.path()).await.unwrap();
    let mut out = vec![(sqlite, dir)];
    match std::env::var("YUQING_TEST_DATABASE_URL") {
        Ok(url) => {
            let schema = format!(
                "s_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            );
            let pg = PgStore::connect(&url, Some(&schema)).await.unwrap();
            out.push((Store::Postgres(pg), tempfile::tempdir().unwrap()));
        }
        Err(_) => eprintln!("PostgreSQL search tests skipped: YUQING_TEST_DATABASE_URL is not set"),
    }
    out
}

async fn save(store: &Store, f: &Fixture, external_id: &str, text: &str) -> i64 {
    let post = NewPost {
        source: f.source.into(),
        external_id: external_id.into(),
        url: None,
        channel: f.channel,
        title: f.title.into(),
        text: text.into(),
        author: None,
        published_at: f.published.map(ts),
        fetched_at: ts(f.fetched),
        metrics: None,
        parent_external_id: None,
        tags: Vec::new(),
    };
    let a = analysis(f.level, 50, f.category);
    // Distinct simhashes, so no post joins another's event.
    let toks = [external_id, text];
    store
        .save_post(&SaveRequest {
            post: &post,
            canonical_url: None,
            content_hash: content_hash(&post.title, &post.text),
            simhash: simhash(&toks),
            analysis: &a,
            analyzer_version: "test",
            alert_level: RiskLevel::Critical,
        })
        .await
        .unwrap()
        .post_id
}

async fn seed(store: &Store, range: std::ops::Range<usize>) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, f) in fixtures()
        .iter()
        .enumerate()
        .skip(range.start)
        .take(range.len())
    {
        ids.push(save(store, f, &format!("e{i}"), f.text).await);
    }
    ids
}

const EXACT: CatchUp = CatchUp {
    page_size: 2,
    commit_every: 3,
    overlap: chrono::Duration::zero(),
};

fn open(dir: &Path) -> SearchIndex {
    SearchIndex::open_or_create(&dir.join("index"), tokenizer()).unwrap()
}

fn all_ids(index: &SearchIndex, query: &str) -> Vec<i64> {
    ids_with(
        index,
        query,
        SearchOptions {
            limit: 1000,
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn catch_up_indexes_new_and_updated_posts_once() {
    for (store, dir) in stores().await {
        let be = store.backend();
        let mut index = open(dir.path());
        let ids = seed(&store, 0..5).await;
        assert_eq!(
            catch_up_with(&store, &mut index, &EXACT).await.unwrap(),
            5,
            "{be}"
        );
        assert_eq!(index.num_docs(), 5, "{be}");
        assert_eq!(
            catch_up_with(&store, &mut index, &EXACT).await.unwrap(),
            0,
            "{be}"
        );

        // An edit of post 1: new text, same post.
        let f = &fixtures()[0];
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let edited = save(&store, f, "e0", "二食堂已经整改，饭菜质量提高").await;
        assert_eq!(edited, ids[0], "{be}");
        assert_eq!(
            catch_up_with(&store, &mut index, &EXACT).await.unwrap(),
            1,
            "{be}"
        );
        assert_eq!(index.num_docs(), 5, "{be}");
        assert_eq!(index.count_post(ids[0]).unwrap(), 1, "{be}");
        assert_eq!(all_ids(&index, "整改"), [ids[0]], "{be}");
        assert!(all_ids(&index, "腹泻").is_empty(), "{be}");

        // The default catch-up re-reads a recent overlap: still no duplicates.
        assert!(catch_up(&store, &mut index).await.unwrap() >= 1, "{be}");
        assert_eq!(index.num_docs(), 5, "{be}");
    }
}

#[tokio::test]
async fn a_crash_between_commit_and_watermark_reindexes_without_duplicates() {
    for (store, dir) in stores().await {
        let be = store.backend();
        seed(&store, 0..3).await;
        {
            let mut index = open(dir.path());
            catch_up_with(&store, &mut index, &EXACT).await.unwrap();
        }
        seed(&store, 3..5).await;
        {
            // The crash: the new posts are committed to the index, but the
            // process dies before saving the watermark.
            let mut index = open(dir.path());
            let posts = store.posts_since(None, None, 100).await.unwrap();
            index.index_posts(&posts[3..]).unwrap();
            index.commit().unwrap();
        }
        {
            // And a crash with work indexed but not committed.
            let mut index = open(dir.path());
            let posts = store.posts_since(None, None, 100).await.unwrap();
            index.index_posts(&posts).unwrap();
            index.rollback().unwrap();
        }
        let mut index = open(dir.path());
        assert_eq!(
            catch_up_with(&store, &mut index, &EXACT).await.unwrap(),
            2,
            "{be}"
        );
        assert_eq!(index.num_docs(), 5, "{be}");
        for post in store.posts_since(None, None, 100).await.unwrap() {
            assert_eq!(
                index.count_post(post.id).unwrap(),
                1,
                "{be}: post {}",
                post.id
            );
        }
        assert_eq!(all_ids(&index, "宿舍").len(), 3, "{be}");
    }
}

#[tokio::test]
async fn rebuild_equals_incremental() {
    for (store, dir) in stores().await {
        let be = store.backend();
        let mut incremental = open(dir.path());
        seed(&store, 0..2).await;
        catch_up_with(&store, &mut incremental, &EXACT)
            .await
            .unwrap();
        seed(&store, 2..5).await;
        save(&store, &fixtures()[1], "e1", "图书馆今晚闭馆维修").await;
        catch_up_with(&store, &mut incremental, &EXACT)
            .await
            .unwrap();

        let other = tempfile::tempdir().unwrap();
        let mut rebuilt = open(other.path());
        // Some stale content that the rebuild must drop.
        rebuilt.index_posts(&[stored(999, &fixtures()[0])]).unwrap();
        rebuilt.commit().unwrap();
        assert_eq!(rebuild(&store, &mut rebuilt).await.unwrap(), 5, "{be}");

        assert_eq!(rebuilt.num_docs(), incremental.num_docs(), "{be}");
        for q in [
            "食堂",
            "宿舍",
            "图书馆",
            "闭馆",
            "通宵",
            "source:weibo",
            "level:medium",
            "wifi",
            "",
        ] {
            assert_eq!(all_ids(&rebuilt, q), all_ids(&incremental, q), "{be}: {q}");
        }
        assert!(all_ids(&rebuilt, "通宵").is_empty(), "{be}");

        // Rebuilding the incremental index in place gives the same again.
        assert_eq!(rebuild(&store, &mut incremental).await.unwrap(), 5, "{be}");
        assert_eq!(incremental.num_docs(), 5, "{be}");
    }
}

#[tokio::test]
async fn each_index_directory_has_its_own_watermark() {
    for (store, dir) in stores().await {
        let be = store.backend();
        seed(&store, 0..5).await;
        let mut first = open(dir.path());
        assert_eq!(
            catch_up_with(&store, &mut first, &EXACT).await.unwrap(),
            5,
            "{be}"
        );
        // A second node (or a deleted and recreated index) starts from scratch.
        let other = tempfile::tempdir().unwrap();
        let mut second = open(other.path());
        assert_ne!(first.id(), second.id());
        assert_eq!(
            catch_up_with(&store, &mut second, &EXACT).await.unwrap(),
            5,
            "{be}"
        );
        assert_eq!(
            catch_up_with(&store, &mut first, &EXACT).await.unwrap(),
            0,
            "{be}"
        );
        // Reopening keeps the id and so the watermark.
        drop(first);
        let mut again = open(dir.path());
        assert_eq!(
            catch_up_with(&store, &mut again, &EXACT).await.unwrap(),
            0,
            "{be}"
        );
    }
}

#[tokio::test]
async fn a_second_writer_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(dir.path());
    let mut b = open(dir.path());
    a.index_posts(&[stored(1, &fixtures()[0])]).unwrap();
    let err = b.index_posts(&[stored(2, &fixtures()[1])]).unwrap_err();
    assert!(matches!(err, SearchError::Busy), "{err:?}");
    assert!(SaveStatus::New != SaveStatus::Updated);
}

/// `cargo test --lib search::tests::indexing_throughput -- --ignored --nocapture`
/// (add `--release` for a meaningful number).
#[test]
#[ignore]
fn indexing_throughput() {
    let base = fixtures();
    let posts: Vec<StoredPost> = (0..5_000)
        .map(|i| {
            let f = &base[i % base.len()];
            let mut p = stored(i as i64 + 1, f);
            p.text = format!(
                "{}。{}。第{i}条，{}",
                f.text,
                base[(i + 1) % 5].text,
                base[(i + 2) % 5].text
            );
            p
        })
        .collect();
    let bytes: usize = posts.iter().map(|p| p.title.len() + p.text.len()).sum();
    let dir = tempfile::tempdir().unwrap();
    let mut index = SearchIndex::open_or_create(dir.path(), tokenizer()).unwrap();
    let start = std::time::Instant::now();
    for chunk in posts.chunks(500) {
        index.index_posts(chunk).unwrap();
    }
    index.commit().unwrap();
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "indexed {} posts ({:.1} MB) in {secs:.2}s: {:.0} posts/s, {:.2} MB/s",
        posts.len(),
        bytes as f64 / 1e6,
        posts.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    assert_eq!(index.num_docs(), posts.len() as u64);
}

#[test]
fn search_events_gives_the_hits_events_without_loading_documents() {
    let (index, _dir) = fixture_index();
    let reader = index.reader();
    for query in ["食堂", "宿舍", "学校", "不存在的词语组合"] {
        let opts = || SearchOptions {
            limit: 5000,
            ..Default::default()
        };
        let mut expected: Vec<i64> = reader
            .search(query, opts())
            .unwrap()
            .iter()
            .map(|h| h.event_id)
            .collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(
            reader.search_events(query, opts()).unwrap(),
            expected,
            "{query}"
        );
    }
}
