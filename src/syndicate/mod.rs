//! Syndication to the media matrix: publishers write content (or promote a
//! stored post), the pre-publication check runs on it, another publisher or
//! an admin approves it, and the outbox publishes it to each channel
//! account of the college (website, WeChat official account, Weibo, video
//! platforms, signed webhooks) exactly once per content version and channel.
//!
//! - [`content`]: content, versions, states, Markdown renderings
//! - [`check`]: the publishing rule set (`rules/publish/`)
//! - [`approval`]: the workflow with its permissions and audit entries
//! - [`channels`]: the registry of channel accounts and their naming
//! - [`variants`]: per-channel limits and the variant sent to each channel
//! - [`outbox`]: the persisted job queue, its worker, backoff and resume
//! - [`adapters`]: one module per platform API
//! - [`feed`]: RSS, Atom and JSON Feed of what the website published
//! - [`review_hooks`]: platforms' later review verdicts (Bilibili callbacks)
//! - [`secrets`]: channel secrets sealed at rest
//! - [`mock`]: local mock platforms for the tests and the benchmark
//!
//! See `docs/syndication.md`.

pub mod adapters;
pub mod approval;
pub mod channels;
pub mod check;
pub mod content;
pub mod feed;
pub mod media;
pub mod mock;
pub mod outbox;
pub mod review_hooks;
pub mod secrets;
pub mod variants;

pub use crate::store::Credential;
pub use approval::Desk;
pub use channels::{ChannelAccount, ChannelKind, ChannelSettings};
pub use check::{CheckHit, CheckReport, PublishChecker};
pub use content::{Content, ContentBody, ContentState, ContentVersion, MediaRef, VariantOverride};
pub use outbox::{Outbox, OutboxSettings};
pub use secrets::SecretKey;
pub use variants::{Limits, Variant, Violation};

use crate::store::StoreError;
use serde::Deserialize;
use std::path::PathBuf;

/// `[syndicate]` in `yuqing.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyndicateSettings {
    /// The college's name, the first part of every account's unified name.
    pub college: String,
    /// The publishing rule set; default `publish/` inside the rules folder.
    pub rules_dir: Option<PathBuf>,
    /// File with the base64 key that seals channel secrets, used when
    /// `YUQING_SECRET_KEY` is not set.
    pub secret_key_file: Option<PathBuf>,
    /// Most the uploaded media (`data_dir/media/`) may take, in MiB; an
    /// upload that would pass it is refused (clean up with `yuqing media
    /// sweep`, which `yuqing serve` also runs daily).
    pub media_quota_mb: u64,
    pub outbox: OutboxSettings,
}

impl Default for SyndicateSettings {
    fn default() -> Self {
        SyndicateSettings {
            college: "XX职业技术学院".into(),
            rules_dir: None,
            secret_key_file: None,
            media_quota_mb: 20 * 1024,
            outbox: OutboxSettings::default(),
        }
    }
}

impl SyndicateSettings {
    /// The first invalid setting, as (key, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.college.trim().is_empty() {
            return Err(("syndicate.college".into(), "must not be empty".into()));
        }
        if self.media_quota_mb == 0 {
            return Err(("syndicate.media_quota_mb".into(), "must be positive".into()));
        }
        let o = &self.outbox;
        for (key, d) in [
            ("poll", o.poll),
            ("lease", o.lease),
            ("request_timeout", o.request_timeout),
            ("backoff_base", o.backoff_base),
            ("publish_poll", o.publish_poll),
        ] {
            if d.is_zero() {
                return Err((format!("syndicate.outbox.{key}"), "must be positive".into()));
            }
        }
        if o.lease <= o.request_timeout {
            return Err((
                "syndicate.outbox.lease".into(),
                "must be longer than request_timeout".into(),
            ));
        }
        if o.max_attempts == 0 {
            return Err((
                "syndicate.outbox.max_attempts".into(),
                "must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// Why a syndication action failed; the message is shown to the publisher.
#[derive(Debug, thiserror::Error)]
pub enum SyndicateError {
    #[error("{0}")]
    Denied(&'static str),
    #[error("内容 {0} 不存在")]
    NotFound(i64),
    #[error("不能从「{}」变为「{}」", from.zh(), to.zh())]
    IllegalTransition {
        from: ContentState,
        to: ContentState,
    },
    #[error("内容刚被他人修改或处理，请刷新后重试")]
    Conflict,
    #[error("未通过发布前检查：{}", .0.blocking_summary())]
    Blocked(Box<CheckReport>),
    #[error("不符合渠道要求：{}", .0.join("；"))]
    Limits(Vec<String>),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Channel(#[from] channels::ChannelError),
    #[error("{0}")]
    Secret(#[from] secrets::SecretError),
    #[error("数据库错误：{0}")]
    Store(#[from] StoreError),
}

/// A channel account to register.
#[derive(Debug, Clone)]
pub struct NewChannel<'a> {
    /// The college's name (`syndicate.college`).
    pub college: &'a str,
    /// The unified account name, e.g. "XX职业技术学院微信公众号".
    pub name: &'a str,
    pub kind: ChannelKind,
    pub settings: &'a ChannelSettings,
    /// AppSecret, access token or `whsec_` key, in clear; sealed before storing.
    pub secret: Option<&'a str>,
    /// Video platforms: the grant's refresh token, in clear.
    pub refresh_token: Option<&'a str>,
    /// Kuaishou, Bilibili: the app's secret, in clear.
    pub app_secret: Option<&'a str>,
}

/// Register a channel account: checks its unified name and settings, then
/// stores it with its secret sealed (bound to the new row's id).
pub async fn register_channel<'a>(
    store: &crate::store::Store,
    key: &SecretKey,
    new: &NewChannel<'a>,
    actor: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64, SyndicateError> {
    let given = |v: Option<&'a str>| v.map(str::trim).filter(|s| !s.is_empty());
    let secret = given(new.secret);
    let credentials = [
        (Credential::Secret, secret),
        (Credential::RefreshToken, given(new.refresh_token)),
        (Credential::AppSecret, given(new.app_secret)),
    ];
    channels::validate(
        new.college,
        new.name,
        new.kind,
        new.settings,
        channels::Held {
            secret: secret.is_some(),
            refresh_token: credentials[1].1.is_some(),
            app_secret: credentials[2].1.is_some(),
        },
    )?;
    if let (ChannelKind::Webhook | ChannelKind::Website, Some(s)) = (new.kind, secret) {
        crate::notify::send::webhook_key(s).map_err(SyndicateError::Invalid)?;
    }
    let id = store
        .syn_create_channel(new.name, new.kind, new.settings, actor, now)
        .await?;
    for (which, value) in credentials {
        if let Some(v) = value {
            let sealed = key.seal(&secrets::channel_context(id, which.purpose()), v);
            store
                .syn_set_channel_credential(id, which, Some(&sealed), actor, now)
                .await?;
        }
    }
    Ok(id)
}

/// An account's new name, settings and whether it is used.
#[derive(Debug, Clone)]
pub struct ChannelUpdate<'a> {
    pub college: &'a str,
    pub id: i64,
    pub name: &'a str,
    pub settings: &'a ChannelSettings,
    pub enabled: bool,
}

/// Change a registered account: the same checks as at registration (its
/// kind cannot change; its secret is kept).
pub async fn update_channel(
    store: &crate::store::Store,
    update: &ChannelUpdate<'_>,
    actor: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), SyndicateError> {
    let current = store
        .syn_channel(update.id)
        .await?
        .ok_or_else(|| SyndicateError::Invalid(format!("渠道 {} 不存在", update.id)))?;
    channels::validate(
        update.college,
        update.name,
        current.account.kind,
        update.settings,
        current.held(),
    )?;
    store
        .syn_update_channel(
            update.id,
            update.name,
            update.settings,
            update.enabled,
            actor,
            now,
        )
        .await?;
    Ok(())
}

/// Replace one of an account's credentials (sealed; a new secret drops
/// the cached token).
pub async fn set_channel_credential(
    store: &crate::store::Store,
    key: &SecretKey,
    id: i64,
    which: Credential,
    value: &str,
    actor: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), SyndicateError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(SyndicateError::Invalid("请填写密钥".into()));
    }
    let current = store
        .syn_channel(id)
        .await?
        .ok_or_else(|| SyndicateError::Invalid(format!("渠道 {id} 不存在")))?;
    let kind = current.account.kind;
    match which {
        Credential::Secret if matches!(kind, ChannelKind::Webhook | ChannelKind::Website) => {
            crate::notify::send::webhook_key(value).map_err(SyndicateError::Invalid)?;
        }
        Credential::RefreshToken | Credential::AppSecret if !kind.needs_video() => {
            return Err(SyndicateError::Invalid(format!(
                "{}不使用刷新令牌或应用密钥",
                kind.zh()
            )));
        }
        _ => {}
    }
    let sealed = key.seal(&secrets::channel_context(id, which.purpose()), value);
    store
        .syn_set_channel_credential(id, which, Some(&sealed), actor, now)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
