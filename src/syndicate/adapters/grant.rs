//! User grants of the video platforms (Douyin, Kuaishou, Bilibili): the
//! account owner authorises the college's app once and the platform hands
//! out an access token that expires (Kuaishou: 48 h) with a refresh token
//! that buys the next one. The token in use is cached sealed on the
//! channel; shortly before it expires, or when the platform refuses it,
//! the refresh token gets a new one. Only a refresh token that is missing,
//! expired or refused needs the owner to authorise again.

use super::{Failure, JobContext};
use crate::store::{ChannelRecord, SealedGrant};
use crate::syndicate::channels::ChannelKind;
use crate::syndicate::secrets::channel_context;
use chrono::TimeDelta;

/// Refresh this long before the cached token expires.
const EARLY: TimeDelta = TimeDelta::minutes(5);

/// What a platform's refresh answer gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fresh {
    pub access_token: String,
    pub expires_in: Option<i64>,
    /// None: the old refresh token stays valid.
    pub refresh_token: Option<String>,
    pub refresh_expires_in: Option<i64>,
}

/// The access token to call the platform with.
///
/// In order: the cached (refreshed) token while it has more than five
/// minutes left; the token the person entered when nothing was refreshed
/// yet; otherwise a refresh. After the platform refused the token in use
/// (`ctx.token_rejected`), a cached token other than the refused one is
/// taken as is (another worker refreshed meanwhile), so that concurrent
/// jobs do not spend the refresh token twice.
pub(crate) async fn access_token(ctx: &JobContext<'_>) -> Result<String, Failure> {
    let record = ctx
        .store
        .syn_channel(ctx.channel.id)
        .await?
        .ok_or_else(|| Failure::permanent("渠道不存在"))?;
    let now = ctx.now();
    let cached = record.token.as_deref().and_then(|s| {
        ctx.key
            .open(&channel_context(ctx.channel.id, "token"), s)
            .ok()
    });
    let fresh_enough = record.token_expires_at.is_none_or(|e| e - EARLY > now);
    let still_valid = record.token_expires_at.is_none_or(|e| e > now);
    let token = match cached {
        Some(t) if ctx.token_rejected && ctx.token_used().as_deref() != Some(t.as_str()) => t,
        Some(t) if !ctx.token_rejected && fresh_enough => t,
        None if !ctx.token_rejected => ctx.secret()?.to_string(),
        Some(t) if !ctx.token_rejected && still_valid => match refresh(ctx, &record).await {
            Ok(new) => new,
            // The early refresh failed, but the old token still works for a
            // few minutes: use it; the failure shows once it has expired.
            Err(f) => {
                tracing::warn!(channel = ctx.channel.id, error = %f.message(), "early token refresh failed");
                t
            }
        },
        _ => refresh(ctx, &record).await?,
    };
    ctx.note_token(&token);
    Ok(token)
}

/// Ask the platform for a new access token; keep it and the refresh token
/// it hands back, sealed.
async fn refresh(ctx: &JobContext<'_>, record: &ChannelRecord) -> Result<String, Failure> {
    let platform = ctx.channel.kind.zh();
    let again = "请账号管理员重新授权，并在「媒体矩阵」更新 access_token 和 refresh_token";
    let Some(sealed) = record.refresh_token.as_deref() else {
        return Err(Failure::permanent(format!(
            "{platform}访问令牌已失效，且未配置刷新令牌：{again}"
        )));
    };
    let now = ctx.now();
    if let Some(exp) = record.refresh_expires_at
        && exp <= now
    {
        return Err(Failure::permanent(format!(
            "{platform}刷新令牌已于 {} 过期：{again}",
            crate::clock::beijing(exp).format("%Y-%m-%d %H:%M")
        )));
    }
    let id = ctx.channel.id;
    let refresh_token = ctx
        .key
        .open(&channel_context(id, "refresh"), sealed)
        .map_err(|e| Failure::permanent(format!("刷新令牌无法解密：{e}")))?;
    let fresh = match ctx.channel.kind {
        ChannelKind::Douyin => super::douyin::refresh(ctx, &refresh_token).await,
        ChannelKind::Kuaishou => super::kuaishou::refresh(ctx, &refresh_token).await,
        ChannelKind::Bilibili => super::bilibili::refresh(ctx, &refresh_token).await,
        other => Err(Failure::permanent(format!("{}没有用户授权", other.zh()))),
    }
    .map_err(|f| match f {
        // The refresh token itself is refused: only a new grant helps.
        Failure::TokenExpired { message } | Failure::Permanent { message } => {
            Failure::permanent(format!("刷新{platform}访问令牌失败：{message}。{again}"))
        }
        other => other,
    })?;
    let at = |secs: Option<i64>| secs.map(|s| expiry(now, s));
    let token = ctx
        .key
        .seal(&channel_context(id, "token"), &fresh.access_token);
    let refresh = match &fresh.refresh_token {
        Some(r) => ctx.key.seal(&channel_context(id, "refresh"), r),
        None => sealed.to_string(),
    };
    ctx.store
        .syn_store_grant(
            id,
            &SealedGrant {
                token: &token,
                token_expires_at: at(fresh.expires_in),
                refresh_token: &refresh,
                refresh_expires_at: at(fresh.refresh_expires_in).or(match fresh.refresh_token {
                    Some(_) => None,
                    None => record.refresh_expires_at,
                }),
            },
            now,
        )
        .await?;
    tracing::info!(channel = id, "refreshed the platform access token");
    Ok(fresh.access_token)
}

/// When a token given `expires_in` at `now` expires: seconds from now, or
/// (as some platforms answer) an absolute Unix time.
fn expiry(now: chrono::DateTime<chrono::Utc>, expires_in: i64) -> chrono::DateTime<chrono::Utc> {
    const ABSOLUTE_AFTER: i64 = 1_000_000_000; // 2001-09-09; no token lasts 31 years
    if expires_in >= ABSOLUTE_AFTER {
        chrono::DateTime::from_timestamp(expires_in, 0).unwrap_or(now)
    } else {
        now + TimeDelta::seconds(expires_in.max(0))
    }
}

/// A JSON number or numeric string field of a refresh answer.
pub(crate) fn seconds(v: &serde_json::Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The refresh answer's fields under `data` (`None` keys are absent).
pub(crate) fn fresh_from(
    data: &serde_json::Value,
    platform: &str,
    expires_key: &str,
    refresh_expires_key: &str,
) -> Result<Fresh, Failure> {
    let access_token = data
        .get("access_token")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Failure::busy(format!("{platform}刷新应答缺少 access_token")))?
        .to_string();
    Ok(Fresh {
        access_token,
        expires_in: seconds(data, expires_key),
        refresh_token: data
            .get("refresh_token")
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        refresh_expires_in: seconds(data, refresh_expires_key),
    })
}
