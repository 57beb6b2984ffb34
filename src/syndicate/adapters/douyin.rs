//! Douyin (抖音): upload the video (`video/upload/`, multipart `video`; above
//! 50 MB in parts: `video/part/init/` → `video/part/upload/` →
//! `video/part/complete/`), then `video/create/` with the caption, which
//! makes it public (after the platform's own review).
//!
//! The video id, the part upload id and each finished part go into the
//! checkpoint at once. Creating is marked in flight first; after an unknown
//! outcome the account's videos (`video/list/`) are searched for the
//! caption — twice, a backoff apart — and if it is not there the job stops
//! with a request to check by hand rather than risk a second post.

use super::{
    Codes, Envelope, Failure, JobContext, Posted, call_platform, comparable, file_part, file_size,
    found_after_unknown, not_found_after_unknown, read_part, step_url, video,
};
use serde_json::{Value, json};
use std::time::Duration;

const VIDEO_ID: &str = "video_id";
const UPLOAD_ID: &str = "upload_id";
const PARTS: &str = "parts_done";
const CREATE_SENT: &str = "create_sent_at";
const ITEM_ID: &str = "item_id";
const ITEM_URL: &str = "item_url";

/// Larger videos are uploaded in parts (the platform asks for it above 50 MB).
pub const CHUNKED_ABOVE: u64 = 50 * 1024 * 1024;
/// Size of one part of a chunked upload.
pub const PART_SIZE: u64 = 20 * 1024 * 1024;

/// Error codes we act on (`data.error_code`).
pub const TOKEN_INVALID: &[i64] = &[2190002, 2190008, 2190015];
pub const BUSY: &[i64] = &[2100002, 2100004];

const ENVELOPE: Envelope = Envelope {
    platform: "抖音",
    code: "/data/error_code",
    message: "/data/description",
    ok: 0,
    data: "/data",
};
const CODES: Codes = Codes {
    token_invalid: TOKEN_INVALID,
    busy: BUSY,
    quota: &[],
};

/// The failure an error code means.
pub fn classify(code: i64, description: &str, retry_after: Option<Duration>) -> Failure {
    let hint = match code {
        2100005 => "（参数不合法）",
        2100007 => "（无权限操作）",
        2100009 => "（用户被禁止使用该操作）",
        2190004 => "（应用未获得该能力）",
        2190016 => "（应用已被封禁或下线）",
        _ => "",
    };
    let message = format!("抖音错误 {code}：{description}{hint}");
    CODES.failure(code, message, retry_after)
}

/// `data` of a successful answer, else the failure.
async fn call(request: reqwest::RequestBuilder) -> Result<Value, Failure> {
    call_platform(request, &ENVELOPE, classify).await
}

fn open_id(ctx: &JobContext<'_>) -> Result<String, Failure> {
    ctx.channel
        .settings
        .open_id
        .clone()
        .ok_or_else(|| Failure::permanent("抖音号未配置 open_id"))
}

fn video_id_of(data: &Value) -> Result<String, Failure> {
    data.pointer("/video/video_id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| Failure::busy("抖音应答缺少 video_id"))
}

/// Upload the video in one request or in parts; its video id.
async fn upload(ctx: &mut JobContext<'_>, token: &str, open_id: &str) -> Result<String, Failure> {
    let media = video(ctx)?;
    let size = file_size(&media)?;
    let q = [("open_id", open_id)];
    if size <= CHUNKED_ABOVE {
        let bytes = read_part(&media, 0, size)?;
        let form = reqwest::multipart::Form::new()
            .part("video", file_part(bytes, media.file_name(), &media.mime)?);
        let url = step_url(ctx, "upload", "/video/upload/", &q)?;
        let data = call(
            ctx.http
                .post(url)
                .header("access-token", token)
                .multipart(form),
        )
        .await?;
        return video_id_of(&data);
    }
    let upload_id = match ctx.get(UPLOAD_ID) {
        Some(u) => u.to_string(),
        None => {
            let url = step_url(ctx, "part_init", "/video/part/init/", &q)?;
            let data = call(ctx.http.post(url).header("access-token", token)).await?;
            let id = data
                .get("upload_id")
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .ok_or_else(|| Failure::busy("抖音应答缺少 upload_id"))?;
            ctx.set(UPLOAD_ID, id.clone());
            ctx.set(PARTS, 0);
            ctx.save(None).await?;
            id
        }
    };
    let parts = size.div_ceil(PART_SIZE);
    let done = ctx.count(PARTS);
    for n in done + 1..=parts {
        let bytes = read_part(&media, (n - 1) * PART_SIZE, PART_SIZE)?;
        let part = n.to_string();
        let url = step_url(
            ctx,
            "part_upload",
            "/video/part/upload/",
            &[
                ("open_id", open_id),
                ("upload_id", upload_id.as_str()),
                ("part_number", part.as_str()),
            ],
        )?;
        let form = reqwest::multipart::Form::new()
            .part("video", file_part(bytes, media.file_name(), &media.mime)?);
        call(
            ctx.http
                .post(url)
                .header("access-token", token)
                .multipart(form),
        )
        .await?;
        ctx.set(PARTS, n);
        ctx.save(None).await?;
    }
    let url = step_url(
        ctx,
        "part_complete",
        "/video/part/complete/",
        &[("open_id", open_id), ("upload_id", upload_id.as_str())],
    )?;
    let data = call(ctx.http.post(url).header("access-token", token)).await?;
    video_id_of(&data)
}

/// Our video among the account's latest ones, found by its caption.
async fn find_posted(
    ctx: &JobContext<'_>,
    token: &str,
    open_id: &str,
) -> Result<Option<Posted>, Failure> {
    let url = step_url(
        ctx,
        "list",
        "/video/list/",
        &[("open_id", open_id), ("cursor", "0"), ("count", "20")],
    )?;
    let data = call(ctx.http.get(url).header("access-token", token)).await?;
    let ours = comparable(&ctx.publication.variant.text);
    let items = data
        .get("list")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(items
        .iter()
        .find(|i| i.get("title").and_then(Value::as_str).map(comparable) == Some(ours.clone()))
        .map(|i| Posted {
            remote_id: i.get("item_id").and_then(Value::as_str).map(str::to_string),
            url: i
                .get("share_url")
                .and_then(Value::as_str)
                .map(str::to_string),
        }))
}

/// `oauth/refresh_token/`: a new access token for the grant (form
/// `client_key`, `grant_type`, `refresh_token`; the answer's `data` as in
/// every Douyin call).
pub(crate) async fn refresh(
    ctx: &JobContext<'_>,
    refresh_token: &str,
) -> Result<super::grant::Fresh, Failure> {
    let client_key = ctx
        .channel
        .settings
        .app_id
        .as_deref()
        .ok_or_else(|| Failure::permanent("抖音号未配置 app_id（client_key），无法刷新令牌"))?;
    let url = step_url(ctx, "refresh_token", "/oauth/refresh_token/", &[])?;
    let data = call(ctx.http.post(url).form(&[
        ("client_key", client_key),
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ]))
    .await?;
    super::grant::fresh_from(&data, "抖音", "expires_in", "refresh_expires_in")
}

pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    if let Some(id) = ctx.get(ITEM_ID) {
        return Ok(Posted {
            remote_id: Some(id.to_string()),
            url: ctx.get(ITEM_URL).map(str::to_string),
        });
    }
    let token = super::grant::access_token(ctx).await?;
    let open_id = open_id(ctx)?;

    // 1. The video.
    let video_id = match ctx.get(VIDEO_ID) {
        Some(v) => v.to_string(),
        None => {
            let id = upload(ctx, &token, &open_id).await?;
            ctx.set(VIDEO_ID, id.clone());
            ctx.save(Some("视频已上传")).await?;
            id
        }
    };

    // 2. Create the public post, unless an earlier attempt may have.
    if ctx.get(CREATE_SENT).is_some() {
        if let Some(p) = find_posted(ctx, &token, &open_id).await? {
            if let Some(u) = &p.url {
                ctx.set(ITEM_URL, u.clone());
            }
            found_after_unknown(ctx, ITEM_ID, &p).await?;
            return Ok(p);
        }
        return Err(not_found_after_unknown(ctx, CREATE_SENT).await);
    }
    let now = ctx.now().to_rfc3339();
    ctx.set(CREATE_SENT, now);
    ctx.save(None).await?;
    let url = step_url(
        ctx,
        "create",
        "/video/create/",
        &[("open_id", open_id.as_str())],
    )?;
    let body = json!({"video_id": video_id, "text": ctx.publication.variant.text});
    let data = match call(
        ctx.http
            .post(url)
            .header("access-token", &token)
            .json(&body),
    )
    .await
    {
        Ok(d) => d,
        // Unknown: the marker stays, the next attempt looks first.
        Err(f @ Failure::Busy { .. }) => return Err(f),
        Err(f) => {
            // An error answer: nothing was posted.
            ctx.remove(CREATE_SENT);
            ctx.save(None).await?;
            return Err(f);
        }
    };
    let Some(item) = data.get("item_id").and_then(Value::as_str) else {
        return Err(Failure::busy("抖音应答缺少 item_id（结果未知）"));
    };
    ctx.set(ITEM_ID, item);
    ctx.save(Some("已发布到抖音（平台审核后对外可见）")).await?;
    Ok(Posted {
        remote_id: Some(item.to_string()),
        url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_classified() {
        assert!(matches!(
            classify(2190008, "access_token过期", None),
            Failure::TokenExpired { .. }
        ));
        assert!(
            classify(2190008, "x", None)
                .message()
                .contains("访问令牌无效或已过期")
        );
        assert!(matches!(
            classify(2100004, "系统繁忙", None),
            Failure::Busy { .. }
        ));
        let f = classify(2100005, "invalid param", None);
        assert!(matches!(f, Failure::Permanent { .. }));
        assert_eq!(f.message(), "抖音错误 2100005：invalid param（参数不合法）");
    }
}
