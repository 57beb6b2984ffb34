//! Syndication against local mock platforms (`yuqing::syndicate::mock`:
//! WeChat official account, Weibo, a Standard Webhooks receiver; the video
//! platforms are in `syndicate_video`) that check requests the way the
//! real ones do and can be told to fail: expired tokens, quotas, rate
//! limits, timeouts after accepting, a worker killed mid-publication.
//! Time is a manual clock, so backoff and quotas are tested without waiting.
//! The shared set-up (`setup`, `Setup`) is used by the other syndication
//! modules.

use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use yuqing::clock::Clock;
use yuqing::notify::ManualClock;
use yuqing::review::{Actor, Role};
use yuqing::store::{NewUser, PublicationState, Store};
use yuqing::syndicate::{
    ChannelKind, ChannelSettings, ContentBody, ContentState, Desk, MediaRef, NewChannel, Outbox,
    OutboxSettings, PublishChecker, SecretKey, SyndicateError, check, register_channel,
};

pub use yuqing::syndicate::mock::{Mock, WHSEC};
pub const COLLEGE: &str = "XX职业技术学院";

// --------------------------------------------------------------- setup ---

pub struct Setup {
    pub store: Arc<Store>,
    pub dir: tempfile::TempDir,
    pub key: Arc<SecretKey>,
    pub checker: Arc<PublishChecker>,
    pub clock: ManualClock,
    pub mock: Mock,
    pub base: String,
    pub alice: Actor,
    pub bob: Actor,
}

pub async fn actor(store: &Store, name: &str, roles: &[Role]) -> Actor {
    let id = store
        .create_user(
            &NewUser {
                username: name,
                display_name: name,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                roles,
                created_by: None,
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    store.actor(id).await.unwrap().unwrap()
}

pub async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(None, dir.path()).await.unwrap());
    let mock = Mock::default();
    let base = mock.start().await.unwrap();
    let alice = actor(&store, "alice", &[Role::Publisher]).await;
    let bob = actor(&store, "bob", &[Role::Publisher]).await;
    Setup {
        store,
        key: Arc::new(SecretKey::from_base64(&SecretKey::generate()).unwrap()),
        checker: Arc::new(PublishChecker::load(&check::default_publish_rules_dir()).unwrap()),
        // 10:00 in Beijing.
        clock: ManualClock::new("2026-11-30T02:00:00Z".parse().unwrap()),
        dir,
        mock,
        base,
        alice,
        bob,
    }
}

impl Setup {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn desk(&self) -> Desk<'_> {
        Desk {
            store: &self.store,
            checker: &self.checker,
        }
    }

    pub fn outbox(&self, owner: &str) -> Outbox {
        self.outbox_timeout(owner, Duration::from_millis(400))
    }

    /// An outbox whose requests time out after `timeout` (big uploads need more).
    pub fn outbox_timeout(&self, owner: &str, timeout: Duration) -> Outbox {
        let settings = OutboxSettings {
            request_timeout: timeout,
            lease: Duration::from_secs(5),
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            rate_limit_min: Duration::from_secs(10),
            publish_poll: Duration::from_secs(1),
            ..OutboxSettings::default()
        };
        Outbox::new(
            self.store.clone(),
            self.checker.clone(),
            self.key.clone(),
            Arc::new(self.clock.clone()),
            settings,
        )
        .unwrap()
        .with_owner(owner)
    }

    pub async fn channel(&self, kind: ChannelKind, settings: ChannelSettings, secret: &str) -> i64 {
        self.channel_with(kind, settings, secret, None, None).await
    }

    /// A channel with a user grant's refresh token and the app's secret.
    pub async fn channel_with(
        &self,
        kind: ChannelKind,
        settings: ChannelSettings,
        secret: &str,
        refresh_token: Option<&str>,
        app_secret: Option<&str>,
    ) -> i64 {
        let name = yuqing::syndicate::channels::unified_name(COLLEGE, None, kind);
        let new = NewChannel {
            college: COLLEGE,
            name: &name,
            kind,
            settings: &settings,
            secret: Some(secret),
            refresh_token,
            app_secret,
        };
        register_channel(&self.store, &self.key, &new, None, self.now())
            .await
            .unwrap()
    }

    pub async fn wechat(&self) -> i64 {
        self.channel(
            ChannelKind::Wechat,
            ChannelSettings {
                api_base: Some(self.base.clone()),
                app_id: Some("wx-app".into()),
                author: Some("党委宣传部".into()),
                ..ChannelSettings::default()
            },
            "wx-secret",
        )
        .await
    }

    pub async fn weibo(&self) -> i64 {
        self.channel(
            ChannelKind::Weibo,
            ChannelSettings {
                api_base: Some(self.base.clone()),
                safe_domain: Some("xx.edu.cn".into()),
                ..ChannelSettings::default()
            },
            "wb-token",
        )
        .await
    }

    pub fn media(&self, name: &str, mime: &str, len: usize) -> MediaRef {
        let path = self.dir.path().join(name);
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        bytes.resize(len, 7);
        std::fs::write(&path, &bytes).unwrap();
        MediaRef {
            path: path.display().to_string(),
            mime: mime.into(),
            bytes: len as u64,
        }
    }

    pub fn body(&self, title: &str) -> ContentBody {
        let image = self.media("photo.png", "image/png", 2000);
        ContentBody {
            title: title.into(),
            body: format!(
                "6月20日上午，我院隆重举行毕业典礼。\n\n![现场]({})\n\n全体毕业生参加。",
                image.path
            ),
            cover: Some(self.media("cover.jpg", "image/jpeg", 3000)),
            images: vec![image],
            tags: vec!["毕业季".into()],
            link: Some("https://www.xx.edu.cn/news/2026/0620.html".into()),
            ..ContentBody::default()
        }
    }

    /// Written by alice, approved by bob, scheduled now.
    pub async fn approved(&self, body: &ContentBody, channels: &[i64]) -> i64 {
        let d = self.desk();
        let id = d.create(&self.alice, body, self.now()).await.unwrap();
        d.submit(&self.alice, id, channels, self.now())
            .await
            .unwrap();
        d.approve(&self.bob, id, self.now()).await.unwrap();
        d.schedule(&self.alice, id, None, self.now()).await.unwrap();
        id
    }

    pub async fn job(&self, content: i64) -> yuqing::store::Publication {
        self.store
            .syn_publications(content)
            .await
            .unwrap()
            .remove(0)
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }
}

// --------------------------------------------------------------- tests ---

#[tokio::test]
async fn wechat_full_flow_polls_until_published_and_refreshes_a_stale_token() {
    let s = setup().await;
    let wx = s.wechat().await;
    let first = s.approved(&s.body("我院举行2026届毕业典礼"), &[wx]).await;
    s.mock.with(|m| m.wx_still_publishing = 1);
    let outbox = s.outbox("w1");

    let r = outbox.tick().await.unwrap();
    assert_eq!(
        (r.released, r.retried),
        (1, 1),
        "accepted, still publishing"
    );
    let job = s.job(first).await;
    assert_eq!(job.state, PublicationState::Pending);
    assert_eq!(job.checkpoint["publish_id"], "PUB-1");
    s.advance(1);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let job = s.job(first).await;
    assert_eq!(job.state, PublicationState::Published);
    assert_eq!(job.remote_id.as_deref(), Some("ART-1"));
    assert_eq!(
        job.remote_url.as_deref(),
        Some("https://mp.weixin.qq.com/s/art1")
    );
    assert_eq!(
        s.store.syn_content(first).await.unwrap().unwrap().state,
        ContentState::Published
    );
    s.mock.with(|m| {
        assert_eq!(
            (
                m.wx_thumbs.len(),
                m.wx_images,
                m.wx_submits,
                m.wx_tokens_issued
            ),
            (1, 1, 1, 1)
        );
        let draft = &m.wx_drafts["DRAFT-1"];
        assert_eq!(draft["author"], "党委宣传部");
        assert_eq!(
            draft["content_source_url"],
            "https://www.xx.edu.cn/news/2026/0620.html"
        );
        let html = draft["content"].as_str().unwrap();
        assert!(
            html.contains("src=\"http://mmbiz.qpic.cn/img-1\""),
            "{html}"
        );
        assert!(
            !html.contains(s.dir.path().to_str().unwrap()),
            "no local paths leak: {html}"
        );
    });
    // The token is cached sealed.
    let rec = s.store.syn_channel(wx).await.unwrap().unwrap();
    assert!(!rec.token.as_deref().unwrap().contains("TOKEN-"));

    // Someone else asks for a token: ours is no longer the latest (40001).
    s.mock.with(|m| m.wx_token = Some("SOMEONE-ELSE".into()));
    let second = s.approved(&s.body("我院召开新学期工作会议"), &[wx]).await;
    s.advance(1);
    let r = outbox.tick().await.unwrap();
    assert_eq!(r.published, 1, "refreshed once and retried at once: {r:?}");
    let job = s.job(second).await;
    assert_eq!(job.remote_id.as_deref(), Some("ART-2"));
    s.mock.with(|m| {
        assert_eq!((m.wx_tokens_issued, m.wx_submits), (2, 2));
        assert_eq!(
            m.wx_token_requests,
            vec![false, true],
            "stable token, forced only after the rejection"
        );
    });
    // Nothing else was sent again.
    assert_eq!(s.job(first).await.remote_id.as_deref(), Some("ART-1"));
}

#[tokio::test]
async fn wechat_daily_quota_pauses_the_channel_until_beijing_midnight() {
    let s = setup().await;
    let wx = s.wechat().await;
    let id = s.approved(&s.body("我院举行2026届毕业典礼"), &[wx]).await;
    s.mock.script(
        "/cgi-bin/draft/add",
        json!({"errcode": 45009, "errmsg": "reach max api daily quota limit rid: 2"}),
    );
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().retried, 1);
    let job = s.job(id).await;
    let midnight: chrono::DateTime<chrono::Utc> = "2026-11-30T16:00:00Z".parse().unwrap();
    assert_eq!(job.state, PublicationState::Pending);
    assert_eq!(job.next_attempt_at, midnight);
    assert!(job.last_error.as_deref().unwrap().contains("45009"));
    assert_eq!(
        job.checkpoint["thumb_media_id"], "THUMB-1",
        "finished steps are kept"
    );
    let ch = s.store.syn_channel(wx).await.unwrap().unwrap();
    assert_eq!(ch.account.paused_until, Some(midnight));
    // Nothing goes out before midnight.
    s.clock.set(midnight - chrono::TimeDelta::seconds(1));
    assert_eq!(outbox.tick().await.unwrap(), Default::default());
    s.clock.set(midnight);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    s.mock.with(|m| {
        assert_eq!(
            (m.wx_thumbs.len(), m.wx_submits),
            (1, 1),
            "the cover was not uploaded twice"
        )
    });
}

#[tokio::test]
async fn wechat_permanent_errors_fail_with_the_platform_message_and_retry_failed_requeues() {
    let s = setup().await;
    let wx = s.wechat().await;
    let id = s.approved(&s.body("我院举行2026届毕业典礼"), &[wx]).await;
    s.mock.script(
        "/cgi-bin/draft/add",
        json!({"errcode": 45166, "errmsg": "invalid content hint: [x]"}),
    );
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().failed, 1);
    let job = s.job(id).await;
    assert_eq!(job.state, PublicationState::Failed);
    assert_eq!(
        job.last_error.as_deref(),
        Some("微信错误 45166：invalid content hint: [x]（内容无效）")
    );
    assert_eq!(
        s.store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Failed
    );
    // Retry failed: the job goes again, from its checkpoint (the cover is not uploaded twice).
    assert_eq!(
        s.desk().retry_failed(&s.alice, id, s.now()).await.unwrap(),
        1
    );
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert_eq!(
        s.store.syn_content(id).await.unwrap().unwrap().state,
        ContentState::Published
    );
    s.mock
        .with(|m| assert_eq!((m.wx_thumbs.len(), m.wx_submits), (1, 1)));

    // Rejected by the platform's review after submission.
    let other = s.approved(&s.body("我院召开新学期工作会议"), &[wx]).await;
    s.mock.script(
        "/cgi-bin/freepublish/get",
        json!({"publish_id": "PUB-2", "publish_status": 4, "fail_idx": [1]}),
    );
    assert_eq!(outbox.tick().await.unwrap().failed, 1);
    let job = s.job(other).await;
    assert!(
        job.last_error
            .as_deref()
            .unwrap()
            .contains("平台审核不通过"),
        "{job:?}"
    );
    // The cached token is renewed 5 minutes before it expires, in normal
    // mode (no forced refresh).
    s.mock
        .with(|m| assert_eq!(m.wx_token_requests, vec![false]));
    s.advance(7200 - 301);
    let second = s.approved(&s.body("我院开展志愿服务活动"), &[wx]).await;
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert_eq!(s.job(second).await.state, PublicationState::Published);
    s.mock
        .with(|m| assert_eq!(m.wx_token_requests, vec![false], "still cached"));
    s.advance(2);
    let third = s.approved(&s.body("我院举办技能大赛"), &[wx]).await;
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert_eq!(s.job(third).await.state, PublicationState::Published);
    s.mock
        .with(|m| assert_eq!(m.wx_token_requests, vec![false, false]));
}

#[tokio::test]
async fn wechat_timeout_after_accepting_the_submit_is_not_published_twice() {
    let s = setup().await;
    let wx = s.wechat().await;
    let id = s.approved(&s.body("我院举行2026届毕业典礼"), &[wx]).await;
    s.mock
        .with(|m| m.hang = Some("/cgi-bin/freepublish/submit".into()));
    let outbox = s.outbox("w1");
    assert_eq!(outbox.tick().await.unwrap().retried, 1);
    let job = s.job(id).await;
    assert!(
        job.last_error.as_deref().unwrap().contains("超时"),
        "{job:?}"
    );
    assert!(job.checkpoint.get("submit_sent_at").is_some());
    s.mock
        .with(|m| assert_eq!(m.wx_submits, 1, "the platform accepted it"));
    s.advance(2);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let job = s.job(id).await;
    assert_eq!(job.remote_id.as_deref(), Some("ART-1"));
    assert_eq!(
        job.remote_url.as_deref(),
        Some("https://mp.weixin.qq.com/s/art1")
    );
    s.mock
        .with(|m| assert_eq!(m.wx_submits, 1, "found by its cover, not submitted again"));
    let attempts = s.store.syn_publication_attempts(job.id).await.unwrap();
    assert!(attempts.iter().any(|a| {
        a.message
            .as_deref()
            .is_some_and(|m| m.contains("不再重复发表"))
    }));
}

#[tokio::test]
async fn weibo_backs_off_when_rate_limited_and_resumes_after_a_crash_without_double_post() {
    let s = setup().await;
    let wb = s.weibo().await;
    let id = s.approved(&s.body("我院举行2026届毕业典礼"), &[wb]).await;
    s.mock.script(
        "/2/statuses/share.json",
        json!({"request": "/2/statuses/share.json", "error_code": 20016, "error": "update weibo too fast!"}),
    );
    let w1 = s.outbox("w1");
    assert_eq!(w1.tick().await.unwrap().retried, 1);
    let job = s.job(id).await;
    assert_eq!(
        job.next_attempt_at,
        s.now() + chrono::TimeDelta::seconds(10),
        "rate-limit floor"
    );
    assert!(
        job.checkpoint.get("share_sent_at").is_none(),
        "an error answer means nothing was posted"
    );
    s.advance(5);
    assert_eq!(
        w1.tick().await.unwrap(),
        Default::default(),
        "still backing off"
    );

    // The worker posts, the platform accepts, and the process dies before the answer.
    s.mock
        .with(|m| m.hang = Some("/2/statuses/share.json".into()));
    s.advance(5);
    let w2 = Arc::new(s.outbox("w2"));
    let task = tokio::spawn({
        let w2 = w2.clone();
        async move { w2.tick().await }
    });
    for _ in 0..100 {
        if s.mock.with(|m| !m.wb_posts.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort(); // kill -9: no outcome recorded, the lease stays
    let _ = task.await;
    let job = s.job(id).await;
    assert_eq!(job.state, PublicationState::Sending);
    assert_eq!(job.lease_owner.as_deref(), Some("w2"));

    // Another worker takes the job over once the lease has run out.
    let w3 = s.outbox("w3");
    assert_eq!(
        w3.tick().await.unwrap(),
        Default::default(),
        "lease still live"
    );
    s.advance(6);
    assert_eq!(w3.tick().await.unwrap().published, 1);
    let job = s.job(id).await;
    assert_eq!(job.remote_id.as_deref(), Some("501"));
    assert_eq!(
        job.remote_url.as_deref(),
        Some("https://m.weibo.cn/status/501")
    );
    s.mock.with(|m| {
        assert_eq!(m.wb_posts.len(), 1, "posted once");
        let (_, text, pic) = &m.wb_posts[0];
        assert!(
            text.starts_with("【我院举行2026届毕业典礼】") && text.contains("#毕业季#"),
            "{text}"
        );
        assert!(*pic, "with the cover as picture");
    });
}

#[tokio::test]
async fn webhook_is_signed_retried_with_the_same_id_and_the_website_feeds_list_it() {
    let s = setup().await;
    let hook = s
        .channel(
            ChannelKind::Webhook,
            ChannelSettings {
                url: Some(format!("{}/hook", s.base)),
                ..ChannelSettings::default()
            },
            WHSEC,
        )
        .await;
    let site = s
        .channel(
            ChannelKind::Website,
            ChannelSettings {
                site_url: Some("https://www.xx.edu.cn".into()),
                url: Some(format!("{}/hook", s.base)),
                ..ChannelSettings::default()
            },
            WHSEC,
        )
        .await;
    let body = s.body("我院举行2026届毕业典礼");

    // No self-approval, and critical wording never gets to the approver.
    let d = s.desk();
    let id = d.create(&s.alice, &body, s.now()).await.unwrap();
    let mut bad = body.clone();
    bad.body.push_str("\n\n庆祝中国共产当成立105周年。");
    let bad_id = d.create(&s.alice, &bad, s.now()).await.unwrap();
    assert!(matches!(
        d.submit(&s.alice, bad_id, &[hook], s.now()).await,
        Err(SyndicateError::Blocked(_))
    ));
    d.submit(&s.alice, id, &[hook, site], s.now())
        .await
        .unwrap();
    let e = d.approve(&s.alice, id, s.now()).await.unwrap_err();
    assert_eq!(e.to_string(), "不能审核自己撰写的内容");
    d.approve(&s.bob, id, s.now()).await.unwrap();
    d.schedule(&s.alice, id, None, s.now()).await.unwrap();

    s.mock.with(|m| m.hook_failures = 1);
    let outbox = s.outbox("w1");
    let r = outbox.tick().await.unwrap();
    assert_eq!((r.published, r.retried), (1, 1), "{r:?}");
    s.advance(1);
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    let jobs = s.store.syn_publications(id).await.unwrap();
    assert!(jobs.iter().all(|j| j.state == PublicationState::Published));
    s.mock.with(|m| {
        assert_eq!(m.hook_ids.len(), 2, "one id per channel: {:?}", m.hook_ids);
        assert!(
            m.hook_ids
                .iter()
                .all(|i| i.starts_with(&format!("yuqing-c{id}-v1-ch")))
        );
    });
    let web = jobs.iter().find(|j| j.channel_id == site).unwrap();
    assert_eq!(
        web.remote_url.as_deref(),
        Some(&*format!("https://www.xx.edu.cn/content/{id}"))
    );

    use yuqing::syndicate::feed::{FeedInfo, FeedItem, atom, json_feed, rss};
    let items: Vec<FeedItem> = s
        .store
        .syn_published_on(site, 20)
        .await
        .unwrap()
        .iter()
        .map(|p| FeedItem::from_publication(p, "https://www.xx.edu.cn"))
        .collect();
    let info = FeedInfo {
        title: "XX职业技术学院官网".into(),
        home_url: "https://www.xx.edu.cn/".into(),
        feed_url: "https://www.xx.edu.cn/feed.xml".into(),
        description: "新闻".into(),
    };
    for text in [
        rss(&info, &items),
        atom(&info, &items),
        json_feed(&info, &items),
    ] {
        let feed = feed_rs::parser::parse(text.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 1);
        assert_eq!(
            feed.entries[0].title.as_ref().unwrap().content,
            "我院举行2026届毕业典礼"
        );
    }
}

#[tokio::test]
async fn yuqing_serve_runs_the_outbox_when_a_secrets_key_is_configured() {
    let server = crate::helpers::spawn_publishing_server().await;
    let store = server.store.clone();
    let key = SecretKey::load(Some(crate::helpers::secret_key_file())).unwrap();
    let mock = Mock::default();
    let base = mock.start().await.unwrap();
    let settings = ChannelSettings {
        url: Some(format!("{base}/hook")),
        ..ChannelSettings::default()
    };
    let new = NewChannel {
        college: COLLEGE,
        name: "XX职业技术学院Webhook",
        kind: ChannelKind::Webhook,
        settings: &settings,
        secret: Some(WHSEC),
        refresh_token: None,
        app_secret: None,
    };
    let hook = register_channel(&store, &key, &new, None, chrono::Utc::now())
        .await
        .unwrap();
    let checker = PublishChecker::load(&check::default_publish_rules_dir()).unwrap();
    let desk = Desk {
        store: &store,
        checker: &checker,
    };
    let alice = actor(&store, "alice", &[Role::Publisher]).await;
    let bob = actor(&store, "bob", &[Role::Admin]).await;
    let body = ContentBody {
        title: "校园开放日通知".into(),
        body: "欢迎参观。".into(),
        ..ContentBody::default()
    };
    let now = chrono::Utc::now();
    let id = desk.create(&alice, &body, now).await.unwrap();
    desk.submit(&alice, id, &[hook], now).await.unwrap();
    desk.approve(&bob, id, now).await.unwrap();
    desk.schedule(&alice, id, None, now).await.unwrap();
    server
        .wait_for("the outbox to publish", || {
            let store = store.clone();
            async move {
                store.syn_content(id).await.unwrap().unwrap().state == ContentState::Published
            }
        })
        .await;
    mock.with(|m| assert_eq!(m.hook_ids, vec![format!("yuqing-c{id}-v1-ch{hook}")]));
    server.stop().await;
}
