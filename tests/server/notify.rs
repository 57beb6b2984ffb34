//! Notifications against local mock robots that verify what real ones
//! check (tests/server/robots.rs), with a manual clock: on SQLite and, when
//! `YUQING_TEST_DATABASE_URL` is set, on PostgreSQL.

use crate::robots::{Kind, MockRobot};
use chrono::{DateTime, TimeZone, Utc};
use std::sync::Arc;
use std::time::Duration;
use yuqing::config::Config;
use yuqing::model::{
    Analysis, Channel, NewPost, Risk, RiskLevel, RuleHit, Sentiment, SentimentLabel, Severity,
};
use yuqing::notify::{ManualClock, Notifier, NotifySettings};
use yuqing::store::{PgStore, SaveRequest, Store};

const PG_ENV: &str = "YUQING_TEST_DATABASE_URL";

/// A fresh store per backend: a SQLite file, and a new PostgreSQL schema
/// when the URL is set.
async fn stores() -> Vec<(Arc<Store>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(None, dir.path()).await.unwrap();
    let mut out = vec![(Arc::new(sqlite), Some(dir))];
    match std::env::var(PG_ENV) {
        Ok(url) => {
            let schema = format!(
                "n_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            );
            let pg = PgStore::connect(&url, Some(&schema)).await.unwrap();
            out.push((Arc::new(Store::Postgres(pg)), None));
        }
        Err(_) => eprintln!("PostgreSQL notification tests skipped: {PG_ENV} is not set"),
    }
    out
}

/// Beijing wall time as UTC.
fn beijing(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    yuqing::notify::config::beijing()
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// Wednesday 2026-03-18, 10:00 in Beijing.
fn wednesday_morning() -> DateTime<Utc> {
    beijing(2026, 3, 18, 10, 0)
}

/// The `[notify]` section parsed and validated like a real config file.
fn settings(toml_text: &str) -> NotifySettings {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("yuqing.toml");
    std::fs::write(&path, toml_text).unwrap();
    Config::load_with_env(Some(&path), Vec::<(String, String)>::new())
        .unwrap_or_else(|e| panic!("valid test config: {e}\n{toml_text}"))
        .notify
}

fn channel(name: &str, robot: &MockRobot, extra: &str) -> String {
    let secret = match robot.kind {
        Kind::Wecom => String::new(),
        Kind::Dingtalk => format!("secret = \"{}\"\n", crate::robots::DING_SECRET),
        Kind::Webhook => format!("secret = \"{}\"\n", crate::robots::HOOK_SECRET),
    };
    let kind = match robot.kind {
        Kind::Wecom => "wecom",
        Kind::Dingtalk => "dingtalk",
        Kind::Webhook => "webhook",
    };
    format!(
        "[[notify.channels]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl = \"{}\"\n{secret}{extra}\n",
        robot.url()
    )
}

struct Rig {
    store: Arc<Store>,
    clock: ManualClock,
    notifier: Notifier,
    settings: NotifySettings,
}

impl Rig {
    fn new(store: &Arc<Store>, clock: &ManualClock, channels: &str) -> Rig {
        let text = format!(
            "[notify]\nbase_url = \"https://yq.example.edu.cn\"\nretry_backoff = \"30s\"\nmax_attempts = 4\n{channels}"
        );
        let settings = settings(&text);
        let notifier = Notifier::from_settings(store.clone(), &settings, Arc::new(clock.clone()))
            .unwrap()
            .expect("channels configured");
        Rig {
            store: store.clone(),
            clock: clock.clone(),
            notifier,
            settings,
        }
    }

    async fn tick(&self) -> yuqing::notify::TickReport {
        self.notifier.tick().await.unwrap()
    }

    fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    /// A second notifier over the same store: another process, or a restart.
    fn restarted(&self) -> Notifier {
        Notifier::from_settings(
            self.store.clone(),
            &self.settings,
            Arc::new(self.clock.clone()),
        )
        .unwrap()
        .unwrap()
    }
}

/// Save a post with the given level and category; posts with the same
/// `story` (SimHash) join one event cluster.
async fn post(
    store: &Store,
    source: &str,
    id: &str,
    text: &str,
    level: RiskLevel,
    category: &str,
    story: u64,
) -> yuqing::store::SaveOutcome {
    let score = match level {
        RiskLevel::Critical => 95,
        RiskLevel::High => 75,
        RiskLevel::Medium => 50,
        RiskLevel::Low => 25,
        RiskLevel::None => 0,
    };
    let p = NewPost {
        source: source.into(),
        external_id: id.into(),
        url: Some(format!("http://bbs.example.edu.cn/t/{id}")),
        channel: if source == "weibo" {
            Channel::Weibo
        } else {
            Channel::Forum
        },
        title: text.chars().take(20).collect(),
        text: text.into(),
        author: None,
        published_at: None,
        fetched_at: Utc::now(),
        metrics: None,
        parent_external_id: None,
        tags: Vec::new(),
    };
    let a = Analysis {
        sentiment: Sentiment {
            score: -0.6,
            label: SentimentLabel::Negative,
            explanation: vec![],
        },
        risk: Risk {
            score,
            level,
            explanation: vec![],
        },
        hits: vec![RuleHit {
            rule: "test.rule".into(),
            category: category.into(),
            severity: Severity::High,
            weight: 1.0,
            matched: vec![],
            spans: vec![],
        }],
        keywords: vec![],
    };
    store
        .save_post(&SaveRequest {
            post: &p,
            canonical_url: p.url.as_deref(),
            content_hash: yuqing::dedup::content_hash(&p.title, &p.text),
            simhash: story,
            analysis: &a,
            analyzer_version: "test",
            alert_level: RiskLevel::Medium,
        })
        .await
        .unwrap()
}

/// Distinct stories: SimHashes far apart in every band.
fn story(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555_0000_AAAA_FFFF
}

const CANTEEN: &str =
    "二食堂饭菜有虫子，多名学生腹泻住院，联系人电话 13812345678，后勤处至今没有回应";

#[tokio::test]
async fn wecom_gets_one_markdown_message_per_alert_with_pii_masked() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("值班群", &wecom, ""));
        post(
            &store,
            "bbs",
            "1",
            CANTEEN,
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        let r = rig.tick().await;
        assert_eq!(
            (r.queued, r.messages, r.sent),
            (1, 1, 1),
            "{}",
            store.backend()
        );
        let got = wecom.received();
        assert_eq!(got.len(), 1, "refused: {:?}", wecom.refused());
        assert_eq!(got[0].body["msgtype"], "markdown");
        let text = got[0].content();
        for part in [
            "舆情预警",
            "【高】",
            "食品安全",
            "bbs（论坛）",
            "138＊＊＊＊5678",
            "https://yq.example.edu.cn/alerts/",
            "[查看原文](http://bbs.example.edu.cn/t/1)",
        ] {
            assert!(text.contains(part), "{part} missing in {text}");
        }
        assert!(
            !text.contains("13812345678"),
            "phone number not masked: {text}"
        );
        let log = store.notify_deliveries(Some("值班群")).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].state.as_str(), log[0].attempts), ("sent", 1));
        assert_eq!(log[0].alert_ids.len(), 1);
        // Nothing new: nothing sent.
        assert_eq!(rig.tick().await.messages, 0);
        assert_eq!(wecom.received().len(), 1);
    }
}

#[tokio::test]
async fn wecom_text_and_markdown_stay_within_byte_limits() {
    let (store, _dir) = stores().await.remove(0);
    let clock = ManualClock::new(wednesday_morning());
    let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
    let rig = Rig::new(
        &store,
        &clock,
        &format!(
            "{}{}",
            channel("text", &wecom, "format = \"text\"\n"),
            channel("md", &wecom, "min_interval = \"10m\"\n")
        ),
    );
    let long = "食堂卫生问题严重，".repeat(400);
    post(
        &store,
        "bbs",
        "l1",
        &long,
        RiskLevel::High,
        "食品安全",
        story(100),
    )
    .await;
    rig.tick().await;
    // 60 alerts at once on the markdown channel: one digest, cut to 4096 bytes.
    for i in 0..60 {
        post(
            &store,
            "bbs",
            &format!("d{i}"),
            &format!("第{i}号事件：{long}"),
            RiskLevel::High,
            "校园安全",
            story(200 + i),
        )
        .await;
    }
    rig.advance(Duration::from_secs(600));
    rig.tick().await;
    let got = wecom.received();
    assert!(wecom.refused().is_empty(), "{:?}", wecom.refused());
    let text: Vec<_> = got.iter().filter(|r| r.body["msgtype"] == "text").collect();
    assert!(!text.is_empty());
    for t in &text {
        assert!(t.content().len() <= 2048, "{}", t.content().len());
    }
    let digest = got
        .iter()
        .find(|r| r.body["msgtype"] == "markdown" && r.content().contains("舆情预警汇总（60 条）"))
        .expect("a digest of 60");
    let c = digest.content();
    assert!(c.len() <= 4096, "{}", c.len());
    assert!(c.contains("条预警未列出"), "{c}");
}

#[tokio::test]
async fn dingtalk_messages_are_signed_and_a_wrong_secret_fails_for_good() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let ding = MockRobot::start(Kind::Dingtalk, Arc::new(clock.clone())).await;
        let wrong = channel("错误密钥", &ding, "").replace(crate::robots::DING_SECRET, "SECwrong");
        let rig = Rig::new(
            &store,
            &clock,
            &format!("{}{wrong}", channel("钉钉", &ding, "")),
        );
        post(
            &store,
            "bbs",
            "1",
            CANTEEN,
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        let r = rig.tick().await;
        assert_eq!((r.sent, r.failed), (1, 1), "{}", store.backend());
        let got = ding.received();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body["msgtype"], "markdown");
        assert!(
            got[0].body["markdown"]["title"]
                .as_str()
                .unwrap()
                .contains("舆情预警")
        );
        let failed = store.notify_deliveries(Some("错误密钥")).await.unwrap();
        assert_eq!(failed[0].state, "failed");
        assert_eq!(failed[0].attempts, 1);
        assert!(
            failed[0].last_error.as_deref().unwrap().contains("310000"),
            "{failed:?}"
        );
        // Permanent: never tried again.
        rig.advance(Duration::from_secs(7200));
        rig.tick().await;
        assert_eq!(
            store.notify_deliveries(Some("错误密钥")).await.unwrap()[0].attempts,
            1
        );
    }
}

#[tokio::test]
async fn webhook_is_signed_and_keeps_its_id_across_a_retry_after_500() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let hook = MockRobot::start(Kind::Webhook, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("hook", &hook, ""));
        hook.script(500, "internal error");
        post(
            &store,
            "weibo",
            "1",
            CANTEEN,
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        let r = rig.tick().await;
        assert_eq!((r.sent, r.retried), (0, 1));
        let log = store.notify_deliveries(None).await.unwrap();
        assert_eq!((log[0].state.as_str(), log[0].attempts), ("pending", 1));
        assert!(log[0].last_error.as_deref().unwrap().contains("HTTP 500"));
        assert_eq!(log[0].next_attempt_at, clock.now_plus(30));
        // Not before the backoff.
        rig.advance(Duration::from_secs(10));
        assert_eq!(rig.tick().await.sent, 0);
        rig.advance(Duration::from_secs(25));
        assert_eq!(rig.tick().await.sent, 1, "{}", store.backend());
        let got = hook.received();
        assert_eq!(got.len(), 1, "{:?}", hook.refused());
        let body = &got[0].body;
        assert_eq!(body["type"], "alert.notify");
        let a = &body["data"]["alerts"][0];
        assert_eq!(a["level"], "high");
        assert_eq!(a["source_channel"], "weibo");
        assert!(a["excerpt"].as_str().unwrap().contains("138****5678"));
        assert_eq!(
            got[0].headers["webhook-id"],
            yuqing::notify::send::webhook_id(log[0].id)
        );
        let log = store.notify_deliveries(None).await.unwrap();
        assert_eq!((log[0].state.as_str(), log[0].attempts), ("sent", 2));
    }
}

trait NowPlus {
    fn now_plus(&self, secs: i64) -> DateTime<Utc>;
}

impl NowPlus for ManualClock {
    fn now_plus(&self, secs: i64) -> DateTime<Utc> {
        use yuqing::notify::Clock;
        self.now() + chrono::TimeDelta::seconds(secs)
    }
}

#[tokio::test]
async fn alerts_are_routed_by_level_category_source_and_channel_type() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let robot = MockRobot::start(Kind::Webhook, Arc::new(clock.clone())).await;
        let rig = Rig::new(
            &store,
            &clock,
            &[
                channel("all", &robot, ""),
                channel("high", &robot, "min_level = \"high\"\n"),
                channel("safety", &robot, "categories = [\"校园安全\"]\n"),
                channel("weibo", &robot, "source_channels = [\"weibo\"]\n"),
                channel("bbs-src", &robot, "sources = [\"bbs\"]\n"),
            ]
            .concat(),
        );
        let medium_food = post(
            &store,
            "bbs",
            "1",
            "食堂饭菜难吃还贵",
            RiskLevel::Medium,
            "食品安全",
            story(1),
        )
        .await;
        let high_safety = post(
            &store,
            "weibo",
            "2",
            "宿舍楼发生火灾",
            RiskLevel::High,
            "校园安全",
            story(2),
        )
        .await;
        rig.tick().await;
        let covered = |name: &str| {
            let store = store.clone();
            let name = name.to_string();
            async move {
                let mut ids: Vec<i64> = store
                    .notify_deliveries(Some(&name))
                    .await
                    .unwrap()
                    .into_iter()
                    .flat_map(|d| d.alert_ids)
                    .collect();
                ids.sort();
                ids
            }
        };
        let alert = |o: &yuqing::store::SaveOutcome| match o.alert.unwrap() {
            yuqing::store::AlertChange::Raised { alert_id } => alert_id,
            other => panic!("{other:?}"),
        };
        let (m, h) = (alert(&medium_food), alert(&high_safety));
        assert_eq!(covered("all").await, vec![m, h], "{}", store.backend());
        assert_eq!(covered("high").await, vec![h]);
        assert_eq!(covered("safety").await, vec![h]);
        assert_eq!(covered("weibo").await, vec![h]);
        assert_eq!(covered("bbs-src").await, vec![m]);
    }
}

#[tokio::test]
async fn quiet_hours_defer_messages_and_critical_bypasses_them() {
    for (store, _dir) in stores().await {
        // 23:00 Beijing on a Wednesday: inside 22:00-07:30.
        let clock = ManualClock::new(beijing(2026, 3, 18, 23, 0));
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(
            &store,
            &clock,
            &channel("夜间", &wecom, "quiet_hours = \"22:00-07:30\"\n"),
        );
        post(
            &store,
            "bbs",
            "1",
            "食堂饭菜有问题",
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        let r = rig.tick().await;
        assert_eq!((r.queued, r.messages), (1, 0), "{}", store.backend());
        assert!(wecom.received().is_empty());

        post(
            &store,
            "bbs",
            "2",
            "有学生在教学楼顶准备轻生",
            RiskLevel::Critical,
            "人身安全",
            story(2),
        )
        .await;
        let r = rig.tick().await;
        assert_eq!(r.messages, 1);
        let got = wecom.received();
        assert_eq!(got.len(), 1);
        // The critical one goes at once; the high one keeps waiting.
        assert!(got[0].content().contains("紧急"), "{}", got[0].content());
        assert!(!got[0].content().contains("汇总"), "{}", got[0].content());

        post(
            &store,
            "bbs",
            "3",
            "图书馆空调坏了学生很不满",
            RiskLevel::High,
            "教学管理",
            story(3),
        )
        .await;
        clock.set(beijing(2026, 3, 19, 7, 29));
        assert_eq!(rig.tick().await.messages, 0);
        clock.set(beijing(2026, 3, 19, 7, 30));
        assert_eq!(rig.tick().await.messages, 1);
        let got = wecom.received();
        assert_eq!(got.len(), 2);
        let morning = got[1].content();
        assert!(
            morning.contains("汇总（2 条）")
                && morning.contains("图书馆")
                && morning.contains("食堂"),
            "{morning}"
        );
    }
}

#[tokio::test]
async fn weekday_switches_hold_messages_until_an_enabled_day() {
    for (store, _dir) in stores().await {
        // Saturday 2026-03-21, 10:00.
        let clock = ManualClock::new(beijing(2026, 3, 21, 10, 0));
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(
            &store,
            &clock,
            &channel(
                "工作日",
                &wecom,
                "weekdays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n",
            ),
        );
        post(
            &store,
            "bbs",
            "1",
            "食堂饭菜有问题",
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        assert_eq!(rig.tick().await.messages, 0, "{}", store.backend());
        clock.set(beijing(2026, 3, 22, 23, 59));
        assert_eq!(rig.tick().await.messages, 0);
        clock.set(beijing(2026, 3, 23, 0, 0));
        assert_eq!(rig.tick().await.messages, 1);
        assert_eq!(wecom.received().len(), 1);
    }
}

#[tokio::test]
async fn min_interval_batches_alerts_into_one_digest() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let ding = MockRobot::start(Kind::Dingtalk, Arc::new(clock.clone())).await;
        let rig = Rig::new(
            &store,
            &clock,
            &channel("钉钉", &ding, "min_interval = \"10m\"\n"),
        );
        post(
            &store,
            "bbs",
            "0",
            "食堂饭菜有问题",
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        assert_eq!(rig.tick().await.messages, 1);
        for i in 1..=5 {
            post(
                &store,
                "weibo",
                &i.to_string(),
                &format!("第{i}起宿舍用电事故"),
                RiskLevel::High,
                "校园安全",
                story(10 + i),
            )
            .await;
            rig.advance(Duration::from_secs(60));
            assert_eq!(
                rig.tick().await.messages,
                0,
                "{} within the interval",
                store.backend()
            );
        }
        rig.advance(Duration::from_secs(300));
        let r = rig.tick().await;
        assert_eq!(r.messages, 1);
        let got = ding.received();
        assert_eq!(got.len(), 2, "{:?}", ding.refused());
        let digest = &got[1].body["markdown"];
        assert_eq!(digest["title"], "舆情预警汇总（5 条）");
        let text = digest["text"].as_str().unwrap();
        for i in 1..=5 {
            assert!(text.contains(&format!("第{i}起")), "{text}");
        }
        assert!(
            text.contains("**【高】**校园安全")
                && text.contains("weibo")
                && text.contains("1 条帖文")
                && text.contains("[详情](https://yq.example.edu.cn/alerts/"),
            "{text}"
        );
        let log = store.notify_deliveries(None).await.unwrap();
        assert_eq!(log[1].alert_ids.len(), 5);
    }
}

#[tokio::test]
async fn a_digest_window_gathers_alerts_that_arrive_close_together() {
    let (store, _dir) = stores().await.remove(0);
    let clock = ManualClock::new(wednesday_morning());
    let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
    let rig = Rig::new(
        &store,
        &clock,
        &channel("汇总", &wecom, "digest_window = \"2m\"\n"),
    );
    post(
        &store,
        "bbs",
        "1",
        "食堂饭菜有问题",
        RiskLevel::High,
        "食品安全",
        story(1),
    )
    .await;
    assert_eq!(rig.tick().await.messages, 0);
    rig.advance(Duration::from_secs(60));
    post(
        &store,
        "bbs",
        "2",
        "宿舍断电一整天",
        RiskLevel::High,
        "后勤服务",
        story(2),
    )
    .await;
    assert_eq!(rig.tick().await.messages, 0);
    rig.advance(Duration::from_secs(60));
    assert_eq!(rig.tick().await.messages, 1);
    assert!(
        wecom.received()[0]
            .content()
            .contains("舆情预警汇总（2 条）")
    );
}

#[tokio::test]
async fn one_message_per_event_cluster_as_copies_join() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(
            &store,
            &clock,
            &format!(
                "{}{}",
                channel("once", &wecom, ""),
                channel("growth", &wecom, "growth_step = 5\n")
            ),
        );
        let s = story(7);
        post(&store, "bbs", "0", CANTEEN, RiskLevel::High, "食品安全", s).await;
        rig.tick().await;
        assert_eq!(wecom.received().len(), 2, "{}", store.backend());
        // Four copies (转载) on other sources: the same alert, no message.
        for i in 1..=4 {
            let o = post(
                &store,
                &format!("src{i}"),
                &format!("c{i}"),
                &format!("{CANTEEN} 转{i}"),
                RiskLevel::High,
                "食品安全",
                s,
            )
            .await;
            assert!(o.joined_event);
            rig.tick().await;
        }
        assert_eq!(wecom.received().len(), 2);
        // The fifth copy: the cluster grew by 5, only the growth channel speaks.
        post(
            &store,
            "src5",
            "c5",
            &format!("{CANTEEN} 转5"),
            RiskLevel::High,
            "食品安全",
            s,
        )
        .await;
        rig.tick().await;
        let got = wecom.received();
        assert_eq!(got.len(), 3);
        assert!(
            got[2].content().contains("传播扩大，同一事件已有 6 条帖文"),
            "{}",
            got[2].content()
        );
        // A copy that raises the level: both channels again.
        post(
            &store,
            "src6",
            "c6",
            &format!("{CANTEEN} 已有学生病危"),
            RiskLevel::Critical,
            "食品安全",
            s,
        )
        .await;
        rig.tick().await;
        let got = wecom.received();
        assert_eq!(got.len(), 5);
        assert!(got[3].content().contains("风险等级升至「紧急」"));
        assert_eq!(store.alerts().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_rate_limit_errcode_pauses_the_robot_and_the_message_is_retried() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("企微", &wecom, ""));
        wecom.script(200, r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#);
        post(
            &store,
            "bbs",
            "1",
            CANTEEN,
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        assert_eq!(rig.tick().await.retried, 1);
        let log = store.notify_deliveries(None).await.unwrap();
        assert!(log[0].last_error.as_deref().unwrap().contains("45009"));
        // Robots throttle for 10 minutes: nothing is tried meanwhile.
        assert_eq!(log[0].next_attempt_at, clock.now_plus(600));
        post(
            &store,
            "bbs",
            "2",
            "宿舍断电一整天",
            RiskLevel::High,
            "后勤服务",
            story(2),
        )
        .await;
        rig.advance(Duration::from_secs(300));
        let r = rig.tick().await;
        assert_eq!((r.sent, r.messages), (0, 0), "{}", store.backend());
        rig.advance(Duration::from_secs(300));
        let r = rig.tick().await;
        assert_eq!(r.sent, 2, "the retry, then the waiting alert");
        let got = wecom.received();
        assert_eq!(got.len(), 2);
        let log = store.notify_deliveries(None).await.unwrap();
        assert_eq!((log[0].state.as_str(), log[0].attempts), ("sent", 2));
    }
}

#[tokio::test]
async fn attempts_are_exhausted_into_failed() {
    let (store, _dir) = stores().await.remove(0);
    let clock = ManualClock::new(wednesday_morning());
    let hook = MockRobot::start(Kind::Webhook, Arc::new(clock.clone())).await;
    let rig = Rig::new(&store, &clock, &channel("hook", &hook, ""));
    for _ in 0..4 {
        hook.script(503, "busy");
    }
    post(
        &store,
        "bbs",
        "1",
        CANTEEN,
        RiskLevel::High,
        "食品安全",
        story(1),
    )
    .await;
    // max_attempts = 4, backoff 30s, 60s, 120s.
    for wait in [0, 30, 60, 120] {
        rig.advance(Duration::from_secs(wait));
        rig.tick().await;
    }
    let log = store.notify_deliveries(None).await.unwrap();
    assert_eq!((log[0].state.as_str(), log[0].attempts), ("failed", 4));
    assert!(log[0].last_error.as_deref().unwrap().contains("HTTP 503"));
    assert!(hook.received().is_empty());
}

#[tokio::test]
async fn never_more_than_twenty_messages_a_minute_per_robot() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let ding = MockRobot::start(Kind::Dingtalk, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("钉钉", &ding, ""));
        for i in 0..25 {
            post(
                &store,
                "bbs",
                &i.to_string(),
                &format!("第{i}起事件"),
                RiskLevel::High,
                "校园安全",
                story(300 + i),
            )
            .await;
            rig.tick().await;
            rig.advance(Duration::from_secs(1));
        }
        assert!(ding.refused().is_empty(), "{:?}", ding.refused());
        assert_eq!(ding.received().len(), 20, "{}", store.backend());
        // A minute after the first: the five waiting go as one digest.
        rig.advance(Duration::from_secs(40));
        rig.tick().await;
        let got = ding.received();
        assert_eq!(got.len(), 21);
        assert_eq!(got[20].body["markdown"]["title"], "舆情预警汇总（5 条）");
        assert!(ding.refused().is_empty(), "{:?}", ding.refused());
    }
}

#[tokio::test]
async fn a_restart_does_not_send_again() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("企微", &wecom, ""));
        post(
            &store,
            "bbs",
            "1",
            CANTEEN,
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        rig.tick().await;
        assert_eq!(wecom.received().len(), 1);
        let again = rig.restarted();
        let r = again.tick().await.unwrap();
        assert_eq!((r.queued, r.messages), (0, 0), "{}", store.backend());
        // Even without the watermark, the marks know what was said.
        store
            .set_meta(yuqing::notify::WATERMARK_KEY, "")
            .await
            .unwrap();
        let r = rig.restarted().tick().await.unwrap();
        assert_eq!((r.queued, r.messages), (0, 0));
        assert_eq!(wecom.received().len(), 1);
        // A message written but not sent before a crash goes out after it.
        post(
            &store,
            "bbs",
            "2",
            "宿舍断电一整天",
            RiskLevel::High,
            "后勤服务",
            story(2),
        )
        .await;
        wecom.script(502, "bad gateway");
        rig.tick().await;
        rig.advance(Duration::from_secs(30));
        let r = rig.restarted().tick().await.unwrap();
        assert_eq!(r.sent, 1);
        assert_eq!(wecom.received().len(), 2);
    }
}

#[tokio::test]
async fn serve_runs_the_notifier_beside_the_scheduler() {
    let hook = MockRobot::start(Kind::Webhook, Arc::new(yuqing::notify::SystemClock)).await;
    let config = format!(
        "[[sources]]\nname = \"partner\"\nkind = \"push\"\ntoken = \"{}\"\n\
         [notify]\npoll = \"100ms\"\n{}",
        crate::helpers::TOKEN,
        channel("hook", &hook, "")
    );
    let app = crate::helpers::spawn_server(&config).await;
    let r = app
        .push("partner")
        .json(&serde_json::json!([
            {"id": "d1", "text": "食堂饭菜里有虫子，好几个同学吃完腹泻住院了，联系电话 13812345678"}
        ]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    app.wait_for("the webhook to be notified", || {
        let n = hook.received().len();
        async move { n > 0 }
    })
    .await;
    let got = hook.received();
    assert_eq!(got.len(), 1, "{:?}", hook.refused());
    let a = &got[0].body["data"]["alerts"][0];
    assert_eq!(a["source"], "partner");
    assert!(!got[0].body.to_string().contains("13812345678"));
    app.stop().await;
}

#[tokio::test]
async fn two_processes_on_one_store_send_each_alert_once() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("企微", &wecom, ""));
        let (a, b) = (rig.restarted(), rig.restarted());
        for round in 0..5u64 {
            for i in 0..3 {
                let id = format!("{round}-{i}");
                post(
                    &store,
                    "bbs",
                    &id,
                    &format!("第{id}起事件"),
                    RiskLevel::High,
                    "校园安全",
                    story(500 + round * 10 + i),
                )
                .await;
            }
            let (ra, rb) = tokio::join!(a.tick(), b.tick());
            ra.unwrap();
            rb.unwrap();
            rig.advance(Duration::from_secs(1));
        }
        // Whatever the interleaving, a last pass sends what a lease held back.
        rig.tick().await;
        let mut covered: Vec<i64> = store
            .notify_deliveries(None)
            .await
            .unwrap()
            .into_iter()
            .flat_map(|d| d.alert_ids)
            .collect();
        let n = covered.len();
        covered.sort();
        covered.dedup();
        assert_eq!((n, covered.len()), (15, 15), "{}", store.backend());
        let listed: usize = wecom
            .received()
            .iter()
            .map(|r| r.content().matches("校园安全").count())
            .sum();
        assert_eq!(listed, 15, "{:?}", wecom.refused());
    }
}

#[tokio::test]
async fn a_message_cut_off_by_a_crash_is_sent_after_the_lease_expires() {
    for (store, _dir) in stores().await {
        let clock = ManualClock::new(wednesday_morning());
        let wecom = MockRobot::start(Kind::Wecom, Arc::new(clock.clone())).await;
        let rig = Rig::new(&store, &clock, &channel("企微", &wecom, ""));
        wecom.script(0, "");
        post(
            &store,
            "bbs",
            "1",
            CANTEEN,
            RiskLevel::High,
            "食品安全",
            story(1),
        )
        .await;
        // The process dies while the robot has the request.
        let crashed = rig.restarted();
        assert!(
            tokio::time::timeout(Duration::from_millis(500), crashed.tick())
                .await
                .is_err()
        );
        drop(crashed);
        let log = store.notify_deliveries(None).await.unwrap();
        assert_eq!(
            (log[0].state.as_str(), log[0].attempts),
            ("pending", 0),
            "{}",
            store.backend()
        );
        // Its lease on the channel still holds: nobody else sends meanwhile.
        assert_eq!(rig.tick().await.sent, 0);
        rig.advance(Duration::from_secs(301));
        assert_eq!(rig.tick().await.sent, 1);
        assert_eq!(wecom.received().len(), 1);
        assert_eq!(
            store.notify_deliveries(None).await.unwrap()[0].state,
            "sent"
        );
    }
}
