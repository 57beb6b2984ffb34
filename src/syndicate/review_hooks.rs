//! Platforms that review a post after accepting it report the verdict
//! later. Bilibili calls back with `{event, content, timestamp}`:
//! `video_open` (the archive passed review and is public) or `video_fail`
//! (it was refused). The callback URL carries a tag only our key makes
//! (`SecretKey::tag`), since the reference gives no signature for these
//! calls; the channels page shows the URL to paste into the platform's
//! console.

use super::secrets::SecretKey;
use crate::store::{Store, StoreError};
use serde_json::Value;

/// The tagged context of a channel's review callback.
fn context(channel_id: i64) -> String {
    format!("bilibili-hook:{channel_id}")
}

/// The callback path of a Bilibili channel, under the dashboard's address.
pub fn bilibili_path(key: &SecretKey, channel_id: i64) -> String {
    format!(
        "/hooks/bilibili/{channel_id}/{}",
        key.tag(&context(channel_id))
    )
}

/// Whether `tag` is the channel's callback tag.
pub fn tag_matches(key: &SecretKey, channel_id: i64, tag: &str) -> bool {
    key.tag_matches(&context(channel_id), tag)
}

/// A review verdict read from a callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub resource_id: String,
    pub passed: bool,
    /// The platform's reason for a refusal.
    pub reason: Option<String>,
}

/// Why a callback was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    #[error("回调不是 JSON：{0}")]
    NotJson(String),
    #[error("回调缺少字段 {0}")]
    Missing(&'static str),
}

/// Read Bilibili's callback. `content` may be an object or a JSON string
/// holding one. Events other than the two verdicts are `Ok(None)`.
pub fn parse_bilibili(body: &[u8]) -> Result<Option<Verdict>, HookError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| HookError::NotJson(e.to_string()))?;
    let passed = match v.get("event").and_then(Value::as_str) {
        Some("video_open") => true,
        Some("video_fail") => false,
        Some(_) => return Ok(None),
        None => return Err(HookError::Missing("event")),
    };
    let content = match v.get("content") {
        Some(Value::String(s)) => {
            serde_json::from_str(s).map_err(|e| HookError::NotJson(format!("content：{e}")))?
        }
        Some(c) => c.clone(),
        None => return Err(HookError::Missing("content")),
    };
    let text = |keys: &[&str]| {
        keys.iter().find_map(|k| match content.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
    };
    let resource_id = text(&["resource_id", "bvid", "archive_id"])
        .ok_or(HookError::Missing("content.resource_id"))?;
    Ok(Some(Verdict {
        resource_id,
        passed,
        reason: text(&["reason", "reject_reason", "message", "msg"]),
    }))
}

/// Record a verdict on the channel's job for that archive; the job's id,
/// or None when no published job has it (or the verdict is known).
pub async fn apply(
    store: &Store,
    channel_id: i64,
    verdict: &Verdict,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, StoreError> {
    let message = if verdict.passed {
        "B站审核通过，作品已公开".to_string()
    } else {
        format!(
            "B站审核未通过：{}",
            verdict.reason.as_deref().unwrap_or("平台未说明原因")
        )
    };
    store
        .syn_platform_review(
            channel_id,
            &verdict.resource_id,
            verdict.passed,
            &message,
            now,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_read_with_content_as_object_or_string() {
        let open =
            br#"{"event":"video_open","content":{"resource_id":"BV1xx"},"timestamp":1764547200}"#;
        assert_eq!(
            parse_bilibili(open).unwrap(),
            Some(Verdict {
                resource_id: "BV1xx".into(),
                passed: true,
                reason: None
            })
        );
        let fail = r#"{"event":"video_fail","content":"{\"resource_id\":\"BV2yy\",\"reason\":\"画面含有违规内容\"}","timestamp":1}"#;
        let v = parse_bilibili(fail.as_bytes()).unwrap().unwrap();
        assert!(!v.passed);
        assert_eq!(v.reason.as_deref(), Some("画面含有违规内容"));
        assert_eq!(
            parse_bilibili(br#"{"event":"other","content":{}}"#).unwrap(),
            None
        );
        assert_eq!(
            parse_bilibili(br#"{"event":"video_fail","content":{}}"#),
            Err(HookError::Missing("content.resource_id"))
        );
        assert!(matches!(
            parse_bilibili(b"nope"),
            Err(HookError::NotJson(_))
        ));
    }
}
