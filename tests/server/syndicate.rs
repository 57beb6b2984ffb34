//! Syndication against local mock platforms (WeChat official account,
//! Weibo, a Standard Webhooks receiver) that check requests the way the
//! real ones do and can be told to fail: expired tokens, quotas, rate
//! limits, timeouts after accepting, a worker killed mid-publication.
//! Time is a manual clock, so backoff and quotas are tested without waiting.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yuqing::clock::Clock;
use yuqing::notify::ManualClock;
use yuqing::review::{Actor, Role};
use yuqing::store::{NewUser, PublicationState, Store};
use yuqing::syndicate::{
    ChannelKind, ChannelSettings, ContentBody, ContentState, Desk, MediaRef, NewChannel, Outbox,
    OutboxSettings, PublishChecker, SecretKey, SyndicateError, check, register_channel,
};

pub(crate) const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub(crate) const COLLEGE: &str = "XX职业技术学院";

// ---------------------------------------------------------------- mock ---

#[derive(Default)]
pub(crate) struct MockState {
    wx_token: Option<String>,
    wx_tokens_issued: u32,
    wx_thumbs: Vec<String>,
    wx_images: u32,
    wx_drafts: HashMap<String, Value>,
    wx_submits: u32,
    wx_published: Vec<Value>,
    /// `freepublish/get` answers "publishing" this many more times.
    wx_still_publishing: u32,
    wb_posts: Vec<(String, String, bool)>,
    pub(crate) hook_ids: Vec<String>,
    hook_failures: u32,
    /// Scripted answers: the first entry for a path is returned once.
    script: Vec<(String, Value)>,
    /// Accept the next request to this path, then answer only after 3 s.
    hang: Option<String>,
}

#[derive(Clone, Default)]
pub(crate) struct Mock(Arc<Mutex<MockState>>);

impl Mock {
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut MockState) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }

    fn script(&self, path: &str, answer: Value) {
        self.with(|s| s.script.push((path.into(), answer)));
    }

    pub(crate) async fn start(&self) -> String {
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }
}

fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| serde_urlencoded::from_str(q).unwrap())
        .unwrap_or_default()
}

/// The fields of a multipart/form-data body: name → (filename, bytes).
fn multipart(headers: &HeaderMap, body: &[u8]) -> HashMap<String, (Option<String>, Vec<u8>)> {
    let ct = headers.get("content-type").unwrap().to_str().unwrap();
    let boundary = ct.split("boundary=").nth(1).expect("a multipart boundary");
    let sep = format!("--{boundary}");
    let text = body;
    let mut out = HashMap::new();
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(i) = find(&text[start..], sep.as_bytes()) {
        parts.push(&text[start..start + i]);
        start += i + sep.len();
    }
    for part in parts {
        let Some(h) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..h]).to_string();
        let mut data = part[h + 4..].to_vec();
        if data.ends_with(b"\r\n") {
            data.truncate(data.len() - 2);
        }
        let attr = |k: &str| {
            head.split(&format!("{k}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        };
        if let Some(name) = attr(" name") {
            out.insert(name, (attr("filename"), data));
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn wx_err(code: i64, msg: &str) -> Response {
    axum::Json(json!({"errcode": code, "errmsg": format!("{msg} rid: 1")})).into_response()
}

async fn handle(
    State(mock): State<Mock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let q = query(&uri);
    let (answer, hang) = mock.with(|s| {
        let scripted = s
            .script
            .iter()
            .position(|(p, _)| *p == path)
            .map(|i| s.script.remove(i).1);
        if let Some(v) = scripted {
            return (axum::Json(v).into_response(), false);
        }
        let hang = s.hang.as_deref() == Some(path.as_str());
        if hang {
            s.hang = None;
        }
        (answer(s, &method, &path, &q, &headers, &body), hang)
    });
    if hang {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    answer
}

fn answer(
    s: &mut MockState,
    method: &Method,
    path: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if path == "/hook" {
        return hook(s, headers, body);
    }
    if let Some(rest) = path.strip_prefix("/2/") {
        return weibo(s, rest, method, q, headers, body);
    }
    if path == "/cgi-bin/token" {
        assert_eq!(q["grant_type"], "client_credential");
        if q.get("appid").map(String::as_str) != Some("wx-app") {
            return wx_err(40013, "invalid appid");
        }
        if q.get("secret").map(String::as_str) != Some("wx-secret") {
            return wx_err(40125, "invalid appsecret");
        }
        s.wx_tokens_issued += 1;
        let t = format!("TOKEN-{}", s.wx_tokens_issued);
        // Asking again invalidates the previous token.
        s.wx_token = Some(t.clone());
        return axum::Json(json!({"access_token": t, "expires_in": 7200})).into_response();
    }
    assert_eq!(method, Method::POST, "{path}");
    if q.get("access_token") != s.wx_token.as_ref() {
        return wx_err(
            40001,
            "invalid credential, access_token is invalid or not latest",
        );
    }
    match path {
        "/cgi-bin/material/add_material" => {
            assert_eq!(q["type"], "thumb");
            let f = multipart(headers, body);
            let (name, bytes) = &f["media"];
            assert!(name.as_deref().unwrap().ends_with(".jpg"));
            assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG thumb");
            assert!(bytes.len() <= 64 * 1024);
            let id = format!("THUMB-{}", s.wx_thumbs.len() + 1);
            s.wx_thumbs.push(id.clone());
            axum::Json(json!({"media_id": id, "url": "http://mmbiz.qpic.cn/thumb"})).into_response()
        }
        "/cgi-bin/media/uploadimg" => {
            let f = multipart(headers, body);
            assert!(f["media"].1.len() < 1024 * 1024);
            s.wx_images += 1;
            axum::Json(json!({"url": format!("http://mmbiz.qpic.cn/img-{}", s.wx_images)}))
                .into_response()
        }
        "/cgi-bin/draft/add" => {
            let v: Value = serde_json::from_slice(body).unwrap();
            let a = &v["articles"][0];
            if a["title"].as_str().unwrap().chars().count() > 32 {
                return wx_err(45003, "title size out of limit");
            }
            if a["digest"].as_str().unwrap().chars().count() > 128
                || a["author"].as_str().unwrap().chars().count() > 16
            {
                return wx_err(45166, "invalid content");
            }
            let c = a["content"].as_str().unwrap();
            if c.chars().count() >= 20_000 {
                return wx_err(45002, "content size out of limit");
            }
            assert!(
                s.wx_thumbs
                    .contains(&a["thumb_media_id"].as_str().unwrap().to_string())
            );
            let id = format!("DRAFT-{}", s.wx_drafts.len() + 1);
            s.wx_drafts.insert(id.clone(), a.clone());
            axum::Json(json!({"media_id": id})).into_response()
        }
        "/cgi-bin/freepublish/submit" => {
            let v: Value = serde_json::from_slice(body).unwrap();
            let Some(article) = s.wx_drafts.get(v["media_id"].as_str().unwrap()).cloned() else {
                return wx_err(40007, "invalid media_id");
            };
            s.wx_submits += 1;
            let n = s.wx_submits;
            s.wx_published.push(json!({
                "publish_id": format!("PUB-{n}"),
                "article_id": format!("ART-{n}"),
                "content": {"news_item": [{
                    "title": article["title"],
                    "thumb_media_id": article["thumb_media_id"],
                    "url": format!("https://mp.weixin.qq.com/s/art{n}"),
                }]},
            }));
            axum::Json(json!({"errcode": 0, "errmsg": "ok", "publish_id": format!("PUB-{n}"), "msg_data_id": n})).into_response()
        }
        "/cgi-bin/freepublish/get" => {
            let v: Value = serde_json::from_slice(body).unwrap();
            let id = v["publish_id"].as_str().unwrap();
            let Some(p) = s.wx_published.iter().find(|p| p["publish_id"] == id) else {
                return wx_err(40007, "invalid publish_id");
            };
            if s.wx_still_publishing > 0 {
                s.wx_still_publishing -= 1;
                return axum::Json(json!({"publish_id": id, "publish_status": 1})).into_response();
            }
            let url = p["content"]["news_item"][0]["url"].clone();
            axum::Json(json!({
                "publish_id": id, "publish_status": 0, "article_id": p["article_id"],
                "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": url}]}, "fail_idx": []
            }))
            .into_response()
        }
        "/cgi-bin/freepublish/batchget" => {
            // Lists finished publications only.
            let items: Vec<Value> = s.wx_published.iter().rev().cloned().collect();
            axum::Json(
                json!({"total_count": items.len(), "item_count": items.len(), "item": items}),
            )
            .into_response()
        }
        other => panic!("unexpected WeChat call {other}"),
    }
}

fn weibo_length(s: &str) -> usize {
    s.chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum::<usize>()
        .div_ceil(2)
}

fn wb_err(code: i64, msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"request": "/2/statuses/share.json", "error_code": code, "error": msg})),
    )
        .into_response()
}

fn weibo(
    s: &mut MockState,
    rest: &str,
    method: &Method,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    match rest {
        "statuses/share.json" => {
            assert_eq!(method, Method::POST);
            let ct = headers.get("content-type").unwrap().to_str().unwrap();
            let (token, status, pic) = if ct.starts_with("multipart/") {
                let f = multipart(headers, body);
                let pic = &f["pic"].1;
                assert!(pic.len() < 5 * 1024 * 1024 && pic.starts_with(&[0xFF, 0xD8]));
                (
                    String::from_utf8(f["access_token"].1.clone()).unwrap(),
                    String::from_utf8(f["status"].1.clone()).unwrap(),
                    true,
                )
            } else {
                let f: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap();
                (f["access_token"].clone(), f["status"].clone(), false)
            };
            if token != "wb-token" {
                return wb_err(21332, "invalid_access_token");
            }
            if weibo_length(&status) > 140 {
                return wb_err(
                    20012,
                    "Text too long, please input text less than 140 characters!",
                );
            }
            assert!(
                status.contains("https://www.xx.edu.cn/"),
                "a link under the safe domain: {status}"
            );
            // Weibo rewrites links to t.cn.
            let shown: String = status
                .split(' ')
                .map(|w| {
                    if w.starts_with("https://") {
                        "http://t.cn/A6abc"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            if s.wb_posts.iter().any(|(_, t, _)| *t == shown) {
                return wb_err(20019, "Repeat content!");
            }
            let id = format!("50{}", s.wb_posts.len() + 1);
            s.wb_posts.push((id.clone(), shown.clone(), pic));
            axum::Json(json!({"created_at": "Mon Nov 30 21:00:00 +0800 2026", "id": id.parse::<i64>().unwrap(), "idstr": id, "mid": id, "text": shown})).into_response()
        }
        "statuses/user_timeline.json" => {
            assert_eq!(q["access_token"], "wb-token");
            let statuses: Vec<Value> = s
                .wb_posts
                .iter()
                .rev()
                .map(|(id, t, _)| json!({"idstr": id, "id": id.parse::<i64>().unwrap(), "text": t}))
                .collect();
            axum::Json(json!({"statuses": statuses, "total_number": statuses.len()}))
                .into_response()
        }
        other => panic!("unexpected Weibo call {other}"),
    }
}

fn hook(s: &mut MockState, headers: &HeaderMap, body: &[u8]) -> Response {
    let h = |k: &str| headers.get(k).unwrap().to_str().unwrap().to_string();
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let key = yuqing::notify::send::webhook_key(WHSEC).unwrap();
    let expected = yuqing::notify::send::webhook_signature(
        &key,
        &id,
        ts.parse().unwrap(),
        std::str::from_utf8(body).unwrap(),
    );
    if sig != expected {
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    if s.hook_failures > 0 {
        s.hook_failures -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response();
    }
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["type"], "content.published");
    // Receivers deduplicate on webhook-id.
    if !s.hook_ids.contains(&id) {
        s.hook_ids.push(id);
    }
    StatusCode::NO_CONTENT.into_response()
}

// --------------------------------------------------------------- setup ---

struct Setup {
    store: Arc<Store>,
    dir: tempfile::TempDir,
    key: Arc<SecretKey>,
    checker: Arc<PublishChecker>,
    clock: ManualClock,
    mock: Mock,
    base: String,
    alice: Actor,
    bob: Actor,
}

async fn actor(store: &Store, name: &str, roles: &[Role]) -> Actor {
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

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(None, dir.path()).await.unwrap());
    let mock = Mock::default();
    let base = mock.start().await;
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
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    fn desk(&self) -> Desk<'_> {
        Desk {
            store: &self.store,
            checker: &self.checker,
        }
    }

    fn outbox(&self, owner: &str) -> Outbox {
        let settings = OutboxSettings {
            request_timeout: Duration::from_millis(400),
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

    async fn channel(&self, kind: ChannelKind, settings: ChannelSettings, secret: &str) -> i64 {
        let name = yuqing::syndicate::channels::unified_name(COLLEGE, None, kind);
        let new = NewChannel {
            college: COLLEGE,
            name: &name,
            kind,
            settings: &settings,
            secret: Some(secret),
        };
        register_channel(&self.store, &self.key, &new, None, self.now())
            .await
            .unwrap()
    }

    async fn wechat(&self) -> i64 {
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

    async fn weibo(&self) -> i64 {
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

    fn media(&self, name: &str, mime: &str, len: usize) -> MediaRef {
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

    fn body(&self, title: &str) -> ContentBody {
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
    async fn approved(&self, body: &ContentBody, channels: &[i64]) -> i64 {
        let d = self.desk();
        let id = d.create(&self.alice, body, self.now()).await.unwrap();
        d.submit(&self.alice, id, channels, self.now())
            .await
            .unwrap();
        d.approve(&self.bob, id, self.now()).await.unwrap();
        d.schedule(&self.alice, id, None, self.now()).await.unwrap();
        id
    }

    async fn job(&self, content: i64) -> yuqing::store::Publication {
        self.store
            .syn_publications(content)
            .await
            .unwrap()
            .remove(0)
    }

    fn advance(&self, secs: u64) {
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
    s.mock
        .with(|m| assert_eq!((m.wx_tokens_issued, m.wx_submits), (2, 2)));
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
    // The cached token is renewed 5 minutes before it expires.
    s.mock.with(|m| assert_eq!(m.wx_tokens_issued, 1));
    s.advance(7200 - 299);
    let third = s.approved(&s.body("我院开展志愿服务活动"), &[wx]).await;
    assert_eq!(outbox.tick().await.unwrap().published, 1);
    assert_eq!(s.job(third).await.state, PublicationState::Published);
    s.mock.with(|m| assert_eq!(m.wx_tokens_issued, 2));
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
    let base = mock.start().await;
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
