//! Weibo: `statuses/share.json` with the variant's text (≤ 140, with a link
//! under the app's safe domain) and one picture. Before sharing, the job
//! records that a share is in flight; a retry after an unknown outcome
//! looks for the post among the account's latest statuses
//! (`statuses/user_timeline.json`) before sharing again, and a "duplicate
//! content" answer is resolved the same way.

use super::{Failure, JobContext, Posted, api_url, http_failure, network_failure};
use serde::Deserialize;

const SENT: &str = "share_sent_at";
const STATUS_ID: &str = "status_id";
const STATUS_URL: &str = "status_url";

#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default)]
    idstr: Option<String>,
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    text: String,
}

impl Status {
    fn id(&self) -> Option<String> {
        self.idstr.clone().or_else(|| {
            self.id.as_ref().map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
    }
}

#[derive(Debug, Deserialize)]
struct ApiError {
    error_code: i64,
    #[serde(default)]
    error: String,
}

/// Weibo error codes we act on.
pub const RATE_LIMITED: &[i64] = &[10022, 10023, 20016];
pub const BUSY: &[i64] = &[10001, 10003, 10009];
pub const DUPLICATE: &[i64] = &[20017, 20019, 20111];
pub const TOKEN_INVALID: &[i64] = &[21314, 21315, 21316, 21317, 21327, 21332];

fn classify(e: &ApiError) -> Failure {
    let message = format!("微博错误 {}：{}", e.error_code, e.error);
    match e.error_code {
        c if RATE_LIMITED.contains(&c) => Failure::RateLimited {
            message,
            retry_after: None,
        },
        c if BUSY.contains(&c) => Failure::busy(message),
        // A Weibo user token cannot be refreshed by the app: re-authorise.
        c if TOKEN_INVALID.contains(&c) => {
            Failure::permanent(format!("{message}（访问令牌无效或已过期，请重新授权）"))
        }
        20012 => Failure::permanent(format!("{message}（文字超过 140 字）")),
        _ => Failure::permanent(message),
    }
}

/// The text without links and blanks: Weibo rewrites links (t.cn).
fn comparable(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.starts_with("http://") && !w.starts_with("https://"))
        .collect::<Vec<_>>()
        .join("")
}

fn status_url(id: &str) -> String {
    format!("https://m.weibo.cn/status/{id}")
}

fn posted(ctx: &mut JobContext<'_>, id: String) -> Posted {
    let url = status_url(&id);
    ctx.set(STATUS_ID, id.clone());
    ctx.set(STATUS_URL, url.clone());
    Posted {
        remote_id: Some(id),
        url: Some(url),
    }
}

/// Our post among the account's latest statuses, if it is there.
async fn find_posted(ctx: &JobContext<'_>, token: &str) -> Result<Option<String>, Failure> {
    let url = api_url(
        &ctx.channel.api_base(),
        "/2/statuses/user_timeline.json",
        &[("access_token", token), ("count", "20")],
    )?;
    let r = ctx.http.get(url).send().await.map_err(network_failure)?;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(match serde_json::from_str::<ApiError>(&text) {
            Ok(e) => classify(&e),
            Err(_) => http_failure(status, &text, None),
        });
    }
    #[derive(Deserialize)]
    struct Timeline {
        #[serde(default)]
        statuses: Vec<Status>,
    }
    let timeline: Timeline =
        serde_json::from_str(&text).map_err(|_| Failure::busy("无法识别的微博时间线应答"))?;
    let ours = comparable(&ctx.publication.variant.text);
    Ok(timeline
        .statuses
        .iter()
        .find(|s| comparable(&s.text) == ours)
        .and_then(Status::id))
}

pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    if let Some(id) = ctx.get(STATUS_ID) {
        return Ok(Posted {
            remote_id: Some(id.to_string()),
            url: ctx.get(STATUS_URL).map(str::to_string),
        });
    }
    let token = ctx.secret()?.to_string();
    if ctx.get(SENT).is_some()
        && let Some(id) = find_posted(ctx, &token).await?
    {
        let p = posted(ctx, id);
        ctx.save(Some("已在微博找到此前发出的内容，不再重复发送"))
            .await?;
        return Ok(p);
    }
    let variant = &ctx.publication.variant;
    let url = format!("{}/2/statuses/share.json", ctx.channel.api_base());
    let request = match &variant.cover {
        Some(pic) => {
            let bytes = pic
                .read()
                .map_err(|e| Failure::permanent(format!("图片无法读取：{e}")))?;
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(pic.file_name())
                .mime_str(&pic.mime)
                .map_err(|_| Failure::permanent(format!("图片类型无效：{}", pic.mime)))?;
            let form = reqwest::multipart::Form::new()
                .text("access_token", token.clone())
                .text("status", variant.text.clone())
                .part("pic", part);
            ctx.http.post(&url).multipart(form)
        }
        None => ctx.http.post(&url).form(&[
            ("access_token", token.as_str()),
            ("status", variant.text.as_str()),
        ]),
    };
    let now = ctx.now().to_rfc3339();
    ctx.set(SENT, now);
    ctx.save(None).await?;
    let r = request.send().await.map_err(network_failure)?;
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if status.is_success()
        && let Ok(s) = serde_json::from_str::<Status>(&text)
        && let Some(id) = s.id()
    {
        let p = posted(ctx, id);
        ctx.save(None).await?;
        return Ok(p);
    }
    match serde_json::from_str::<ApiError>(&text) {
        Ok(e) if DUPLICATE.contains(&e.error_code) => match find_posted(ctx, &token).await? {
            Some(id) => {
                let p = posted(ctx, id);
                ctx.save(Some("微博提示内容重复：此前已发出，记录其编号"))
                    .await?;
                Ok(p)
            }
            None => Err(Failure::permanent(format!(
                "微博错误 {}：{}（平台判定为重复内容，但最近的微博中没有找到，请人工核实）",
                e.error_code, e.error
            ))),
        },
        Ok(e) => {
            // The platform answered with an error: nothing was posted.
            ctx.remove(SENT);
            ctx.save(None).await?;
            Err(classify(&e))
        }
        Err(_) if status.is_success() => Err(Failure::busy("无法识别的微博应答（结果未知）")),
        Err(_) => Err(http_failure(status, &text, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_ignored_when_comparing() {
        assert_eq!(
            comparable("【标题】正文 #话题# https://www.xx.edu.cn/1"),
            comparable("【标题】正文 #话题# http://t.cn/abc")
        );
    }

    #[test]
    fn errors_are_classified() {
        let e = |c| ApiError {
            error_code: c,
            error: "x".into(),
        };
        assert!(matches!(classify(&e(10023)), Failure::RateLimited { .. }));
        assert!(matches!(classify(&e(20016)), Failure::RateLimited { .. }));
        assert!(matches!(classify(&e(10001)), Failure::Busy { .. }));
        assert!(matches!(classify(&e(20012)), Failure::Permanent { .. }));
        assert!(classify(&e(21327)).message().contains("重新授权"));
    }
}
