//! WeChat official account (公众号): stable access token
//! (`/cgi-bin/stable_token`, cached sealed in the store, renewed 5 minutes
//! before expiry, fetched with `force_refresh` only when the platform has
//! just rejected it), cover upload (`material/add_material`, type thumb),
//! in-article images (`media/uploadimg`), `draft/add`,
//! `freepublish/submit`, then `freepublish/get` until the publication is
//! final.
//!
//! Every platform id goes into the job's checkpoint as soon as it is known,
//! so a retry continues where the last attempt stopped. Submitting is the
//! step that makes the article public: it is marked in flight first, and a
//! retry after an unknown outcome looks for the article among the account's
//! publications (`freepublish/batchget`, matched on the cover's permanent
//! media id, which is unique to this job) — twice, a backoff apart, since
//! an article still being published is not listed yet — before submitting
//! the same draft again.

use super::super::secrets::channel_context;
use super::{Failure, JobContext, Posted, api_url, http_failure, network_failure};
use crate::syndicate::content::MediaRef;
use serde_json::{Value, json};

const THUMB: &str = "thumb_media_id";
const IMAGES: &str = "image_urls";
const DRAFT: &str = "draft_media_id";
const SUBMIT_SENT: &str = "submit_sent_at";
const MISSES: &str = "reconcile_misses";
const PUBLISH_ID: &str = "publish_id";

/// Refresh the cached token this long before it expires.
const EARLY: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

pub const BUSY: &[i64] = &[-1];
pub const TOKEN_STALE: &[i64] = &[40001, 40014, 42001];
pub const QUOTA: &[i64] = &[45009];

/// The failure an errcode means.
pub fn classify(errcode: i64, errmsg: &str) -> Failure {
    let hint = match errcode {
        45002 => "（内容过大）",
        45003 => "（标题过长）",
        45166 => "（内容无效）",
        53503 => "（草稿未通过发布检查）",
        53504 => "（需前往公众平台官网使用草稿）",
        53505 => "（请手动保存成功后再发表）",
        40164 => "（服务器 IP 不在公众号白名单中）",
        40013 | 40125 => "（AppID 或 AppSecret 无效）",
        _ => "",
    };
    let message = format!("微信错误 {errcode}：{errmsg}{hint}");
    match errcode {
        c if BUSY.contains(&c) => Failure::busy(message),
        c if TOKEN_STALE.contains(&c) => Failure::TokenExpired { message },
        c if QUOTA.contains(&c) => Failure::Quota { message },
        _ => Failure::Permanent { message },
    }
}

/// A JSON answer: `errcode` 0 or absent is success.
async fn answer(r: reqwest::Response) -> Result<Value, Failure> {
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(http_failure(status, &text, None));
    }
    let v: Value = serde_json::from_str(&text).map_err(|_| {
        let snippet: String = text.chars().take(200).collect();
        Failure::busy(format!("无法识别的微信应答：{snippet}"))
    })?;
    match v.get("errcode").and_then(Value::as_i64) {
        None | Some(0) => Ok(v),
        Some(code) => Err(classify(
            code,
            v.get("errmsg").and_then(Value::as_str).unwrap_or(""),
        )),
    }
}

fn field<'v>(v: &'v Value, key: &str) -> Result<&'v str, Failure> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::busy(format!("微信应答缺少 {key}")))
}

/// The access token: the cached one while it has more than 5 minutes
/// left, else a new one (cached sealed).
pub async fn access_token(ctx: &JobContext<'_>) -> Result<String, Failure> {
    let now = ctx.now();
    let record = ctx
        .store
        .syn_channel(ctx.channel.id)
        .await?
        .ok_or_else(|| Failure::permanent("渠道不存在"))?;
    let context = channel_context(ctx.channel.id, "token");
    // The cached token, unless it is the one the platform just refused.
    if let (Some(sealed), Some(exp)) = (&record.token, record.token_expires_at)
        && exp - EARLY > now
        && let Ok(t) = ctx.key.open(&context, sealed)
        && !(ctx.token_rejected && ctx.token_used().as_deref() == Some(t.as_str()))
    {
        ctx.note_token(&t);
        return Ok(t);
    }
    let app_id = ctx
        .channel
        .settings
        .app_id
        .as_deref()
        .ok_or_else(|| Failure::permanent("未配置 AppID"))?;
    // The stable token: asking again does not invalidate the token other
    // deployments of the same AppID hold; forced refresh (limited per day)
    // only when the platform has just rejected ours.
    let r = ctx
        .http
        .post(api_url(
            &ctx.channel.api_base(),
            "/cgi-bin/stable_token",
            &[],
        )?)
        .json(&json!({
            "grant_type": "client_credential",
            "appid": app_id,
            "secret": ctx.secret()?,
            "force_refresh": ctx.token_rejected,
        }))
        .send()
        .await
        .map_err(network_failure)?;
    let v = answer(r).await.map_err(|f| match f {
        // A token request that says "token stale" is a configuration problem.
        Failure::TokenExpired { message } => Failure::Permanent { message },
        other => other,
    })?;
    let token = field(&v, "access_token")?.to_string();
    let expires_in = v.get("expires_in").and_then(Value::as_i64).unwrap_or(7200);
    ctx.store
        .syn_set_channel_token(
            ctx.channel.id,
            Some(&ctx.key.seal(&context, &token)),
            Some(now + chrono::TimeDelta::seconds(expires_in)),
        )
        .await?;
    ctx.note_token(&token);
    Ok(token)
}

async fn post_json(
    ctx: &JobContext<'_>,
    path: &str,
    token: &str,
    body: &Value,
) -> Result<Value, Failure> {
    let r = ctx
        .http
        .post(api_url(
            &ctx.channel.api_base(),
            path,
            &[("access_token", token)],
        )?)
        .json(body)
        .send()
        .await
        .map_err(network_failure)?;
    answer(r).await
}

async fn upload(
    ctx: &JobContext<'_>,
    path: &str,
    query: &[(&str, &str)],
    token: &str,
    media: &MediaRef,
) -> Result<Value, Failure> {
    let bytes = media
        .read()
        .map_err(|e| Failure::permanent(format!("媒体文件无法读取：{e}")))?;
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(media.file_name())
        .mime_str(&media.mime)
        .map_err(|_| Failure::permanent(format!("媒体类型无效：{}", media.mime)))?;
    let form = reqwest::multipart::Form::new().part("media", part);
    let r = ctx
        .http
        .post(api_url(
            &ctx.channel.api_base(),
            path,
            &[&[("access_token", token)], query].concat(),
        )?)
        .multipart(form)
        .send()
        .await
        .map_err(network_failure)?;
    answer(r).await
}

/// The article HTML with our images pointing at WeChat's copies (external
/// image addresses are stripped by WeChat); images not referenced in the
/// body are appended.
pub fn article_html(html: &str, images: &[(String, String)]) -> String {
    let mut out = html.to_string();
    for (path, wx) in images {
        let needle = format!(
            "src=\"{}\"",
            html_escape::encode_double_quoted_attribute(path)
        );
        if out.contains(&needle) {
            out = out.replace(&needle, &format!("src=\"{wx}\""));
        } else {
            out.push_str(&format!("<p><img src=\"{wx}\"/></p>"));
        }
    }
    out
}

/// Our article among the account's publications, by its cover's media id.
async fn find_published(
    ctx: &JobContext<'_>,
    token: &str,
    thumb: &str,
) -> Result<Option<Posted>, Failure> {
    let v = post_json(
        ctx,
        "/cgi-bin/freepublish/batchget",
        token,
        &json!({"offset": 0, "count": 20, "no_content": 1}),
    )
    .await?;
    let items = v
        .get("item")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for item in items {
        let news = item
            .pointer("/content/news_item")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(n) = news
            .iter()
            .find(|n| n.get("thumb_media_id").and_then(Value::as_str) == Some(thumb))
        {
            return Ok(Some(Posted {
                remote_id: item
                    .get("article_id")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                url: n.get("url").and_then(Value::as_str).map(str::to_string),
            }));
        }
    }
    Ok(None)
}

pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    let token = access_token(ctx).await?;
    let variant = ctx.publication.variant.clone();

    // 1. The cover, as permanent thumb material.
    let thumb = match ctx.get(THUMB) {
        Some(t) => t.to_string(),
        None => {
            let cover = variant
                .cover
                .as_ref()
                .ok_or_else(|| Failure::permanent("微信公众号文章需要封面图"))?;
            let v = upload(
                ctx,
                "/cgi-bin/material/add_material",
                &[("type", "thumb")],
                &token,
                cover,
            )
            .await?;
            let id = field(&v, "media_id")?.to_string();
            ctx.set(THUMB, id.clone());
            ctx.save(Some("封面已上传")).await?;
            id
        }
    };

    // 2. In-article images.
    let mut uploaded: Vec<(String, String)> = Vec::new();
    for img in &variant.images {
        let known = ctx
            .checkpoint
            .get(IMAGES)
            .and_then(|m| m.get(img.path.as_str()))
            .and_then(Value::as_str)
            .map(str::to_string);
        let wx = match known {
            Some(u) => u,
            None => {
                let v = upload(ctx, "/cgi-bin/media/uploadimg", &[], &token, img).await?;
                let u = field(&v, "url")?.to_string();
                if ctx.checkpoint.get(IMAGES).is_none() {
                    ctx.set(IMAGES, json!({}));
                }
                ctx.checkpoint[IMAGES][img.path.as_str()] = Value::String(u.clone());
                ctx.save(None).await?;
                u
            }
        };
        uploaded.push((img.path.clone(), wx));
    }

    // 3. The draft (a duplicate draft is harmless; it is not public).
    let draft = match ctx.get(DRAFT) {
        Some(d) => d.to_string(),
        None => {
            let article = json!({
                "article_type": "news",
                "title": variant.title,
                "author": variant.author.clone().unwrap_or_default(),
                "digest": variant.digest.clone().unwrap_or_default(),
                "content": article_html(&variant.text, &uploaded),
                "content_source_url": variant.link.clone().unwrap_or_default(),
                "thumb_media_id": thumb,
                "need_open_comment": 0,
                "only_fans_can_comment": 0,
            });
            let v = post_json(
                ctx,
                "/cgi-bin/draft/add",
                &token,
                &json!({"articles": [article]}),
            )
            .await?;
            let id = field(&v, "media_id")?.to_string();
            ctx.set(DRAFT, id.clone());
            ctx.save(Some("草稿已创建")).await?;
            id
        }
    };

    // 4. Submit, unless an earlier attempt already did.
    let publish_id = match ctx.get(PUBLISH_ID) {
        Some(p) => p.to_string(),
        None => {
            if ctx.get(SUBMIT_SENT).is_some() {
                if let Some(p) = find_published(ctx, &token, &thumb).await? {
                    ctx.set("article_id", p.remote_id.clone().unwrap_or_default());
                    ctx.save(Some("已在公众号找到此前发表的文章，不再重复发表"))
                        .await?;
                    return Ok(p);
                }
                let misses = ctx
                    .checkpoint
                    .get(MISSES)
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
                    + 1;
                ctx.set(MISSES, misses);
                if misses < 2 {
                    ctx.save(Some("上次发表结果未知，且暂未在已发表列表中找到"))
                        .await?;
                    return Err(Failure::busy("上次发表结果未知，稍后再次核实"));
                }
            }
            let now = ctx.now().to_rfc3339();
            ctx.set(SUBMIT_SENT, now);
            ctx.save(None).await?;
            let v = post_json(
                ctx,
                "/cgi-bin/freepublish/submit",
                &token,
                &json!({"media_id": draft}),
            )
            .await;
            let v = match v {
                Ok(v) => v,
                Err(f @ Failure::Busy { .. }) => return Err(f),
                Err(f) => {
                    // An error answer: nothing was published.
                    ctx.remove(SUBMIT_SENT);
                    ctx.remove(MISSES);
                    ctx.save(None).await?;
                    return Err(f);
                }
            };
            let id = field(&v, "publish_id")?.to_string();
            ctx.set(PUBLISH_ID, id.clone());
            ctx.save(Some("已提交发表")).await?;
            id
        }
    };

    // 5. Is it published?
    let v = post_json(
        ctx,
        "/cgi-bin/freepublish/get",
        &token,
        &json!({"publish_id": publish_id}),
    )
    .await?;
    let status = v
        .get("publish_status")
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    let reason = match status {
        0 => {
            return Ok(Posted {
                remote_id: v
                    .get("article_id")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                url: v
                    .pointer("/article_detail/item/0/article_url")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
        1 => {
            return Err(Failure::InProgress {
                message: "微信发表中".into(),
            });
        }
        2 => "原创校验未通过",
        3 => "常规失败",
        4 => "平台审核不通过",
        5 => "成功后被用户删除",
        6 => "成功后被系统封禁",
        _ => "未知状态",
    };
    Err(Failure::permanent(format!(
        "微信发表失败（publish_status {status}：{reason}）{}",
        v.get("fail_idx")
            .map(|f| format!("，fail_idx {f}"))
            .unwrap_or_default()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errcodes_are_classified() {
        assert!(matches!(classify(-1, "busy"), Failure::Busy { .. }));
        for c in [40001, 40014, 42001] {
            assert!(matches!(classify(c, "x"), Failure::TokenExpired { .. }));
        }
        assert!(matches!(classify(45009, "x"), Failure::Quota { .. }));
        let f = classify(45003, "title size out of limit");
        assert!(matches!(f, Failure::Permanent { .. }));
        assert!(f.message().contains("标题过长"));
    }

    #[test]
    fn images_point_at_wechat_copies() {
        let html = "<p><img src=\"/data/a.png\" alt=\"\" /></p>";
        let out = article_html(
            html,
            &[
                ("/data/a.png".into(), "http://mmbiz/a".into()),
                ("/data/b.png".into(), "http://mmbiz/b".into()),
            ],
        );
        assert!(out.contains("src=\"http://mmbiz/a\""));
        assert!(out.ends_with("<p><img src=\"http://mmbiz/b\"/></p>"));
    }
}
