//! One module per platform API. An adapter publishes one outbox job: it
//! reads what earlier attempts already did from the job's checkpoint,
//! records each platform id as soon as it has it, and marks a step
//! "in flight" before any request that makes something public, so that a
//! retry after an unknown outcome (timeout, crash) first asks the platform
//! whether it already happened instead of posting again.

pub mod bilibili;
pub mod douyin;
pub(crate) mod grant;
pub mod kuaishou;
pub mod webhook;
pub mod wechat;
pub mod weibo;

use super::channels::{ChannelAccount, ChannelKind};
use super::content::MediaRef;
use super::secrets::SecretKey;
use crate::clock::Clock;
use crate::store::{Publication, Store};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Where the content ended up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Posted {
    pub remote_id: Option<String>,
    pub url: Option<String>,
}

/// Why an attempt did not publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Try again later: network error, timeout, 5xx, "system busy".
    Busy {
        message: String,
        retry_after: Option<Duration>,
    },
    /// The platform limits our rate (429, Weibo 10022/10023/20016).
    RateLimited {
        message: String,
        retry_after: Option<Duration>,
    },
    /// A daily quota is used up (WeChat 45009): the channel waits until the
    /// next day (Beijing time).
    Quota { message: String },
    /// The access token expired or was replaced (WeChat 40001/40014/42001):
    /// refresh it and retry once.
    TokenExpired { message: String },
    /// Accepted, still being processed (WeChat publishing): ask again later.
    InProgress { message: String },
    /// The platform refused the content or the account is misconfigured:
    /// sending again would not help.
    Permanent { message: String },
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Busy { message, .. }
            | Failure::RateLimited { message, .. }
            | Failure::Quota { message }
            | Failure::TokenExpired { message }
            | Failure::InProgress { message }
            | Failure::Permanent { message } => message,
        }
    }

    pub fn busy(message: impl Into<String>) -> Self {
        Failure::Busy {
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Failure::Permanent {
            message: message.into(),
        }
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::busy(format!("数据库错误：{e}"))
    }
}

/// What an adapter works with for one job.
pub struct JobContext<'a> {
    pub http: &'a reqwest::Client,
    pub store: &'a Store,
    pub key: &'a SecretKey,
    pub clock: &'a dyn Clock,
    pub channel: &'a ChannelAccount,
    /// The channel's opened secret (AppSecret, access token, whsec_ key).
    pub secret: Option<String>,
    /// The app's own opened secret (Kuaishou refresh, Bilibili signatures).
    pub app_secret: Option<String>,
    pub publication: &'a Publication,
    /// Platform ids of finished steps; adapters read and extend it and call
    /// [`JobContext::save`] after each step.
    pub checkpoint: serde_json::Value,
    pub owner: &'a str,
    pub lease: chrono::TimeDelta,
    /// The platform just rejected the access token in use: get a new one
    /// (WeChat `force_refresh`, a video platform's refresh token) unless
    /// another worker already has.
    pub token_rejected: bool,
    /// The access token this job last called with.
    pub used_token: std::sync::Mutex<Option<String>>,
}

impl JobContext<'_> {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.checkpoint.get(key).and_then(|v| v.as_str())
    }

    /// A counter of the checkpoint (parts uploaded, attempts): 0 when unset.
    pub fn count(&self, key: &str) -> u64 {
        self.checkpoint
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    }

    pub fn set(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        if !self.checkpoint.is_object() {
            self.checkpoint = serde_json::json!({});
        }
        self.checkpoint[key] = value.into();
    }

    pub fn remove(&mut self, key: &str) {
        if let Some(m) = self.checkpoint.as_object_mut() {
            m.remove(key);
        }
    }

    /// Persist the checkpoint (and extend the lease) before going on; if the
    /// job is no longer ours (our lease ran out and another worker took it),
    /// stop at once.
    pub async fn save(&self, note: Option<&str>) -> Result<(), Failure> {
        let now = self.now();
        let ours = self
            .store
            .syn_save_checkpoint(self.publication.id, self.owner, &self.checkpoint, now, note)
            .await?
            && self
                .store
                .syn_renew(self.publication.id, self.owner, now + self.lease)
                .await?;
        if ours {
            Ok(())
        } else {
            Err(Failure::busy("任务已被其他进程接管"))
        }
    }

    /// The access token the job last called with (the one a refusal
    /// refers to).
    pub fn token_used(&self) -> Option<String> {
        self.used_token.lock().map(|t| t.clone()).unwrap_or(None)
    }

    pub fn note_token(&self, token: &str) {
        if let Ok(mut t) = self.used_token.lock() {
            *t = Some(token.to_string());
        }
    }

    pub fn secret(&self) -> Result<&str, Failure> {
        self.secret
            .as_deref()
            .ok_or_else(|| Failure::permanent(format!("渠道「{}」未配置密钥", self.channel.name)))
    }
}

/// Publish the job on its channel's platform.
pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    match ctx.channel.kind {
        ChannelKind::Webhook => webhook::publish(ctx).await,
        ChannelKind::Website => webhook::publish_website(ctx).await,
        ChannelKind::Wechat => wechat::publish(ctx).await,
        ChannelKind::Weibo => weibo::publish(ctx).await,
        ChannelKind::Douyin => douyin::publish(ctx).await,
        ChannelKind::Kuaishou => kuaishou::publish(ctx).await,
        ChannelKind::Bilibili => bilibili::publish(ctx).await,
    }
}

/// `base` + `path` with the query pairs appended, encoded.
pub(crate) fn api_url(base: &str, path: &str, pairs: &[(&str, &str)]) -> Result<url::Url, Failure> {
    let mut u = url::Url::parse(&format!("{base}{path}"))
        .map_err(|_| Failure::permanent(format!("渠道接口地址无效：{base}")))?;
    if !pairs.is_empty() {
        u.query_pairs_mut().extend_pairs(pairs);
    }
    Ok(u)
}

/// Where a video platform's JSON answer keeps its result: JSON pointers
/// to the result code, its message and the payload returned on success.
pub(crate) struct Envelope {
    /// The platform's name in messages (抖音, 快手, B站).
    pub platform: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    /// The code that means success.
    pub ok: i64,
    /// The payload on success; "" is the whole answer.
    pub data: &'static str,
}

/// Sends a request to a video platform and returns the payload of a
/// successful answer; otherwise the failure its code (through `classify`),
/// its HTTP status or its unreadable body means.
pub(crate) async fn call_platform(
    request: reqwest::RequestBuilder,
    envelope: &Envelope,
    classify: fn(i64, &str, Option<Duration>) -> Failure,
) -> Result<serde_json::Value, Failure> {
    use serde_json::Value;
    let r = request.send().await.map_err(network_failure)?;
    let (status, text, ra) = read_response(r).await;
    if status.as_u16() == 429 || status.is_server_error() {
        return Err(http_failure(status, &text, ra));
    }
    let v: Option<Value> = serde_json::from_str(&text).ok();
    let field = |pointer: &str| v.as_ref().and_then(|v| v.pointer(pointer));
    match field(envelope.code).and_then(Value::as_i64) {
        Some(c) if c == envelope.ok && status.is_success() => {
            Ok(field(envelope.data).cloned().unwrap_or_default())
        }
        Some(c) if c != envelope.ok => Err(classify(
            c,
            field(envelope.message)
                .and_then(Value::as_str)
                .unwrap_or(""),
            ra,
        )),
        _ if !status.is_success() => Err(http_failure(status, &text, ra)),
        _ => {
            let snippet: String = text.chars().take(200).collect();
            Err(Failure::busy(format!(
                "无法识别的{}应答：{snippet}",
                envelope.platform
            )))
        }
    }
}

/// Result codes a video platform answers, by what they mean for a job.
pub(crate) struct Codes<'a> {
    pub token_invalid: &'a [i64],
    pub busy: &'a [i64],
    pub quota: &'a [i64],
}

impl Codes<'_> {
    /// The failure `code` means; `message` already names the platform and
    /// the code. A refused access token is refreshed with the grant's
    /// refresh token and the job retried once (`grant`).
    pub(crate) fn failure(
        &self,
        code: i64,
        message: String,
        retry_after: Option<Duration>,
    ) -> Failure {
        if self.token_invalid.contains(&code) {
            Failure::TokenExpired {
                message: format!("{message}（访问令牌无效或已过期）"),
            }
        } else if self.busy.contains(&code) {
            Failure::Busy {
                message,
                retry_after,
            }
        } else if self.quota.contains(&code) {
            Failure::Quota { message }
        } else {
            Failure::permanent(message)
        }
    }
}

/// A request's network error, without its URL (it may hold a token).
pub(crate) fn network_failure(e: reqwest::Error) -> Failure {
    let e = e.without_url();
    let what = if e.is_timeout() {
        "超时（结果未知）"
    } else if e.is_connect() {
        "连接失败"
    } else {
        "网络错误"
    };
    Failure::busy(format!("{what}：{e}"))
}

/// The `Retry-After` seconds of a response.
pub(crate) fn retry_after(r: &reqwest::Response) -> Option<Duration> {
    r.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Classify an HTTP status that is not a success.
pub(crate) fn http_failure(
    status: reqwest::StatusCode,
    body: &str,
    ra: Option<Duration>,
) -> Failure {
    let snippet: String = body.chars().take(200).collect();
    let message = format!("HTTP {} {snippet}", status.as_u16());
    if status.as_u16() == 429 {
        Failure::RateLimited {
            message,
            retry_after: ra,
        }
    } else if status.is_server_error() || status.as_u16() == 408 {
        Failure::Busy {
            message,
            retry_after: ra,
        }
    } else {
        Failure::Permanent { message }
    }
}

/// The URL of one step of a platform's flow: the channel's override
/// (`settings.paths[step]`) or `default`, under the API base unless it is a
/// full URL.
pub(crate) fn step_url(
    ctx: &JobContext<'_>,
    step: &str,
    default: &str,
    pairs: &[(&str, &str)],
) -> Result<url::Url, Failure> {
    resolve_step(
        &ctx.channel.api_base(),
        &ctx.channel.settings.paths,
        step,
        default,
        pairs,
    )
}

fn resolve_step(
    base: &str,
    paths: &std::collections::BTreeMap<String, String>,
    step: &str,
    default: &str,
    pairs: &[(&str, &str)],
) -> Result<url::Url, Failure> {
    let path = paths.get(step).map(String::as_str).unwrap_or(default);
    if path.starts_with("http://") || path.starts_with("https://") {
        api_url(path, "", pairs)
    } else {
        api_url(base, path, pairs)
    }
}

/// The job's video (video platforms publish nothing else).
pub(crate) fn video(ctx: &JobContext<'_>) -> Result<MediaRef, Failure> {
    ctx.publication.variant.video.clone().ok_or_else(|| {
        Failure::permanent(format!(
            "{}只发布视频，该内容没有视频",
            ctx.channel.kind.zh()
        ))
    })
}

/// `len` bytes of a media file from `offset` (chunked uploads read one part
/// at a time instead of the whole video).
pub(crate) fn read_part(media: &MediaRef, offset: u64, len: u64) -> Result<Vec<u8>, Failure> {
    use std::io::{Read, Seek, SeekFrom};
    let fail = |e: std::io::Error| Failure::permanent(format!("媒体文件无法读取：{e}"));
    let mut f = std::fs::File::open(&media.path).map_err(fail)?;
    f.seek(SeekFrom::Start(offset)).map_err(fail)?;
    let mut out = Vec::with_capacity(len.min(64 << 20) as usize);
    f.take(len).read_to_end(&mut out).map_err(fail)?;
    Ok(out)
}

/// The size of a media file on disk (the recorded size may be stale).
pub(crate) fn file_size(media: &MediaRef) -> Result<u64, Failure> {
    std::fs::metadata(&media.path)
        .map(|m| m.len())
        .map_err(|e| Failure::permanent(format!("媒体文件无法读取：{e}")))
}

/// A multipart file part.
pub(crate) fn file_part(
    bytes: Vec<u8>,
    name: String,
    mime: &str,
) -> Result<reqwest::multipart::Part, Failure> {
    reqwest::multipart::Part::bytes(bytes)
        .file_name(name)
        .mime_str(mime)
        .map_err(|_| Failure::permanent(format!("媒体类型无效：{mime}")))
}

/// Status, body and `Retry-After` of a response.
pub(crate) async fn read_response(
    r: reqwest::Response,
) -> (reqwest::StatusCode, String, Option<Duration>) {
    let status = r.status();
    let ra = retry_after(&r);
    (status, r.text().await.unwrap_or_default(), ra)
}

/// Checkpoint key: how often the post was looked for in vain after an
/// unknown outcome.
pub(crate) const MISSES: &str = "reconcile_misses";

/// The public step's outcome was unknown (timeout, crash) and the post is
/// not (yet) in the account's list. Look once more a backoff later (lists
/// can lag); then stop and ask a human instead of risking a second public
/// post. The in-flight mark is dropped with that failure, so "retry
/// failed", after the human has checked, posts again.
pub(crate) async fn not_found_after_unknown(ctx: &mut JobContext<'_>, in_flight: &str) -> Failure {
    let misses = ctx
        .checkpoint
        .get(MISSES)
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0)
        + 1;
    if misses < 2 {
        ctx.set(MISSES, misses);
        if let Err(f) = ctx
            .save(Some("上次发布结果未知，且暂未在账号作品列表中找到"))
            .await
        {
            return f;
        }
        return Failure::busy("上次发布结果未知，稍后再次核实");
    }
    ctx.remove(MISSES);
    ctx.remove(in_flight);
    if let Err(f) = ctx.save(None).await {
        return f;
    }
    Failure::permanent(format!(
        "{}：上次发布请求结果未知，两次核实均未在账号作品列表中找到。为避免重复发布已停止，请到平台核实；确认未发布后再点「重试」",
        ctx.channel.kind.zh()
    ))
}

/// The post was found on the platform after an unknown outcome.
pub(crate) async fn found_after_unknown(
    ctx: &mut JobContext<'_>,
    id_key: &str,
    posted: &Posted,
) -> Result<(), Failure> {
    ctx.set(id_key, posted.remote_id.clone().unwrap_or_default());
    ctx.remove(MISSES);
    ctx.save(Some("已在平台找到此前发布的作品，不再重复发布"))
        .await
}

/// Compare captions and titles the way platforms show them back: without
/// blanks.
pub(crate) fn comparable(text: &str) -> String {
    text.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_use_the_channel_override_a_path_or_a_full_url() {
        let mut paths = std::collections::BTreeMap::new();
        paths.insert("publish".to_string(), "/v2/photo/publish".to_string());
        paths.insert(
            "part_upload".to_string(),
            "https://up.example.com/part".to_string(),
        );
        let base = "https://open.kuaishou.com";
        let url = |step, default| {
            resolve_step(base, &paths, step, default, &[("upload_token", "a b")])
                .unwrap()
                .to_string()
        };
        assert_eq!(
            url("publish", "/openapi/photo/publish"),
            "https://open.kuaishou.com/v2/photo/publish?upload_token=a+b"
        );
        assert_eq!(
            url("start_upload", "/openapi/photo/start_upload"),
            "https://open.kuaishou.com/openapi/photo/start_upload?upload_token=a+b"
        );
        assert_eq!(
            url("part_upload", "/x"),
            "https://up.example.com/part?upload_token=a+b"
        );
    }
}
