//! Signed webhooks (Standard Webhooks 1.0) to a CMS or any other receiver,
//! and the website channel (its feeds are served by yuqing; a CMS hook is
//! optional). The `webhook-id` is the job's idempotency key, the same on
//! every retry, and the body is the same bytes: a receiver that
//! deduplicates on the id (as the standard asks) gets the content once.

use super::{Failure, JobContext, Posted, http_failure, network_failure, retry_after};
use crate::notify::send::{webhook_key, webhook_signature};
use serde_json::json;

/// The JSON body for the job: the same for every attempt.
pub fn payload(ctx: &JobContext<'_>) -> String {
    let p = ctx.publication;
    let v = &p.variant;
    let body = json!({
        "type": "content.published",
        "timestamp": p.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": {
            "content_id": p.content_id,
            "version": p.version,
            "channel": ctx.channel.name,
            "title": v.title,
            "author": v.author,
            "digest": v.digest,
            "html": v.text,
            "markdown": v.markdown,
            "tags": v.tags,
            "link": v.link,
            "url": website_url(ctx),
        }
    });
    body.to_string()
}

fn website_url(ctx: &JobContext<'_>) -> Option<String> {
    ctx.channel.settings.site_url.as_ref().map(|base| {
        format!(
            "{}/content/{}",
            base.trim_end_matches('/'),
            ctx.publication.content_id
        )
    })
}

/// POST the payload to the channel's `url`, signed with its whsec_ secret.
pub async fn publish(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    send(ctx).await?;
    Ok(Posted {
        remote_id: Some(ctx.publication.idempotency_key.clone()),
        url: None,
    })
}

/// The website: published when stored (the feeds list it); the CMS hook,
/// when configured, must accept it first.
pub async fn publish_website(ctx: &mut JobContext<'_>) -> Result<Posted, Failure> {
    if ctx.channel.settings.url.is_some() {
        send(ctx).await?;
    }
    Ok(Posted {
        remote_id: Some(ctx.publication.idempotency_key.clone()),
        url: website_url(ctx),
    })
}

async fn send(ctx: &JobContext<'_>) -> Result<(), Failure> {
    let url = ctx
        .channel
        .settings
        .url
        .as_deref()
        .ok_or_else(|| Failure::permanent("未配置 Webhook 地址"))?;
    let key = webhook_key(ctx.secret()?).map_err(Failure::permanent)?;
    let body = payload(ctx);
    let id = ctx.publication.idempotency_key.clone();
    let ts = ctx.now().timestamp();
    let response = ctx
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", webhook_signature(&key, &id, ts, &body))
        .body(body)
        .send()
        .await
        .map_err(network_failure)?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let ra = retry_after(&response);
    let text = response.text().await.unwrap_or_default();
    Err(http_failure(status, &text, ra))
}
