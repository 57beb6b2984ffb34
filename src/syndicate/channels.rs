//! The media matrix: the college's channel accounts, each named the same
//! way ("XX职业技术学院" + platform), with per-account settings (API hosts
//! are configurable so tests point at local mocks) and sealed secrets.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A platform the college publishes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// The college website: RSS/Atom/JSON Feed served by yuqing, plus an
    /// optional signed webhook to the CMS.
    Website,
    /// A generic Standard Webhooks receiver.
    Webhook,
    /// WeChat official account (微信公众号).
    Wechat,
    Weibo,
    Douyin,
    Kuaishou,
    Bilibili,
}

impl ChannelKind {
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Website,
        ChannelKind::Webhook,
        ChannelKind::Wechat,
        ChannelKind::Weibo,
        ChannelKind::Douyin,
        ChannelKind::Kuaishou,
        ChannelKind::Bilibili,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Website => "website",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Wechat => "wechat",
            ChannelKind::Weibo => "weibo",
            ChannelKind::Douyin => "douyin",
            ChannelKind::Kuaishou => "kuaishou",
            ChannelKind::Bilibili => "bilibili",
        }
    }

    /// The platform part of an account's unified name.
    pub fn zh(self) -> &'static str {
        match self {
            ChannelKind::Website => "官网",
            ChannelKind::Webhook => "Webhook",
            ChannelKind::Wechat => "微信公众号",
            ChannelKind::Weibo => "官方微博",
            ChannelKind::Douyin => "抖音号",
            ChannelKind::Kuaishou => "快手号",
            ChannelKind::Bilibili => "B站账号",
        }
    }

    /// Video platforms take content only when it has a video.
    pub fn needs_video(self) -> bool {
        matches!(
            self,
            ChannelKind::Douyin | ChannelKind::Kuaishou | ChannelKind::Bilibili
        )
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ChannelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ChannelKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("未知渠道类型 '{s}'"))
    }
}

/// The unified account name: the college's name, then the platform, with an
/// optional qualifier (e.g. a department) in between.
pub fn unified_name(college: &str, qualifier: Option<&str>, kind: ChannelKind) -> String {
    match qualifier.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => format!("{}{}{}", college.trim(), q, kind.zh()),
        None => format!("{}{}", college.trim(), kind.zh()),
    }
}

/// An account's settings without secrets (those are sealed separately).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelSettings {
    /// API base, e.g. `https://api.weixin.qq.com`; tests use a local mock.
    pub api_base: Option<String>,
    /// Webhook endpoint (webhook channels, the website's CMS hook).
    pub url: Option<String>,
    /// WeChat appid (not secret).
    pub app_id: Option<String>,
    /// Byline for WeChat articles.
    pub author: Option<String>,
    /// Weibo: the app's registered safe domain every post must link into.
    pub safe_domain: Option<String>,
    /// Website: public base URL of published content.
    pub site_url: Option<String>,
    /// Douyin: the authorised user's `open_id`.
    pub open_id: Option<String>,
    /// Bilibili: the partition (`tid`) videos are filed under; default 208
    /// (校园学习).
    pub category: Option<i64>,
    /// Per-step endpoint overrides, e.g. `start_upload` →
    /// `/openapi/photo/start_upload`: a path under `api_base` or a full URL.
    /// Kuaishou's paths are not verified against the platform, so they are
    /// settings; Bilibili uploads parts to another host (`part_upload`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub paths: std::collections::BTreeMap<String, String>,
}

/// A channel account as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAccount {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub settings: ChannelSettings,
    pub enabled: bool,
    pub paused_until: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl ChannelAccount {
    /// The API base of the account, or the platform's public one.
    pub fn api_base(&self) -> String {
        let default = match self.kind {
            ChannelKind::Wechat => "https://api.weixin.qq.com",
            ChannelKind::Weibo => "https://api.weibo.com",
            ChannelKind::Douyin => "https://open.douyin.com",
            ChannelKind::Bilibili => "https://member.bilibili.com",
            ChannelKind::Kuaishou => "https://open.kuaishou.com",
            ChannelKind::Website | ChannelKind::Webhook => "",
        };
        self.settings
            .api_base
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string()
    }
}

/// Why a channel account cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("账号名称应以学校名称开头、以「{0}」结尾")]
    Name(&'static str),
    #[error("{0}")]
    Setting(String),
}

/// Which sealed credentials an account holds (or is given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    pub secret: bool,
    pub refresh_token: bool,
    pub app_secret: bool,
}

/// Check an account before it is stored: the unified name and the settings
/// and credentials its adapter needs.
pub fn validate(
    college: &str,
    name: &str,
    kind: ChannelKind,
    settings: &ChannelSettings,
    held: Held,
) -> Result<(), ChannelError> {
    let has_secret = held.secret;
    if !name.starts_with(college.trim()) || !name.ends_with(kind.zh()) {
        return Err(ChannelError::Name(kind.zh()));
    }
    let need = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(ChannelError::Setting(format!(
                "{}需要设置{what}",
                kind.zh()
            )))
        }
    };
    for u in [&settings.api_base, &settings.url, &settings.site_url]
        .into_iter()
        .flatten()
        .chain(settings.paths.values().filter(|p| !p.starts_with('/')))
    {
        url::Url::parse(u).map_err(|_| ChannelError::Setting(format!("地址无效：{u}")))?;
    }
    match kind {
        ChannelKind::Webhook => {
            need(settings.url.is_some(), " url")?;
            need(has_secret, " whsec_ 签名密钥")
        }
        ChannelKind::Website => {
            need(settings.site_url.is_some(), " site_url")?;
            // The CMS hook is optional, but signed when present.
            need(settings.url.is_none() || has_secret, " whsec_ 签名密钥")
        }
        ChannelKind::Wechat => {
            need(settings.app_id.is_some(), " app_id")?;
            need(has_secret, " AppSecret")
        }
        ChannelKind::Weibo => {
            need(settings.safe_domain.is_some(), " safe_domain（安全域名）")?;
            need(has_secret, " access_token")
        }
        // Refreshing a grant names the app: Douyin by its client_key
        // (app_id), Kuaishou by app_id and app secret.
        ChannelKind::Douyin => {
            need(settings.open_id.is_some(), " open_id")?;
            need(has_secret, " access_token")?;
            need(
                !held.refresh_token || settings.app_id.is_some(),
                " app_id（client_key，刷新令牌时需要）",
            )
        }
        ChannelKind::Kuaishou => {
            need(settings.app_id.is_some(), " app_id")?;
            need(has_secret, " access_token")?;
            need(
                !held.refresh_token || held.app_secret,
                " app_secret（刷新令牌时需要）",
            )
        }
        // Every open-platform request is signed with the app's client_id
        // and secret.
        ChannelKind::Bilibili => {
            need(settings.app_id.is_some(), " app_id（client_id）")?;
            need(held.app_secret, " app_secret（请求签名用）")?;
            need(has_secret, " access_token")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_names() {
        assert_eq!(
            unified_name("XX职业技术学院", None, ChannelKind::Wechat),
            "XX职业技术学院微信公众号"
        );
        assert_eq!(
            unified_name("XX职业技术学院", Some("团委"), ChannelKind::Weibo),
            "XX职业技术学院团委官方微博"
        );
    }

    #[test]
    fn validation_names_what_is_missing() {
        let s = ChannelSettings::default();
        let secret = Held {
            secret: true,
            ..Held::default()
        };
        assert_eq!(
            validate(
                "XX职业技术学院",
                "某公众号",
                ChannelKind::Wechat,
                &s,
                secret
            ),
            Err(ChannelError::Name("微信公众号"))
        );
        let e = validate(
            "XX职业技术学院",
            "XX职业技术学院微信公众号",
            ChannelKind::Wechat,
            &s,
            secret,
        )
        .unwrap_err();
        assert!(e.to_string().contains("app_id"), "{e}");
        let ok = ChannelSettings {
            app_id: Some("wx1".into()),
            ..s
        };
        validate(
            "XX职业技术学院",
            "XX职业技术学院微信公众号",
            ChannelKind::Wechat,
            &ok,
            secret,
        )
        .unwrap();
    }

    #[test]
    fn video_grants_name_the_app_that_refreshes_or_signs_them() {
        let college = "XX职业技术学院";
        let with_refresh = Held {
            secret: true,
            refresh_token: true,
            app_secret: false,
        };
        let dy = ChannelSettings {
            open_id: Some("o".into()),
            ..ChannelSettings::default()
        };
        let e = validate(
            college,
            "XX职业技术学院抖音号",
            ChannelKind::Douyin,
            &dy,
            with_refresh,
        )
        .unwrap_err();
        assert!(e.to_string().contains("client_key"), "{e}");
        let ks = ChannelSettings {
            app_id: Some("ks1".into()),
            ..ChannelSettings::default()
        };
        let e = validate(
            college,
            "XX职业技术学院快手号",
            ChannelKind::Kuaishou,
            &ks,
            with_refresh,
        )
        .unwrap_err();
        assert!(e.to_string().contains("app_secret"), "{e}");
        let e = validate(
            college,
            "XX职业技术学院B站账号",
            ChannelKind::Bilibili,
            &ks,
            Held {
                secret: true,
                ..Held::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("签名"), "{e}");
        validate(
            college,
            "XX职业技术学院B站账号",
            ChannelKind::Bilibili,
            &ks,
            Held {
                secret: true,
                refresh_token: true,
                app_secret: true,
            },
        )
        .unwrap();
    }
}
