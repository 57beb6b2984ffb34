//! Local mock platforms on 127.0.0.1, for the tests and `yuqing bench
//! syndicate`: WeChat official account (stable token, materials, drafts,
//! free publishing), Weibo, a Standard Webhooks receiver, Douyin, Bilibili
//! and Kuaishou, each following docs/syndication.md § 5 and
//! `reference/platform-apis.md`: they check requests the way the platforms
//! do, record what became public, and can be told to fail (scripted
//! answers, changed tokens, accepting a request and answering late).
//!
//! One server serves all platforms, told apart by path.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Credentials the mock accepts unless told otherwise.
pub const WX_APP: &str = "wx-app";
pub const WX_SECRET: &str = "wx-secret";
pub const WB_TOKEN: &str = "wb-token";
pub const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const DY_TOKEN: &str = "dy-token";
pub const DY_OPEN_ID: &str = "dy-open-id";
pub const BILI_TOKEN: &str = "bili-token";
pub const KS_TOKEN: &str = "ks-token";
pub const KS_APP: &str = "ks-app";
/// Video platforms' grants: the refresh tokens first issued, and the app
/// credentials a refresh (Kuaishou, Bilibili) or a signature (Bilibili)
/// needs.
pub const DY_CLIENT_KEY: &str = "dy-client-key";
pub const DY_REFRESH: &str = "dy-refresh";
pub const KS_SECRET: &str = "ks-secret";
pub const KS_REFRESH: &str = "ks-refresh";
pub const BILI_CLIENT: &str = "bili-client";
pub const BILI_SECRET: &str = "bili-secret";
pub const BILI_REFRESH: &str = "bili-refresh";
/// The access token no one holds: what a platform's valid token becomes
/// when [`Mock::expire`] ends it.
const EXPIRED: &str = "(expired)";

/// A scripted answer, returned once for the next request to its path.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub path: String,
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<u64>,
}

/// A Bilibili upload in progress.
#[derive(Debug, Default, Clone)]
pub struct BiliUpload {
    pub parts: BTreeMap<u64, usize>,
    pub completed: bool,
    pub used: bool,
}

#[derive(Default)]
pub struct MockState {
    /// The server's own `http://host:port`.
    pub base: String,
    pub wx_token: Option<String>,
    pub wx_tokens_issued: u32,
    /// Every `stable_token` call's `force_refresh`.
    pub wx_token_requests: Vec<bool>,
    pub wx_thumbs: Vec<String>,
    pub wx_images: u32,
    pub wx_drafts: HashMap<String, Value>,
    pub wx_submits: u32,
    pub wx_published: Vec<Value>,
    /// `freepublish/get` answers "publishing" this many more times.
    pub wx_still_publishing: u32,
    /// Weibo posts: id, text as shown, with a picture.
    pub wb_posts: Vec<(String, String, bool)>,
    /// Webhook ids received (deduplicated, as receivers do) and deliveries.
    pub hook_ids: Vec<String>,
    pub hook_deliveries: u32,
    pub hook_failures: u32,
    /// Douyin: uploaded videos (id → (bytes, used by a post)), part uploads, posts (item id, caption).
    pub dy_videos: HashMap<String, (usize, bool)>,
    pub dy_part_uploads: HashMap<String, BTreeMap<u64, usize>>,
    pub dy_posts: Vec<(String, String)>,
    /// The Douyin token now valid, when not [`DY_TOKEN`] (the old one expired).
    pub dy_token: Option<String>,
    pub bili_uploads: HashMap<String, BiliUpload>,
    pub bili_covers: u32,
    /// Submitted archives: resource id, title, the whole submission.
    pub bili_archives: Vec<(String, String, Value)>,
    pub bili_token: Option<String>,
    /// Kuaishou: upload token → uploaded bytes; posts (photo id, caption, with cover).
    pub ks_uploads: HashMap<String, Option<usize>>,
    /// Upload tokens handed out (tokens are dropped once used, so the map's
    /// size cannot number them).
    pub ks_upload_seq: u32,
    pub ks_posts: Vec<(String, String, bool)>,
    /// Kuaishou fragments received per upload token: fragment → bytes.
    pub ks_fragments: HashMap<String, BTreeMap<u64, usize>>,
    pub ks_token: Option<String>,
    /// The refresh tokens now valid, when not the first ones; each refresh
    /// replaces both tokens (the strictest platforms' rotation).
    pub dy_refresh: Option<String>,
    pub ks_refresh: Option<String>,
    pub bili_refresh: Option<String>,
    /// Refreshes granted, per platform (`douyin`, `kuaishou`, `bilibili`).
    pub refreshes: BTreeMap<&'static str, u32>,
    /// Bilibili signature nonces seen (a repeated one is a replay).
    pub bili_nonces: std::collections::HashSet<String>,
    /// Scripted answers: the first entry for a path is returned once.
    pub script: Vec<Scripted>,
    /// Accept the next request to this path, then answer only after
    /// `hang_for` (default 3 s).
    pub hang: Option<String>,
    pub hang_for: Option<Duration>,
    /// Requests answered, per path.
    pub calls: BTreeMap<String, u32>,
}

/// Public posts (or deliveries) per platform, and how many of them repeat
/// an earlier one (same title or caption; same webhook id).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    pub posts: BTreeMap<&'static str, usize>,
    pub duplicates: BTreeMap<&'static str, usize>,
}

impl MockState {
    pub fn tally(&self) -> Tally {
        fn dupes<'a>(keys: impl Iterator<Item = &'a str>) -> (usize, usize) {
            let mut seen = std::collections::HashSet::new();
            let mut n = 0;
            let mut d = 0;
            for k in keys {
                n += 1;
                if !seen.insert(k) {
                    d += 1;
                }
            }
            (n, d)
        }
        let wx_titles: Vec<String> = self
            .wx_published
            .iter()
            .map(|p| {
                p["content"]["news_item"][0]["title"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        let rows = [
            ("wechat", dupes(wx_titles.iter().map(String::as_str))),
            ("weibo", dupes(self.wb_posts.iter().map(|p| p.1.as_str()))),
            (
                "webhook",
                (
                    self.hook_deliveries as usize,
                    self.hook_deliveries as usize - self.hook_ids.len(),
                ),
            ),
            ("douyin", dupes(self.dy_posts.iter().map(|p| p.1.as_str()))),
            (
                "bilibili",
                dupes(self.bili_archives.iter().map(|p| p.1.as_str())),
            ),
            (
                "kuaishou",
                dupes(self.ks_posts.iter().map(|p| p.1.as_str())),
            ),
        ];
        let mut t = Tally::default();
        for (k, (n, d)) in rows {
            t.posts.insert(k, n);
            t.duplicates.insert(k, d);
        }
        t
    }
}

#[derive(Clone, Default)]
pub struct Mock(pub Arc<Mutex<MockState>>);

impl Mock {
    pub fn with<R>(&self, f: impl FnOnce(&mut MockState) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Answer the next request to `path` with this JSON (HTTP 200).
    pub fn script(&self, path: &str, answer: Value) {
        self.script_http(path, 200, answer, None);
    }

    /// Answer the next request to `path` with this status, JSON and `Retry-After`.
    pub fn script_http(&self, path: &str, status: u16, body: Value, retry_after: Option<u64>) {
        self.with(|s| {
            s.script.push(Scripted {
                path: path.into(),
                status,
                body,
                retry_after,
            })
        });
    }

    /// Accept the next request to `path`, answer after `delay`.
    pub fn hang(&self, path: &str, delay: Duration) {
        self.with(|s| {
            s.hang = Some(path.into());
            s.hang_for = Some(delay);
        });
    }

    pub fn calls(&self, path: &str) -> u32 {
        self.with(|s| s.calls.get(path).copied().unwrap_or(0))
    }

    /// Serve on 127.0.0.1 (a free port); the base URL.
    /// End the video platform's current access token, as its expiry does:
    /// only a refresh gets a valid one again.
    pub fn expire(&self, platform: &str) {
        self.with(|s| {
            let slot = match platform {
                "douyin" => &mut s.dy_token,
                "kuaishou" => &mut s.ks_token,
                "bilibili" => &mut s.bili_token,
                other => panic!("no grant on {other}"),
            };
            *slot = Some(EXPIRED.into());
        });
    }

    /// Refreshes granted on a platform.
    pub fn refreshes(&self, platform: &str) -> u32 {
        self.with(|s| s.refreshes.get(platform).copied().unwrap_or(0))
    }

    pub async fn start(&self) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        self.with(|s| s.base = base.clone());
        // Videos are up to 128 MB (axum's default limit is 2 MB).
        let app = axum::Router::new()
            .fallback(handle)
            .layer(axum::extract::DefaultBodyLimit::max(160 * 1024 * 1024))
            .with_state(self.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(base)
    }
}

fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// The fields of a multipart/form-data body: name → (filename, bytes).
pub fn multipart(headers: &HeaderMap, body: &[u8]) -> HashMap<String, (Option<String>, Vec<u8>)> {
    let ct = header(headers, "content-type");
    let Some(boundary) = ct.split("boundary=").nth(1) else {
        return HashMap::new();
    };
    let sep = format!("--{boundary}");
    let mut out = HashMap::new();
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(i) = find(&body[start..], sep.as_bytes()) {
        parts.push(&body[start..start + i]);
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
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..].iter().position(|&b| b == first) {
            Some(p) => i += p,
            None => return None,
        }
        if i + needle.len() <= hay.len() && &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn header(headers: &HeaderMap, k: &str) -> String {
    headers
        .get(k)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn json_answer(v: Value) -> Response {
    axum::Json(v).into_response()
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
        *s.calls.entry(path.clone()).or_default() += 1;
        if let Some(i) = s.script.iter().position(|a| a.path == path) {
            let a = s.script.remove(i);
            let mut r = (
                StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK),
                axum::Json(a.body),
            )
                .into_response();
            if let Some(ra) = a.retry_after {
                r.headers_mut()
                    .insert("retry-after", ra.to_string().parse().expect("a number"));
            }
            return (r, None);
        }
        let hang = if s.hang.as_deref() == Some(path.as_str()) {
            s.hang = None;
            Some(s.hang_for.take().unwrap_or(Duration::from_secs(3)))
        } else {
            None
        };
        (answer(s, &method, &path, &q, &headers, &body), hang)
    });
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
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
    if path.starts_with("/cgi-bin/") {
        return wechat(s, method, path, q, headers, body);
    }
    if path == "/oauth/refresh_token/"
        || path == "/oauth2/refresh_token"
        || path == BILI_REFRESH_PATH
    {
        return refresh(s, path, q, body);
    }
    if path.starts_with("/video/v2/") || path.starts_with("/arcopen/") {
        return bilibili(s, path, q, headers, body);
    }
    if path.starts_with("/video/") {
        return douyin(s, path, q, headers, body);
    }
    if path.starts_with("/openapi/photo/") || path.starts_with("/api/upload/") {
        return kuaishou(s, path, q, headers, body);
    }
    (StatusCode::NOT_FOUND, format!("no mock for {path}")).into_response()
}

// ------------------------------------------------------ video grants ---

/// Bilibili's refresh endpoint (on its account host; tests point the
/// channel's `refresh_token` step here).
pub const BILI_REFRESH_PATH: &str = "/x/account-oauth2/v1/refresh_token";

/// A refresh of a video platform's grant: checks the app and the refresh
/// token, then issues a new access token and a new refresh token (the old
/// refresh token stops working).
fn refresh(s: &mut MockState, path: &str, q: &HashMap<String, String>, body: &[u8]) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let (platform, app_ok, valid_refresh) = match path {
        "/oauth/refresh_token/" => (
            "douyin",
            form.get("client_key").map(String::as_str) == Some(DY_CLIENT_KEY)
                && form.get("grant_type").map(String::as_str) == Some("refresh_token"),
            s.dy_refresh.clone().unwrap_or_else(|| DY_REFRESH.into()),
        ),
        "/oauth2/refresh_token" => (
            "kuaishou",
            q.get("app_id").map(String::as_str) == Some(KS_APP)
                && q.get("app_secret").map(String::as_str) == Some(KS_SECRET)
                && q.get("grant_type").map(String::as_str) == Some("refresh_token"),
            s.ks_refresh.clone().unwrap_or_else(|| KS_REFRESH.into()),
        ),
        _ => (
            "bilibili",
            q.get("client_id").map(String::as_str) == Some(BILI_CLIENT)
                && q.get("client_secret").map(String::as_str) == Some(BILI_SECRET)
                && q.get("grant_type").map(String::as_str) == Some("refresh_token"),
            s.bili_refresh
                .clone()
                .unwrap_or_else(|| BILI_REFRESH.into()),
        ),
    };
    let given = match platform {
        "douyin" => form.get("refresh_token"),
        _ => q.get("refresh_token"),
    };
    let refresh_ok = given == Some(&valid_refresh);
    if !app_ok || !refresh_ok {
        let why = if app_ok {
            "refresh_token 无效或已过期"
        } else {
            "应用凭证错误"
        };
        return match platform {
            "douyin" => dy_err(10010, why),
            "kuaishou" => ks_err(100200102, why),
            _ => bili_err(127012, why),
        };
    }
    let n = {
        let c = s.refreshes.entry(platform).or_default();
        *c += 1;
        *c
    };
    let token = format!("{platform}-token-r{n}");
    let refresh = format!("{platform}-refresh-r{n}");
    match platform {
        "douyin" => {
            s.dy_token = Some(token.clone());
            s.dy_refresh = Some(refresh.clone());
            dy(
                json!({"access_token": token, "expires_in": 1_296_000, "refresh_token": refresh,
                "refresh_expires_in": 2_592_000, "open_id": DY_OPEN_ID, "scope": "video.create"}),
            )
        }
        "kuaishou" => {
            s.ks_token = Some(token.clone());
            s.ks_refresh = Some(refresh.clone());
            json_answer(
                json!({"result": 1, "access_token": token, "expires_in": 172_800,
                "refresh_token": refresh, "refresh_token_expires_in": 15_552_000,
                "scopes": ["user_video_publish"]}),
            )
        }
        _ => {
            s.bili_token = Some(token.clone());
            s.bili_refresh = Some(refresh.clone());
            // An absolute expiry, 30 days ahead.
            let expires = chrono::Utc::now().timestamp() + 30 * 86_400;
            bili(json!({"access_token": token, "expires_in": expires, "refresh_token": refresh}))
        }
    }
}

/// Check a Bilibili open-platform signature the way the platform does:
/// the request's own `x-bili-*` headers, sorted, `name:value` lines,
/// HMAC-SHA256 with the app secret; the body's MD5; a fresh timestamp; a
/// nonce never seen before.
fn bili_signature_error(
    s: &mut MockState,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<&'static str> {
    use hmac::{Hmac, KeyInit, Mac};
    use md5::{Digest, Md5};
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-bili-"))
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    signed.sort();
    let get = |k: &str| header(headers, k);
    if signed.len() != 6
        || get("x-bili-signature-method") != "HMAC-SHA256"
        || get("x-bili-signature-version") != "2.0"
    {
        return Some("缺少签名头");
    }
    if get("x-bili-accesskeyid") != BILI_CLIENT {
        return Some("accesskeyid 错误");
    }
    if get("x-bili-content-md5") != hex(&Md5::digest(body)) {
        return Some("content-md5 与请求体不符");
    }
    let ts: i64 = get("x-bili-timestamp").parse().unwrap_or(0);
    if (chrono::Utc::now().timestamp() - ts).abs() > 300 {
        return Some("时间戳过期");
    }
    let text = signed
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(BILI_SECRET.as_bytes()).expect("any key");
    mac.update(text.as_bytes());
    if get("authorization") != hex(&mac.finalize().into_bytes()) {
        return Some("签名错误");
    }
    if !s.bili_nonces.insert(get("x-bili-signature-nonce")) {
        return Some("nonce 重复");
    }
    None
}

// ------------------------------------------------------------- WeChat ---

fn wx_err(code: i64, msg: &str) -> Response {
    json_answer(json!({"errcode": code, "errmsg": format!("{msg} rid: 1")}))
}

fn wechat(
    s: &mut MockState,
    method: &Method,
    path: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if path == "/cgi-bin/stable_token" {
        assert_eq!(method, Method::POST, "stable_token is a POST");
        let v: Value = serde_json::from_slice(body).expect("a JSON body");
        assert_eq!(v["grant_type"], "client_credential");
        if v["appid"] != WX_APP {
            return wx_err(40013, "invalid appid");
        }
        if v["secret"] != WX_SECRET {
            return wx_err(40125, "invalid appsecret");
        }
        let force = v["force_refresh"]
            .as_bool()
            .expect("force_refresh is a bool");
        s.wx_token_requests.push(force);
        // Normal mode hands out the current token; a forced refresh (or
        // none yet) issues a new one and the old one stops working.
        if force || s.wx_token.is_none() {
            s.wx_tokens_issued += 1;
            s.wx_token = Some(format!("TOKEN-{}", s.wx_tokens_issued));
        }
        return json_answer(json!({"access_token": s.wx_token, "expires_in": 7200}));
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
            assert!(name.as_deref().unwrap_or("").ends_with(".jpg"));
            assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG thumb");
            assert!(bytes.len() <= 64 * 1024);
            let id = format!("THUMB-{}", s.wx_thumbs.len() + 1);
            s.wx_thumbs.push(id.clone());
            json_answer(json!({"media_id": id, "url": "http://mmbiz.qpic.cn/thumb"}))
        }
        "/cgi-bin/media/uploadimg" => {
            let f = multipart(headers, body);
            assert!(f["media"].1.len() < 1024 * 1024);
            s.wx_images += 1;
            json_answer(json!({"url": format!("http://mmbiz.qpic.cn/img-{}", s.wx_images)}))
        }
        "/cgi-bin/draft/add" => {
            let v: Value = serde_json::from_slice(body).expect("a JSON body");
            let a = &v["articles"][0];
            if a["title"].as_str().unwrap_or("").chars().count() > 32 {
                return wx_err(45003, "title size out of limit");
            }
            if a["digest"].as_str().unwrap_or("").chars().count() > 128
                || a["author"].as_str().unwrap_or("").chars().count() > 16
            {
                return wx_err(45166, "invalid content");
            }
            if a["content"].as_str().unwrap_or("").chars().count() >= 20_000 {
                return wx_err(45002, "content size out of limit");
            }
            assert!(
                s.wx_thumbs
                    .contains(&a["thumb_media_id"].as_str().unwrap_or("").to_string())
            );
            let id = format!("DRAFT-{}", s.wx_drafts.len() + 1);
            s.wx_drafts.insert(id.clone(), a.clone());
            json_answer(json!({"media_id": id}))
        }
        "/cgi-bin/freepublish/submit" => {
            let v: Value = serde_json::from_slice(body).expect("a JSON body");
            let Some(article) = s
                .wx_drafts
                .get(v["media_id"].as_str().unwrap_or(""))
                .cloned()
            else {
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
            json_answer(
                json!({"errcode": 0, "errmsg": "ok", "publish_id": format!("PUB-{n}"), "msg_data_id": n}),
            )
        }
        "/cgi-bin/freepublish/get" => {
            let v: Value = serde_json::from_slice(body).expect("a JSON body");
            let id = v["publish_id"].as_str().unwrap_or("");
            let Some(p) = s.wx_published.iter().find(|p| p["publish_id"] == id) else {
                return wx_err(40007, "invalid publish_id");
            };
            if s.wx_still_publishing > 0 {
                s.wx_still_publishing -= 1;
                return json_answer(json!({"publish_id": id, "publish_status": 1}));
            }
            let url = p["content"]["news_item"][0]["url"].clone();
            json_answer(json!({
                "publish_id": id, "publish_status": 0, "article_id": p["article_id"],
                "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": url}]}, "fail_idx": []
            }))
        }
        "/cgi-bin/freepublish/batchget" => {
            // Lists finished publications only.
            let items: Vec<Value> = s.wx_published.iter().rev().take(20).cloned().collect();
            json_answer(
                json!({"total_count": s.wx_published.len(), "item_count": items.len(), "item": items}),
            )
        }
        other => (StatusCode::NOT_FOUND, format!("no WeChat mock for {other}")).into_response(),
    }
}

// -------------------------------------------------------------- Weibo ---

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
            let (token, status, pic) = if header(headers, "content-type").starts_with("multipart/")
            {
                let f = multipart(headers, body);
                let pic = &f["pic"].1;
                assert!(pic.len() < 5 * 1024 * 1024 && pic.starts_with(&[0xFF, 0xD8]));
                (
                    String::from_utf8_lossy(&f["access_token"].1).to_string(),
                    String::from_utf8_lossy(&f["status"].1).to_string(),
                    true,
                )
            } else {
                let f: HashMap<String, String> =
                    serde_urlencoded::from_bytes(body).unwrap_or_default();
                (
                    f.get("access_token").cloned().unwrap_or_default(),
                    f.get("status").cloned().unwrap_or_default(),
                    false,
                )
            };
            if token != WB_TOKEN {
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
            json_answer(
                json!({"created_at": "Mon Nov 30 21:00:00 +0800 2026", "id": id.parse::<i64>().unwrap_or(0), "idstr": id, "mid": id, "text": shown}),
            )
        }
        "statuses/user_timeline.json" => {
            assert_eq!(q["access_token"], WB_TOKEN);
            let statuses: Vec<Value> = s
                .wb_posts
                .iter()
                .rev()
                .take(20)
                .map(|(id, t, _)| json!({"idstr": id, "id": id.parse::<i64>().unwrap_or(0), "text": t}))
                .collect();
            json_answer(json!({"statuses": statuses, "total_number": s.wb_posts.len()}))
        }
        other => (StatusCode::NOT_FOUND, format!("no Weibo mock for {other}")).into_response(),
    }
}

// ------------------------------------------------------------ webhook ---

fn hook(s: &mut MockState, headers: &HeaderMap, body: &[u8]) -> Response {
    let h = |k: &str| header(headers, k);
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let key = crate::notify::send::webhook_key(WHSEC).expect("a valid key");
    let expected = crate::notify::send::webhook_signature(
        &key,
        &id,
        ts.parse().unwrap_or(0),
        std::str::from_utf8(body).unwrap_or(""),
    );
    if sig != expected {
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    if s.hook_failures > 0 {
        s.hook_failures -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "try later").into_response();
    }
    let v: Value = serde_json::from_slice(body).unwrap_or_default();
    assert_eq!(v["type"], "content.published");
    s.hook_deliveries += 1;
    // Receivers deduplicate on webhook-id.
    if !s.hook_ids.contains(&id) {
        s.hook_ids.push(id);
    }
    StatusCode::NO_CONTENT.into_response()
}

// ------------------------------------------------------------- Douyin ---

fn dy(data: Value) -> Response {
    let mut data = data;
    data["error_code"] = json!(0);
    data["description"] = json!("");
    json_answer(
        json!({"data": data, "extra": {"error_code": 0, "description": "", "sub_error_code": 0, "sub_description": "", "logid": "mock", "now": 0}}),
    )
}

fn dy_err(code: i64, description: &str) -> Response {
    json_answer(json!({
        "data": {"error_code": code, "description": description},
        "extra": {"error_code": code, "description": description, "sub_error_code": 0, "sub_description": "", "logid": "mock", "now": 0}
    }))
}

fn douyin(
    s: &mut MockState,
    path: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let valid = s.dy_token.clone().unwrap_or_else(|| DY_TOKEN.into());
    if header(headers, "access-token") != valid {
        return dy_err(2190008, "access_token过期,请刷新或重新授权");
    }
    if q.get("open_id").map(String::as_str) != Some(DY_OPEN_ID) {
        return dy_err(2190015, "请求参数access_token openid不匹配");
    }
    let video_file = |headers: &HeaderMap, body: &[u8]| {
        let f = multipart(headers, body);
        f.get("video").map(|(_, b)| b.len()).filter(|n| *n > 0)
    };
    match path {
        "/video/upload/" => {
            let Some(len) = video_file(headers, body) else {
                return dy_err(2100005, "参数不合法");
            };
            if len > 128 * 1024 * 1024 {
                return dy_err(2100005, "视频超过 128 MB");
            }
            let id = format!("v0200f{}", s.dy_videos.len() + 1);
            s.dy_videos.insert(id.clone(), (len, false));
            dy(json!({"video": {"video_id": id, "width": 1080, "height": 1920}}))
        }
        "/video/part/init/" => {
            let id = format!("up-{}", s.dy_part_uploads.len() + 1);
            s.dy_part_uploads.insert(id.clone(), BTreeMap::new());
            dy(json!({"upload_id": id}))
        }
        "/video/part/upload/" => {
            let (Some(up), Some(n)) = (
                q.get("upload_id"),
                q.get("part_number").and_then(|n| n.parse::<u64>().ok()),
            ) else {
                return dy_err(2100005, "参数不合法");
            };
            let Some(len) = video_file(headers, body) else {
                return dy_err(2100005, "参数不合法");
            };
            match s.dy_part_uploads.get_mut(up) {
                Some(parts) => {
                    parts.insert(n, len);
                    dy(json!({}))
                }
                None => dy_err(2100005, "upload_id 无效"),
            }
        }
        "/video/part/complete/" => {
            let Some(parts) = q.get("upload_id").and_then(|u| s.dy_part_uploads.get(u)) else {
                return dy_err(2100005, "upload_id 无效");
            };
            let numbers: Vec<u64> = parts.keys().copied().collect();
            if numbers.is_empty() || numbers != (1..=numbers.len() as u64).collect::<Vec<_>>() {
                return dy_err(2100005, "分片不完整");
            }
            let len = parts.values().sum();
            let id = format!("v0200f{}", s.dy_videos.len() + 1);
            s.dy_videos.insert(id.clone(), (len, false));
            dy(json!({"video": {"video_id": id, "width": 1080, "height": 1920}}))
        }
        "/video/create/" => {
            let v: Value = serde_json::from_slice(body).unwrap_or_default();
            let id = v["video_id"].as_str().unwrap_or("");
            match s.dy_videos.get_mut(id) {
                Some((_, used)) if !*used => *used = true,
                _ => return dy_err(2100005, "video_id 无效或已使用"),
            }
            let text = v["text"].as_str().unwrap_or("").to_string();
            let item = format!("@9VwL{}", s.dy_posts.len() + 1);
            s.dy_posts.push((item.clone(), text));
            dy(json!({"item_id": item}))
        }
        "/video/list/" => {
            let list: Vec<Value> = s
                .dy_posts
                .iter()
                .rev()
                .take(20)
                .map(|(id, t)| json!({"item_id": id, "title": t, "share_url": format!("https://www.iesdouyin.com/share/video/{id}"), "video_status": 5}))
                .collect();
            dy(json!({"list": list, "has_more": false, "cursor": 0}))
        }
        other => (StatusCode::NOT_FOUND, format!("no Douyin mock for {other}")).into_response(),
    }
}

// ----------------------------------------------------------- Bilibili ---

fn bili(data: Value) -> Response {
    json_answer(json!({"code": 0, "message": "0", "request_id": "mock", "data": data}))
}

fn bili_err(code: i64, message: &str) -> Response {
    json_answer(json!({"code": code, "message": message, "request_id": "mock"}))
}

fn bilibili(
    s: &mut MockState,
    path: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let valid = s.bili_token.clone().unwrap_or_else(|| BILI_TOKEN.into());
    if header(headers, "access-token") != valid {
        return bili_err(127001, "access_token验证错误");
    }
    // The upload host authenticates parts by their upload token.
    if path.starts_with("/arcopen/") {
        if q.get("client_id").map(String::as_str) != Some(BILI_CLIENT) {
            return bili_err(127004, "client_id验证错误");
        }
        if let Some(why) = bili_signature_error(s, headers, body) {
            return bili_err(127002, why);
        }
    }
    let utoken = q.get("upload_token").cloned().unwrap_or_default();
    match path {
        "/arcopen/fn/archive/video/init" => {
            let v: Value = serde_json::from_slice(body).unwrap_or_default();
            if v["utype"] != "0" || v["name"].as_str().is_none_or(str::is_empty) {
                return bili_err(127100, "请求参数错误");
            }
            let t = format!("UT-{}", s.bili_uploads.len() + 1);
            s.bili_uploads.insert(t.clone(), BiliUpload::default());
            bili(json!({"upload_token": t}))
        }
        "/video/v2/part/upload" => {
            let Some(n) = q.get("part_number").and_then(|n| n.parse::<u64>().ok()) else {
                return bili_err(127100, "请求参数错误");
            };
            if body.is_empty() || body.len() > 8 * 1024 * 1024 {
                return bili_err(127100, "分片大小错误");
            }
            match s.bili_uploads.get_mut(&utoken) {
                Some(u) if !u.completed => {
                    u.parts.insert(n, body.len());
                    bili(json!({}))
                }
                _ => bili_err(127022, "upload_token验证错误"),
            }
        }
        "/arcopen/fn/archive/video/complete" => match s.bili_uploads.get_mut(&utoken) {
            Some(u) => {
                let n: Vec<u64> = u.parts.keys().copied().collect();
                if n.is_empty() || n != (1..=n.len() as u64).collect::<Vec<_>>() {
                    return bili_err(127100, "分片不完整");
                }
                u.completed = true;
                bili(json!({}))
            }
            None => bili_err(127022, "upload_token验证错误"),
        },
        "/arcopen/fn/archive/cover/upload" => {
            let f = multipart(headers, body);
            match f.get("file") {
                Some((_, b)) if b.starts_with(&[0xFF, 0xD8]) || b.starts_with(b"\x89PNG") => {
                    s.bili_covers += 1;
                    bili(
                        json!({"url": format!("https://archive.biliimg.com/bfs/cover-{}.jpg", s.bili_covers)}),
                    )
                }
                _ => bili_err(127102, "文件类型错误"),
            }
        }
        "/arcopen/fn/archive/add-by-utoken" => {
            match s.bili_uploads.get(&utoken) {
                Some(u) if u.completed && !u.used => {}
                _ => return bili_err(127022, "upload_token验证错误"),
            }
            let v: Value = serde_json::from_slice(body).unwrap_or_default();
            let title = v["title"].as_str().unwrap_or("").to_string();
            if title.is_empty()
                || title.chars().count() > 80
                || v["desc"].as_str().unwrap_or("").chars().count() > 2000
                || !v["tid"].is_i64()
            {
                return bili_err(127100, "请求参数错误");
            }
            if let Some(u) = s.bili_uploads.get_mut(&utoken) {
                u.used = true;
            }
            let id = format!("BV1mock{}", s.bili_archives.len() + 1);
            s.bili_archives.push((id.clone(), title, v));
            bili(json!({"resource_id": id}))
        }
        "/arcopen/fn/archive/viewlist" => {
            // Archives under review are listed too.
            let list: Vec<Value> = s
                .bili_archives
                .iter()
                .rev()
                .take(20)
                .map(|(id, t, _)| json!({"resource_id": id, "title": t, "state": -30}))
                .collect();
            bili(json!({"list": list, "page": {"pn": 1, "ps": 20, "total": s.bili_archives.len()}}))
        }
        other => (
            StatusCode::NOT_FOUND,
            format!("no Bilibili mock for {other}"),
        )
            .into_response(),
    }
}

// ----------------------------------------------------------- Kuaishou ---

fn ks_err(code: i64, msg: &str) -> Response {
    json_answer(json!({"result": code, "error_msg": msg}))
}

fn kuaishou(
    s: &mut MockState,
    path: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let utoken = q.get("upload_token").cloned().unwrap_or_default();
    if path == "/api/upload/fragment" {
        let Some(n) = q.get("fragment_id").and_then(|n| n.parse::<u64>().ok()) else {
            return ks_err(100200100, "缺少 fragment_id");
        };
        if !s.ks_uploads.contains_key(&utoken) {
            return ks_err(100200100, "upload_token 无效");
        }
        if body.is_empty() {
            return ks_err(100200100, "分片为空");
        }
        s.ks_fragments
            .entry(utoken)
            .or_default()
            .insert(n, body.len());
        return json_answer(json!({"result": 1}));
    }
    if path == "/api/upload/complete" {
        let count = q.get("fragment_count").and_then(|n| n.parse::<u64>().ok());
        let parts = s.ks_fragments.get(&utoken).cloned().unwrap_or_default();
        // Every fragment 0..count, none missing.
        let whole = count.is_some_and(|c| c > 0 && parts.keys().copied().eq(0..c));
        return match s.ks_uploads.get_mut(&utoken) {
            Some(slot) if whole => {
                *slot = Some(parts.values().sum());
                json_answer(json!({"result": 1}))
            }
            Some(_) => ks_err(100200100, "分片不完整"),
            None => ks_err(100200100, "upload_token 无效"),
        };
    }
    if path == "/api/upload/multipart" {
        // The upload endpoint authenticates by upload token only.
        let f = multipart(headers, body);
        return match (s.ks_uploads.get_mut(&utoken), f.get("file")) {
            (Some(slot), Some((_, b))) if !b.is_empty() => {
                *slot = Some(b.len());
                json_answer(json!({"result": 1}))
            }
            (None, _) => ks_err(100200100, "upload_token 无效"),
            _ => ks_err(100200100, "缺少文件"),
        };
    }
    let valid = s.ks_token.clone().unwrap_or_else(|| KS_TOKEN.into());
    if q.get("app_id").map(String::as_str) != Some(KS_APP) {
        return ks_err(100200100, "app_id 无效");
    }
    if q.get("access_token") != Some(&valid) {
        return ks_err(100200101, "access_token 已过期");
    }
    match path {
        "/openapi/photo/start_upload" => {
            s.ks_upload_seq += 1;
            let t = format!("KT-{}", s.ks_upload_seq);
            s.ks_uploads.insert(t.clone(), None);
            let endpoint = s.base.trim_start_matches("http://").to_string();
            json_answer(json!({"result": 1, "upload_token": t, "endpoint": endpoint}))
        }
        "/openapi/photo/publish" => {
            match s.ks_uploads.get(&utoken) {
                Some(Some(_)) => {}
                _ => return ks_err(100200100, "视频未上传"),
            }
            let f = multipart(headers, body);
            let caption = f
                .get("caption")
                .map(|(_, b)| String::from_utf8_lossy(b).to_string())
                .unwrap_or_default();
            let cover = f.get("cover").map(|(_, b)| b.len());
            if cover.is_some_and(|n| n >= 10 * 1024 * 1024) {
                return ks_err(100200100, "封面过大");
            }
            // One post per upload token.
            s.ks_uploads.remove(&utoken);
            let id = format!("KS{}", s.ks_posts.len() + 1);
            s.ks_posts
                .push((id.clone(), caption.clone(), cover.is_some()));
            json_answer(json!({"result": 1, "video_info": {
                "photo_id": id, "caption": caption,
                "play_url": format!("https://www.kuaishou.com/short-video/{id}"),
            }}))
        }
        "/openapi/photo/list" => {
            let list: Vec<Value> = s
                .ks_posts
                .iter()
                .rev()
                .take(20)
                .map(|(id, c, _)| json!({"photo_id": id, "caption": c, "play_url": format!("https://www.kuaishou.com/short-video/{id}")}))
                .collect();
            json_answer(json!({"result": 1, "video_list": list}))
        }
        other => (
            StatusCode::NOT_FOUND,
            format!("no Kuaishou mock for {other}"),
        )
            .into_response(),
    }
}
