//! Kuaishou (快手): `start_upload` (→ `upload_token`, upload `endpoint`) →
//! upload the file to the endpoint (whole up to 10 MB, else in 5 MB
//! fragments that resume after a failure) → `publish` with the caption and
//! cover. The paths follow the open platform's public description but are
//! not verified: every step's path is a channel setting (`paths`), as are
//! the error codes' meanings below (only `result` 1 = success is certain).
//!
//! The upload token and endpoint, each fragment and the finished upload
//! are checkpointed at once. Publishing is marked in flight first; after an
//! unknown outcome the account's videos (`list`) are searched for the
//! caption — twice, a backoff apart — and if it is not there the job stops
//! and asks for a check by hand.

use super::{
    Codes, Envelope, Failure, JobContext, Posted, call_platform, comparable, file_part, file_size,
    found_after_unknown, not_found_after_unknown, read_part, step_url, video,
};
use crate::syndicate::content::MediaRef;
use serde_json::Value;
use std::time::Duration;

const UPLOAD_TOKEN: &str = "upload_token";
const ENDPOINT: &str = "endpoint";
const UPLOADED: &str = "uploaded";
const FRAGMENTS: &str = "fragments_done";
const PUBLISH_SENT: &str = "publish_sent_at";
const PHOTO_ID: &str = "photo_id";
const PHOTO_URL: &str = "photo_url";

/// `result` codes we act on (not verified against the platform).
pub const TOKEN_INVALID: &[i64] = &[100200101, 100200103];
pub const BUSY: &[i64] = &[100200500];

pub fn classify(code: i64, message: &str, retry_after: Option<Duration>) -> Failure {
    CODES.failure(code, format!("快手错误 {code}：{message}"), retry_after)
}

const ENVELOPE: Envelope = Envelope {
    platform: "快手",
    code: "/result",
    message: "/error_msg",
    ok: 1,
    data: "",
};
const CODES: Codes = Codes {
    token_invalid: TOKEN_INVALID,
    busy: BUSY,
    quota: &[],
};

/// The answer of a successful call (`result` 1), else the failure.
async fn call(request: reqwest::RequestBuilder) -> Result<Value, Failure> {
    call_platform(request, &ENVELOPE, classify).await
}

fn app_id(ctx: &JobContext<'_>) -> Result<String, Failure> {
    ctx.channel
        .settings
        .app_id
        .clone()
        .ok_or_else(|| Failure::permanent("快手号未配置 app_id"))
}

/// The URL of an upload `step` on the endpoint start_upload named (a host,
/// or a URL; a bare host gets the API base's scheme), with the upload
/// token and `pairs`.
fn upload_url(
    ctx: &JobContext<'_>,
    endpoint: &str,
    token: &str,
    step: &str,
    default: &str,
    pairs: &[(&str, &str)],
) -> Result<url::Url, Failure> {
    let base = if endpoint.contains("://") {
        endpoint.trim_end_matches('/').to_string()
    } else {
        let scheme = if ctx.channel.api_base().starts_with("http://") {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", endpoint.trim_end_matches('/'))
    };
    let path = ctx
        .channel
        .settings
        .paths
        .get(step)
        .map(String::as_str)
        .unwrap_or(default);
    let mut q = vec![("upload_token", token)];
    q.extend_from_slice(pairs);
    super::api_url(&base, path, &q)
}

/// Larger videos go up in fragments, each checkpointed, so a retry after a
/// timeout or crash sends only what is missing.
pub const CHUNKED_ABOVE: u64 = 10 * 1024 * 1024;
/// Size of one fragment.
pub const FRAGMENT_SIZE: u64 = 5 * 1024 * 1024;

/// Upload the file: whole (a repeated upload with the same token replaces
/// it), or above [`CHUNKED_ABOVE`] as fragments (`upload/fragment`,
/// numbered from 0, then `upload/complete` with their count).
async fn upload(
    ctx: &mut JobContext<'_>,
    media: &MediaRef,
    utoken: &str,
    endpoint: &str,
) -> Result<(), Failure> {
    let size = file_size(media)?;
    if size <= CHUNKED_ABOVE {
        let bytes = read_part(media, 0, size)?;
        let form = reqwest::multipart::Form::new()
            .part("file", file_part(bytes, media.file_name(), &media.mime)?);
        let url = upload_url(
            ctx,
            endpoint,
            utoken,
            "upload",
            "/api/upload/multipart",
            &[],
        )?;
        call(ctx.http.post(url).multipart(form)).await?;
        return Ok(());
    }
    let count = size.div_ceil(FRAGMENT_SIZE);
    let done = ctx.count(FRAGMENTS);
    for n in done..count {
        let bytes = read_part(media, n * FRAGMENT_SIZE, FRAGMENT_SIZE)?;
        let id = n.to_string();
        let url = upload_url(
            ctx,
            endpoint,
            utoken,
            "fragment",
            "/api/upload/fragment",
            &[("fragment_id", id.as_str())],
        )?;
        call(
            ctx.http
                .post(url)
                .header("content-type", "application/octet-stream")
                .body(bytes),
        )
        .await?;
        ctx.set(FRAGMENTS, n + 1);
        ctx.save(None).await?;
    }
    let count = count.to_string();
    let url = upload_url(
        ctx,
        endpoint,
        utoken,
        "complete",
        "/api/upload/complete",
        &[("fragment_count", count.as_str())],
    )?;
    call(ctx.http.post(url)).await?;
    Ok(())
}

/// Our video among the account's latest ones, by its caption.
async fn find_posted(
    ctx: &JobContext<'_>,
    token: &str,
    app_id: &str,
) -> Result<Option<Posted>, Failure> {
    let url = step_url(
        ctx,
        "list",
        "/openapi/photo/list",
        &[("app_id", app_id), ("access_token", token), ("count", "20")],
    )?;
    let v = call(ctx.http.get(url)).await?;
    let ours = comparable(&ctx.publication.variant.text);
    let items = v
        .get("video_list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(items
        .iter()
        .find(|i| i.get("caption").and_then(Value::as_str).map(comparable) == Some(ours.clone()))
        .map(|i| Posted {
            remote_id: i
                .get("photo_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            url: i
                .get("play_url")
                .and_then(Value::as_str)
                .map(str::to_string),
        }))
}

/// `oauth2/refresh_token`: a new access token for the grant (query
/// `app_id`, `app_secret`, `refresh_token`, `grant_type`); the answer
/// carries `access_token`, `expires_in`, `refresh_token` and
/// `refresh_token_expires_in` beside `result`.
pub(crate) async fn refresh(
    ctx: &JobContext<'_>,
    refresh_token: &str,
) -> Result<super::grant::Fresh, Failure> {
    let app_id = app_id(ctx)?;
    let app_secret = ctx
        .app_secret
        .as_deref()
        .ok_or_else(|| Failure::permanent("快手号未配置 app_secret，无法刷新令牌"))?;
    let url = step_url(
        ctx,
        "refresh_token",
        "/oauth2/refresh_token",
        &[
            ("app_id", app_id.as_str()),
            ("app_secret", app_secret),
            ("refresh_token", refresh_token),
            ("grant_type", "refresh_token"),
        ],
    )?;
    let data = call(ctx.http.get(url)).await?;
    super::grant::fresh_from(&data, "快手", "expires_in", "refresh_token_expires_in")
}

pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    if let Some(id) = ctx.get(PHOTO_ID) {
        return Ok(Posted {
            remote_id: Some(id.to_string()),
            url: ctx.get(PHOTO_URL).map(str::to_string),
        });
    }
    let token = super::grant::access_token(ctx).await?;
    let app_id = app_id(ctx)?;
    let media = video(ctx)?;
    let auth = [
        ("app_id", app_id.as_str()),
        ("access_token", token.as_str()),
    ];

    // 1. An upload token and the endpoint to send the file to.
    let (utoken, endpoint) = match (ctx.get(UPLOAD_TOKEN), ctx.get(ENDPOINT)) {
        (Some(t), Some(e)) => (t.to_string(), e.to_string()),
        _ => {
            let url = step_url(ctx, "start_upload", "/openapi/photo/start_upload", &auth)?;
            let v = call(ctx.http.post(url)).await?;
            let get = |k: &str| {
                v.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| Failure::busy(format!("快手应答缺少 {k}")))
            };
            let (t, e) = (get("upload_token")?, get("endpoint")?);
            ctx.set(UPLOAD_TOKEN, t.clone());
            ctx.set(ENDPOINT, e.clone());
            ctx.save(None).await?;
            (t, e)
        }
    };

    // 2. The file.
    if ctx.checkpoint.get(UPLOADED).is_none() {
        upload(ctx, &media, &utoken, &endpoint).await?;
        ctx.set(UPLOADED, true);
        ctx.save(Some("视频已上传")).await?;
    }

    // 3. Publish, unless an earlier attempt may have.
    if ctx.get(PUBLISH_SENT).is_some() {
        if let Some(p) = find_posted(ctx, &token, &app_id).await? {
            if let Some(u) = &p.url {
                ctx.set(PHOTO_URL, u.clone());
            }
            found_after_unknown(ctx, PHOTO_ID, &p).await?;
            return Ok(p);
        }
        return Err(not_found_after_unknown(ctx, PUBLISH_SENT).await);
    }
    let variant = &ctx.publication.variant;
    let mut form = reqwest::multipart::Form::new().text("caption", variant.text.clone());
    if let Some(c) = &variant.cover {
        let bytes = c
            .read()
            .map_err(|e| Failure::permanent(format!("封面图无法读取：{e}")))?;
        form = form.part("cover", file_part(bytes, c.file_name(), &c.mime)?);
    }
    let url = step_url(
        ctx,
        "publish",
        "/openapi/photo/publish",
        &[&auth[..], &[("upload_token", utoken.as_str())]].concat(),
    )?;
    let now = ctx.now().to_rfc3339();
    ctx.set(PUBLISH_SENT, now);
    ctx.save(None).await?;
    let v = match call(ctx.http.post(url).multipart(form)).await {
        Ok(v) => v,
        Err(f @ Failure::Busy { .. }) => return Err(f),
        Err(f) => {
            ctx.remove(PUBLISH_SENT);
            ctx.save(None).await?;
            return Err(f);
        }
    };
    let Some(id) = v.pointer("/video_info/photo_id").and_then(Value::as_str) else {
        return Err(Failure::busy("快手应答缺少 photo_id（结果未知）"));
    };
    let url = v
        .pointer("/video_info/play_url")
        .and_then(Value::as_str)
        .map(str::to_string);
    ctx.set(PHOTO_ID, id);
    if let Some(u) = &url {
        ctx.set(PHOTO_URL, u.clone());
    }
    ctx.save(Some("已发布到快手")).await?;
    Ok(Posted {
        remote_id: Some(id.to_string()),
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_codes_are_classified() {
        assert!(matches!(
            classify(100200101, "token expired", None),
            Failure::TokenExpired { .. }
        ));
        assert!(matches!(
            classify(100200500, "busy", None),
            Failure::Busy { .. }
        ));
        assert!(matches!(
            classify(5, "违规内容", None),
            Failure::Permanent { .. }
        ));
    }
}
