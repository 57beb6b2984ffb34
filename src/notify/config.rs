//! `[notify]` and `[[notify.channels]]`: where alerts are sent and when.

use crate::config::{Secret, deserialize_duration};
use crate::model::{Channel, RiskLevel};
use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc, Weekday};
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// Beijing time (UTC+8, no daylight saving): quiet hours and weekdays are read in it.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// Off: no notifier runs even with channels configured.
    pub enabled: bool,
    /// The dashboard's address, for 「处理预警」 links (`{base_url}/alerts/{id}`).
    pub base_url: Option<String>,
    /// How often the notifier looks for changed alerts and due retries.
    #[serde(deserialize_with = "deserialize_duration")]
    pub poll: Duration,
    /// First retry delay; doubled each attempt.
    #[serde(deserialize_with = "deserialize_duration")]
    pub retry_backoff: Duration,
    /// Longest retry delay.
    #[serde(deserialize_with = "deserialize_duration")]
    pub retry_max_backoff: Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: u32,
    /// Whole request to a robot or webhook.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// On the very first start, alerts changed this long ago are still notified.
    #[serde(deserialize_with = "deserialize_duration")]
    pub backlog: Duration,
    pub channels: Vec<ChannelConfig>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            enabled: true,
            base_url: None,
            poll: Duration::from_secs(5),
            retry_backoff: Duration::from_secs(30),
            retry_max_backoff: Duration::from_secs(3600),
            max_attempts: 8,
            timeout: Duration::from_secs(10),
            backlog: Duration::from_secs(3600),
            channels: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// 企业微信群机器人.
    Wecom,
    /// 钉钉自定义机器人 (加签).
    Dingtalk,
    /// Any HTTP endpoint, signed per Standard Webhooks.
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Wecom => "wecom",
            ChannelKind::Dingtalk => "dingtalk",
            ChannelKind::Webhook => "webhook",
        }
    }

    pub fn is_robot(self) -> bool {
        self != ChannelKind::Webhook
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageFormat {
    #[default]
    Markdown,
    Text,
}

/// One `[[notify.channels]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    /// The robot's webhook address (its key or access token included) or
    /// the webhook endpoint; secret, never logged.
    pub url: Secret,
    /// DingTalk 加签 secret (`SEC…`) or Standard Webhooks secret (`whsec_…`).
    #[serde(default)]
    pub secret: Option<Secret>,
    /// Robots: `markdown` (default) or `text`.
    #[serde(default)]
    pub format: MessageFormat,
    /// Alerts below this level are not sent here.
    #[serde(default = "default_min_level")]
    pub min_level: RiskLevel,
    /// Only alerts with one of these risk categories (empty: all).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Only alerts whose post comes from one of these sources (empty: all).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Only alerts whose post appeared on one of these channel types (empty: all).
    #[serde(default)]
    pub source_channels: Vec<Channel>,
    /// Beijing time, e.g. `"22:00-07:30"`: messages wait until it ends.
    #[serde(default, deserialize_with = "deserialize_quiet")]
    pub quiet_hours: Option<QuietHours>,
    /// Levels sent at once even in quiet hours, on switched-off weekdays,
    /// within `min_interval` or a digest window.
    #[serde(default = "default_bypass")]
    pub bypass_levels: Vec<RiskLevel>,
    /// Days on which messages are sent (Beijing time); others wait.
    #[serde(default = "all_weekdays", deserialize_with = "deserialize_weekdays")]
    pub weekdays: Vec<Weekday>,
    /// Least time between two messages; alerts meanwhile go into one digest.
    #[serde(default, deserialize_with = "deserialize_duration")]
    pub min_interval: Duration,
    /// Hold the first queued alert this long to gather others into a digest.
    #[serde(default, deserialize_with = "deserialize_duration")]
    pub digest_window: Duration,
    /// Notify again when the event cluster grew by this many posts (0: only
    /// when the level rises).
    #[serde(default)]
    pub growth_step: u32,
    /// Requests a minute; the robots allow 20 and throttle for 10 minutes beyond.
    #[serde(default = "default_per_minute")]
    pub max_per_minute: u32,
}

fn default_min_level() -> RiskLevel {
    RiskLevel::Medium
}

fn default_bypass() -> Vec<RiskLevel> {
    vec![RiskLevel::Critical]
}

fn default_per_minute() -> u32 {
    20
}

pub const ROBOT_MAX_PER_MINUTE: u32 = 20;

fn all_weekdays() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
}

/// A daily span in Beijing time; `start > end` crosses midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Minutes after midnight.
    pub start: u32,
    pub end: u32,
}

impl QuietHours {
    pub fn parse(s: &str) -> Result<QuietHours, String> {
        let bad = || format!("invalid quiet hours '{s}': expected HH:MM-HH:MM, e.g. 22:00-07:30");
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let minutes = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60 && t.trim().len() == 5).then_some(h * 60 + m)
        };
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        if start == end {
            return Err(format!(
                "invalid quiet hours '{s}': start and end are equal"
            ));
        }
        Ok(QuietHours { start, end })
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let t = at.with_timezone(&beijing());
        let m = t.hour() * 60 + t.minute();
        if self.start < self.end {
            (self.start..self.end).contains(&m)
        } else {
            m >= self.start || m < self.end
        }
    }
}

fn deserialize_quiet<'de, D: Deserializer<'de>>(d: D) -> Result<Option<QuietHours>, D::Error> {
    Option::<String>::deserialize(d)?
        .filter(|s| !s.trim().is_empty())
        .map(|s| QuietHours::parse(&s).map_err(serde::de::Error::custom))
        .transpose()
}

fn deserialize_weekdays<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| {
            s.parse::<Weekday>().map_err(|_| {
                serde::de::Error::custom(format!(
                    "unknown weekday '{s}' (expected mon, tue, wed, thu, fri, sat or sun)"
                ))
            })
        })
        .collect()
}

impl ChannelConfig {
    /// Whether messages may go out at `now` (quiet hours, weekdays) for an
    /// alert of `level`.
    pub fn open_at(&self, now: DateTime<Utc>, level: RiskLevel) -> bool {
        if self.bypasses(level) {
            return true;
        }
        let day = now.with_timezone(&beijing()).weekday();
        self.weekdays.contains(&day) && !self.quiet_hours.is_some_and(|q| q.contains(now))
    }

    pub fn bypasses(&self, level: RiskLevel) -> bool {
        self.bypass_levels.contains(&level)
    }

    /// Whether an alert belongs on this channel at all.
    pub fn wants(&self, alert: &crate::store::NotifyAlert) -> bool {
        alert.level >= self.min_level
            && (self.categories.is_empty()
                || alert.categories.iter().any(|c| self.categories.contains(c)))
            && (self.sources.is_empty() || self.sources.contains(&alert.source))
            && (self.source_channels.is_empty() || self.source_channels.contains(&alert.channel))
    }
}

impl NotifySettings {
    /// Checks every key; the error is `(key, message)` with the key relative
    /// to the config root.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: &str| Err((format!("notify.{k}"), m.to_string()));
        if let Some(b) = &self.base_url
            && !url::Url::parse(b).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return err("base_url", "must be an http(s) URL");
        }
        if self.poll < Duration::from_millis(10) {
            return err("poll", "must be at least 10ms");
        }
        if self.retry_backoff.is_zero() || self.retry_max_backoff < self.retry_backoff {
            return err(
                "retry_backoff",
                "must be positive and not above retry_max_backoff",
            );
        }
        if self.max_attempts == 0 {
            return err("max_attempts", "must be at least 1");
        }
        if self.timeout.is_zero() {
            return err("timeout", "must be positive");
        }
        let mut names = std::collections::HashSet::new();
        for (i, c) in self.channels.iter().enumerate() {
            let key = |f: &str| format!("channels[{i}].{f}");
            let fail = |f: &str, m: String| Err((format!("notify.{}", key(f)), m));
            if c.name.trim().is_empty() {
                return fail("name", "must not be empty".into());
            }
            if !names.insert(c.name.as_str()) {
                return fail("name", format!("duplicate channel name '{}'", c.name));
            }
            // The URL is a secret: the message never quotes it.
            match url::Url::parse(c.url.expose()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => return fail("url", "is not an http(s) URL".into()),
            }
            match (c.kind, &c.secret) {
                (ChannelKind::Wecom, Some(_)) => {
                    return fail("secret", "WeCom robots are not signed; remove it".into());
                }
                (ChannelKind::Dingtalk, None) => {
                    return fail("secret", "required: the robot's 加签 secret (SEC…)".into());
                }
                (ChannelKind::Dingtalk, Some(s)) if !s.expose().starts_with("SEC") => {
                    return fail("secret", "a DingTalk 加签 secret starts with SEC".into());
                }
                (ChannelKind::Webhook, None) => {
                    return fail("secret", "required: a whsec_… signing secret".into());
                }
                (ChannelKind::Webhook, Some(s)) => {
                    if let Err(m) = crate::notify::send::webhook_key(s.expose()) {
                        return fail("secret", m);
                    }
                }
                _ => {}
            }
            if c.kind == ChannelKind::Webhook && c.format == MessageFormat::Text {
                return fail("format", "a webhook always receives JSON".into());
            }
            if c.max_per_minute == 0 {
                return fail("max_per_minute", "must be at least 1".into());
            }
            if c.kind.is_robot() && c.max_per_minute > ROBOT_MAX_PER_MINUTE {
                return fail(
                    "max_per_minute",
                    format!("robots accept at most {ROBOT_MAX_PER_MINUTE} messages a minute"),
                );
            }
            if c.weekdays.is_empty() {
                return fail("weekdays", "must name at least one day".into());
            }
            if c.min_interval > Duration::from_secs(86_400) {
                return fail("min_interval", "must be at most 1d".into());
            }
            if c.digest_window > Duration::from_secs(86_400) {
                return fail("digest_window", "must be at most 1d".into());
            }
            if c.categories.iter().any(|s| s.trim().is_empty()) {
                return fail("categories", "must not contain empty names".into());
            }
        }
        Ok(())
    }

    /// Channels to run, if notifications are on.
    pub fn active(&self) -> bool {
        self.enabled && !self.channels.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // Wednesday 2026-03-18 in Beijing.
        beijing()
            .with_ymd_and_hms(2026, 3, 18, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn quiet_hours_cross_midnight_in_beijing_time() {
        let q = QuietHours::parse("22:00-07:30").unwrap();
        assert!(q.contains(at(22, 0)) && q.contains(at(23, 59)) && q.contains(at(0, 0)));
        assert!(q.contains(at(7, 29)) && !q.contains(at(7, 30)) && !q.contains(at(12, 0)));
        let day = QuietHours::parse("12:00-13:30").unwrap();
        assert!(day.contains(at(12, 45)) && !day.contains(at(13, 30)) && !day.contains(at(11, 59)));
        for bad in [
            "22:00",
            "25:00-07:00",
            "22:00-22:00",
            "7:00-8:00",
            "22:00-07:60",
        ] {
            assert!(QuietHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bypass_levels_ignore_quiet_hours_and_weekdays() {
        let c: ChannelConfig = toml::from_str(
            "name = \"x\"\nkind = \"wecom\"\nurl = \"http://127.0.0.1/\"\n\
             quiet_hours = \"22:00-07:30\"\nweekdays = [\"thu\"]\n",
        )
        .unwrap();
        // Wednesday: switched off.
        assert!(!c.open_at(at(10, 0), RiskLevel::High));
        assert!(c.open_at(at(10, 0), RiskLevel::Critical));
        let thursday_night = at(23, 0) + chrono::TimeDelta::days(1);
        assert!(!c.open_at(thursday_night, RiskLevel::High));
        assert!(c.open_at(
            thursday_night - chrono::TimeDelta::hours(12),
            RiskLevel::High
        ));
    }
}
