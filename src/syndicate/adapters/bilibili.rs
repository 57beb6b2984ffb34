//! Bilibili open platform (B站): `video/init` (chunked, `utype` 0) →
//! 8 MB parts to the upload host (`part_upload`) → `video/complete` →
//! cover upload → `add-by-utoken` submits the archive. Bilibili reviews
//! every submission before it is public: the job ends `published` with the
//! archive's id once it is *submitted*, and its attempt log says it awaits
//! review; the `video_open` / `video_fail` webhooks then report the outcome
//! (`crate::syndicate::review_hooks`).
//!
//! Every open-platform request is signed (`x-bili-*` headers, HMAC-SHA256
//! with the app secret); the part uploads to the upload host authenticate
//! by their upload token.
//!
//! The upload token, each finished part, completion and the cover URL are
//! checkpointed at once. Submitting is marked in flight first; after an
//! unknown outcome the account's archives (`viewlist`, which includes
//! those under review) are searched for the title — twice, a backoff apart
//! — and if it is not there the job stops and asks for a check by hand.

use super::{
    Codes, Envelope, Failure, JobContext, Posted, call_platform, comparable, file_size,
    found_after_unknown, not_found_after_unknown, read_part, step_url, video,
};
use serde_json::{Value, json};
use std::time::Duration;

const UPLOAD_TOKEN: &str = "upload_token";
const PARTS: &str = "parts_done";
const COMPLETED: &str = "upload_completed";
const COVER_URL: &str = "cover_url";
const SUBMIT_SENT: &str = "submit_sent_at";
const RESOURCE_ID: &str = "resource_id";

/// Part size of the chunked upload.
pub const PART_SIZE: u64 = 8 * 1024 * 1024;
/// The partition videos are filed under unless the channel says otherwise
/// (校园学习).
pub const DEFAULT_CATEGORY: i64 = 208;

/// Status codes of the open platform we act on.
pub const TOKEN_INVALID: &[i64] = &[127001, 127011];
pub const BUSY: &[i64] = &[127201];
/// "API call count reached its limit": a daily cap, so the channel waits
/// for the next day.
pub const QUOTA: &[i64] = &[127009];

/// The failure a status code means.
pub fn classify(code: i64, message: &str, retry_after: Option<Duration>) -> Failure {
    let hint = match code {
        127004 => "（client_id 验证错误）",
        127007 => "（应用无该接口权限）",
        127022 => "（upload_token 验证错误）",
        127100 => "（请求参数错误）",
        127102 => "（文件类型错误）",
        127207 => "（此分区暂不可用）",
        _ => "",
    };
    CODES.failure(
        code,
        format!("B站错误 {code}：{message}{hint}"),
        retry_after,
    )
}

const ENVELOPE: Envelope = Envelope {
    platform: "B站",
    code: "/code",
    message: "/message",
    ok: 0,
    data: "/data",
};
const CODES: Codes = Codes {
    token_invalid: TOKEN_INVALID,
    busy: BUSY,
    quota: QUOTA,
};

/// `data` of a successful answer (`code` 0), else the failure.
async fn call(request: reqwest::RequestBuilder) -> Result<Value, Failure> {
    call_platform(request, &ENVELOPE, classify).await
}

fn archive_url(id: &str) -> String {
    format!("https://www.bilibili.com/video/{id}")
}

/// A request body, serialised before sending because the signature
/// covers its MD5.
enum Body<'a> {
    Empty,
    Json(&'a Value),
    /// One file field of a multipart form.
    File {
        field: &'a str,
        name: String,
        mime: &'a str,
        bytes: Vec<u8>,
    },
}

impl Body<'_> {
    /// The bytes and their content type.
    fn encode(self) -> (Vec<u8>, String) {
        match self {
            Body::Empty => (Vec::new(), "application/json".into()),
            Body::Json(v) => (v.to_string().into_bytes(), "application/json".into()),
            Body::File {
                field,
                name,
                mime,
                bytes,
            } => {
                let boundary = format!("yuqing{:016x}", rand::random::<u64>());
                let name = name.replace(['"', '\r', '\n'], "_");
                let mut out = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                     filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
                )
                .into_bytes();
                out.extend_from_slice(&bytes);
                out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
                (out, format!("multipart/form-data; boundary={boundary}"))
            }
        }
    }
}

/// The open platform's signature headers (version 2.0): the `x-bili-*`
/// headers sorted by name as `name:value` lines, HMAC-SHA256 with the
/// app secret, hex, in `Authorization`. `x-bili-content-md5` binds the
/// body; timestamp and nonce stop replays.
pub fn signature_headers(
    client_id: &str,
    app_secret: &str,
    body: &[u8],
    timestamp: i64,
    nonce: &str,
) -> Vec<(&'static str, String)> {
    use hmac::{Hmac, KeyInit, Mac};
    use md5::{Digest, Md5};
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    // Sorted by name.
    let signed = [
        ("x-bili-accesskeyid", client_id.to_string()),
        ("x-bili-content-md5", hex(&Md5::digest(body))),
        ("x-bili-signature-method", "HMAC-SHA256".to_string()),
        ("x-bili-signature-nonce", nonce.to_string()),
        ("x-bili-signature-version", "2.0".to_string()),
        ("x-bili-timestamp", timestamp.to_string()),
    ];
    let text = signed
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(text.as_bytes());
    let mut out = signed.to_vec();
    out.push(("Authorization", hex(&mac.finalize().into_bytes())));
    out
}

/// A signed POST to a step, with the user's token and the app's client id.
fn request(
    ctx: &JobContext<'_>,
    token: &str,
    step: &str,
    default: &str,
    pairs: &[(&str, &str)],
    body: Body<'_>,
) -> Result<reqwest::RequestBuilder, Failure> {
    let client_id = client_id(ctx)?;
    let mut q: Vec<(&str, &str)> = pairs.to_vec();
    q.push(("client_id", client_id));
    let request = ctx
        .http
        .post(step_url(ctx, step, default, &q)?)
        .header("access-token", token);
    sign(ctx, request, body)
}

fn client_id<'c>(ctx: &'c JobContext<'_>) -> Result<&'c str, Failure> {
    ctx.channel
        .settings
        .app_id
        .as_deref()
        .ok_or_else(|| Failure::permanent("B站账号未配置 app_id（client_id）"))
}

/// Add the signature headers and the body to a request.
fn sign(
    ctx: &JobContext<'_>,
    request: reqwest::RequestBuilder,
    body: Body<'_>,
) -> Result<reqwest::RequestBuilder, Failure> {
    let app_secret = ctx
        .app_secret
        .as_deref()
        .ok_or_else(|| Failure::permanent("B站账号未配置 app_secret，无法签名请求"))?;
    let (bytes, content_type) = body.encode();
    // The platform compares the timestamp with its own clock: real time,
    // not the job's clock.
    let timestamp = chrono::Utc::now().timestamp();
    let nonce = format!("{:032x}", rand::random::<u128>());
    let mut request = request
        .header("accept", "application/json")
        .header("content-type", content_type);
    for (k, v) in signature_headers(client_id(ctx)?, app_secret, &bytes, timestamp, &nonce) {
        request = request.header(k, v);
    }
    Ok(request.body(bytes))
}

/// Refresh the grant (`x/account-oauth2/v1/refresh_token`, on the
/// account API host: a full URL, overridable as the `refresh_token`
/// step). `expires_in` may come as an absolute Unix time; `grant` takes
/// both.
pub(crate) async fn refresh(
    ctx: &JobContext<'_>,
    refresh_token: &str,
) -> Result<super::grant::Fresh, Failure> {
    let client_id = client_id(ctx)?;
    let app_secret = ctx
        .app_secret
        .as_deref()
        .ok_or_else(|| Failure::permanent("B站账号未配置 app_secret，无法刷新令牌"))?;
    let url = step_url(
        ctx,
        "refresh_token",
        "https://api.bilibili.com/x/account-oauth2/v1/refresh_token",
        &[
            ("client_id", client_id),
            ("client_secret", app_secret),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )?;
    let data = call(ctx.http.post(url)).await?;
    super::grant::fresh_from(&data, "B站", "expires_in", "refresh_expires_in")
}

/// Our archive among the account's latest ones (any state), by its title.
async fn find_submitted(ctx: &JobContext<'_>, token: &str) -> Result<Option<Posted>, Failure> {
    let q = [
        ("pn", "1"),
        ("ps", "20"),
        ("status", "all"),
        ("client_id", client_id(ctx)?),
    ];
    let url = step_url(ctx, "list", "/arcopen/fn/archive/viewlist", &q)?;
    let data = call(sign(
        ctx,
        ctx.http.get(url).header("access-token", token),
        Body::Empty,
    )?)
    .await?;
    let ours = comparable(&ctx.publication.variant.title);
    let items = data
        .get("list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(items
        .iter()
        .find(|i| i.get("title").and_then(Value::as_str).map(comparable) == Some(ours.clone()))
        .and_then(|i| i.get("resource_id").and_then(Value::as_str))
        .map(|id| Posted {
            remote_id: Some(id.to_string()),
            url: Some(archive_url(id)),
        }))
}

pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    if let Some(id) = ctx.get(RESOURCE_ID) {
        return Ok(Posted {
            remote_id: Some(id.to_string()),
            url: Some(archive_url(id)),
        });
    }
    let token = super::grant::access_token(ctx).await?;
    let media = video(ctx)?;
    let variant = ctx.publication.variant.clone();

    // 1. An upload token for the file.
    let utoken = match ctx.get(UPLOAD_TOKEN) {
        Some(t) => t.to_string(),
        None => {
            let data = call(request(
                ctx,
                &token,
                "init",
                "/arcopen/fn/archive/video/init",
                &[],
                Body::Json(&json!({"name": media.file_name(), "utype": "0"})),
            )?)
            .await?;
            let t = data
                .get("upload_token")
                .and_then(Value::as_str)
                .ok_or_else(|| Failure::busy("B站应答缺少 upload_token"))?
                .to_string();
            ctx.set(UPLOAD_TOKEN, t.clone());
            ctx.set(PARTS, 0);
            ctx.save(None).await?;
            t
        }
    };

    // 2. The parts (a part sent twice replaces itself), then completion.
    if ctx.checkpoint.get(COMPLETED).is_none() {
        let size = file_size(&media)?;
        let parts = size.div_ceil(PART_SIZE).max(1);
        let done = ctx.count(PARTS);
        for n in done + 1..=parts {
            let bytes = read_part(&media, (n - 1) * PART_SIZE, PART_SIZE)?;
            let part = n.to_string();
            let url = step_url(
                ctx,
                "part_upload",
                "https://openupos.bilivideo.com/video/v2/part/upload",
                &[
                    ("upload_token", utoken.as_str()),
                    ("part_number", part.as_str()),
                ],
            )?;
            call(
                ctx.http
                    .post(url)
                    .header("access-token", &token)
                    .header("content-type", "application/octet-stream")
                    .body(bytes),
            )
            .await?;
            ctx.set(PARTS, n);
            ctx.save(None).await?;
        }
        call(request(
            ctx,
            &token,
            "complete",
            "/arcopen/fn/archive/video/complete",
            &[("upload_token", utoken.as_str())],
            Body::Empty,
        )?)
        .await?;
        ctx.set(COMPLETED, true);
        ctx.save(Some("视频已上传")).await?;
    }

    // 3. The cover, when there is one (else Bilibili picks a frame).
    let cover = match (ctx.get(COVER_URL), &variant.cover) {
        (Some(u), _) => Some(u.to_string()),
        (None, Some(c)) => {
            let bytes = c
                .read()
                .map_err(|e| Failure::permanent(format!("封面图无法读取：{e}")))?;
            let data = call(request(
                ctx,
                &token,
                "cover",
                "/arcopen/fn/archive/cover/upload",
                &[],
                Body::File {
                    field: "file",
                    name: c.file_name(),
                    mime: &c.mime,
                    bytes,
                },
            )?)
            .await?;
            let u = data
                .get("url")
                .and_then(Value::as_str)
                .ok_or_else(|| Failure::busy("B站应答缺少封面地址"))?
                .to_string();
            ctx.set(COVER_URL, u.clone());
            ctx.save(None).await?;
            Some(u)
        }
        (None, None) => None,
    };

    // 4. Submit, unless an earlier attempt may have.
    if ctx.get(SUBMIT_SENT).is_some() {
        if let Some(p) = find_submitted(ctx, &token).await? {
            found_after_unknown(ctx, RESOURCE_ID, &p).await?;
            return Ok(p);
        }
        return Err(not_found_after_unknown(ctx, SUBMIT_SENT).await);
    }
    let mut archive = json!({
        "title": variant.title,
        "desc": variant.text,
        "tid": ctx.channel.settings.category.unwrap_or(DEFAULT_CATEGORY),
        "tag": variant.tags.iter().map(|t| t.trim_matches('#')).collect::<Vec<_>>().join(","),
        "copyright": 1,
        "no_reprint": 1,
    });
    if let Some(c) = cover {
        archive["cover"] = Value::String(c);
    }
    let now = ctx.now().to_rfc3339();
    ctx.set(SUBMIT_SENT, now);
    ctx.save(None).await?;
    let data = match call(request(
        ctx,
        &token,
        "submit",
        "/arcopen/fn/archive/add-by-utoken",
        &[("upload_token", utoken.as_str())],
        Body::Json(&archive),
    )?)
    .await
    {
        Ok(d) => d,
        Err(f @ Failure::Busy { .. }) => return Err(f),
        Err(f) => {
            ctx.remove(SUBMIT_SENT);
            ctx.save(None).await?;
            return Err(f);
        }
    };
    let Some(id) = data.get("resource_id").and_then(Value::as_str) else {
        return Err(Failure::busy("B站应答缺少 resource_id（结果未知）"));
    };
    ctx.set(RESOURCE_ID, id);
    ctx.set("review", "pending");
    ctx.save(Some("已提交B站审核（审核通过后公开）")).await?;
    Ok(Posted {
        remote_id: Some(id.to_string()),
        url: Some(archive_url(id)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_classified() {
        assert!(matches!(
            classify(127001, "access_token验证错误", None),
            Failure::TokenExpired { .. }
        ));
        assert!(matches!(
            classify(127201, "系统繁忙", None),
            Failure::Busy { .. }
        ));
        assert!(matches!(
            classify(127009, "api请求次数达到上限", None),
            Failure::Quota { .. }
        ));
        let f = classify(127102, "file type error", None);
        assert!(matches!(f, Failure::Permanent { .. }));
        assert_eq!(
            f.message(),
            "B站错误 127102：file type error（文件类型错误）"
        );
    }
}
