//! One request to a channel: signing (DingTalk 加签, Standard Webhooks) and
//! reading the answer into sent / retry later / failed for good.

use super::config::{ChannelConfig, ChannelKind};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::Duration;

type HmacSha256 = Hmac<Sha256>;

/// Robot errcodes that mean "too many messages": the robot throttles the
/// sender (for 10 minutes), so the whole channel pauses.
/// WeCom 45009 (接口调用超过限制), DingTalk 130101 (发送速度太快而限流)
/// and 90030 (webhook over limit).
pub const THROTTLED_ERRCODES: &[i64] = &[45009, 130101, 90030];
/// Robot errcodes that mean "busy, try again": WeCom -1 (系统繁忙).
pub const BUSY_ERRCODES: &[i64] = &[-1];
/// How long a robot throttles a sender that exceeded its limit.
pub const THROTTLE_PAUSE: Duration = Duration::from_secs(600);

/// What one request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    Sent,
    /// Network error, timeout, 5xx, 429 or a busy errcode. `throttled` when
    /// the receiver said we send too much; `retry_after` when it said how long.
    Retry {
        error: String,
        throttled: bool,
        retry_after: Option<Duration>,
    },
    /// The receiver refused the message itself (bad key, bad signature,
    /// malformed message): sending it again would not help.
    Permanent(String),
}

/// `base64(HmacSHA256(secret, "{timestamp}\n{secret}"))`, DingTalk's 加签.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// The key of a Standard Webhooks secret `whsec_<base64>`.
pub fn webhook_key(secret: &str) -> Result<Vec<u8>, String> {
    let b64 = secret
        .strip_prefix("whsec_")
        .ok_or_else(|| "a Standard Webhooks secret starts with whsec_".to_string())?;
    let key = B64
        .decode(b64)
        .map_err(|_| "the part after whsec_ must be base64".to_string())?;
    if key.len() < 16 {
        return Err("the key must be at least 16 bytes (24 to 64 recommended)".into());
    }
    Ok(key)
}

/// `v1,<base64 HmacSHA256(key, "{id}.{timestamp}.{body}")>`, the
/// Standard Webhooks `webhook-signature` header.
pub fn webhook_signature(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

/// The id a webhook receiver deduplicates on: the same for every retry.
pub fn webhook_id(delivery_id: i64) -> String {
    format!("msg_yuqing_{delivery_id}")
}

/// Send `body` (JSON) for `delivery_id` on `channel` at `now`.
pub async fn send(
    http: &reqwest::Client,
    channel: &ChannelConfig,
    delivery_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> SendResult {
    let mut url = match url::Url::parse(channel.url.expose()) {
        Ok(u) => u,
        // Validated at start; never echo the URL.
        Err(_) => return SendResult::Permanent("配置的地址无效".into()),
    };
    let mut request = http
        .post(url.clone())
        .header("content-type", "application/json");
    match channel.kind {
        ChannelKind::Wecom => {}
        ChannelKind::Dingtalk => {
            let secret = channel.secret.as_ref().map(|s| s.expose()).unwrap_or("");
            let ts = now.timestamp_millis();
            url.query_pairs_mut()
                .append_pair("timestamp", &ts.to_string())
                .append_pair("sign", &dingtalk_sign(secret, ts));
            request = http.post(url).header("content-type", "application/json");
        }
        ChannelKind::Webhook => {
            let secret = channel.secret.as_ref().map(|s| s.expose()).unwrap_or("");
            let key = match webhook_key(secret) {
                Ok(k) => k,
                Err(m) => return SendResult::Permanent(m),
            };
            let id = webhook_id(delivery_id);
            let ts = now.timestamp();
            request = request
                .header("webhook-signature", webhook_signature(&key, &id, ts, body))
                .header("webhook-id", id)
                .header("webhook-timestamp", ts.to_string());
        }
    }
    let response = match request.body(body.to_string()).send().await {
        Ok(r) => r,
        Err(e) => {
            // Without the URL: it holds the robot's key.
            let e = e.without_url();
            let what = if e.is_timeout() {
                "超时"
            } else if e.is_connect() {
                "连接失败"
            } else {
                "网络错误"
            };
            return SendResult::Retry {
                error: format!("{what}：{e}"),
                throttled: false,
                retry_after: None,
            };
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let text = response.text().await.unwrap_or_default();
    let snippet: String = text.chars().take(200).collect();
    if status.as_u16() == 429 {
        return SendResult::Retry {
            error: format!("HTTP 429 {snippet}"),
            throttled: true,
            retry_after,
        };
    }
    if status.is_server_error() || status.as_u16() == 408 {
        return SendResult::Retry {
            error: format!("HTTP {} {snippet}", status.as_u16()),
            throttled: false,
            retry_after,
        };
    }
    if !status.is_success() {
        return SendResult::Permanent(format!("HTTP {} {snippet}", status.as_u16()));
    }
    if !channel.kind.is_robot() {
        return SendResult::Sent;
    }
    robot_answer(&text)
}

/// A robot answers HTTP 200 with `{"errcode": 0, "errmsg": "ok"}` or an error code.
pub fn robot_answer(text: &str) -> SendResult {
    #[derive(serde::Deserialize)]
    struct Answer {
        errcode: i64,
        #[serde(default)]
        errmsg: String,
    }
    let Ok(a) = serde_json::from_str::<Answer>(text) else {
        let snippet: String = text.chars().take(200).collect();
        return SendResult::Retry {
            error: format!("无法识别的应答：{snippet}"),
            throttled: false,
            retry_after: None,
        };
    };
    let error = format!("errcode {}: {}", a.errcode, a.errmsg);
    match a.errcode {
        0 => SendResult::Sent,
        c if THROTTLED_ERRCODES.contains(&c) => SendResult::Retry {
            error,
            throttled: true,
            retry_after: None,
        },
        c if BUSY_ERRCODES.contains(&c) => SendResult::Retry {
            error,
            throttled: false,
            retry_after: None,
        },
        _ => SendResult::Permanent(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_signature_matches_the_standard_webhooks_example() {
        // The reference example of the Standard Webhooks specification.
        let key = webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = webhook_signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn dingtalk_sign_is_hmac_sha256_of_timestamp_and_secret() {
        let s = dingtalk_sign("SECtest", 1_700_000_000_000);
        let mut mac = HmacSha256::new_from_slice(b"SECtest").unwrap();
        mac.update(b"1700000000000\nSECtest");
        assert_eq!(
            B64.decode(&s).unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
    }

    #[test]
    fn robot_answers_are_classified() {
        assert_eq!(
            robot_answer(r#"{"errcode":0,"errmsg":"ok"}"#),
            SendResult::Sent
        );
        assert!(matches!(
            robot_answer(r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#),
            SendResult::Retry {
                throttled: true,
                ..
            }
        ));
        assert!(matches!(
            robot_answer(r#"{"errcode":-1,"errmsg":"system busy"}"#),
            SendResult::Retry {
                throttled: false,
                ..
            }
        ));
        assert_eq!(
            robot_answer(r#"{"errcode":310000,"errmsg":"sign not match"}"#),
            SendResult::Permanent("errcode 310000: sign not match".into())
        );
    }
}
