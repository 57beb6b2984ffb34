//! Service levels: how long each level may wait for a response.

use crate::model::RiskLevel;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::time::Duration;

/// `[review.sla]`: time to respond per level; a level without one has no due time.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SlaSettings {
    #[serde(deserialize_with = "crate::config::deserialize_opt_duration")]
    pub critical: Option<Duration>,
    #[serde(deserialize_with = "crate::config::deserialize_opt_duration")]
    pub high: Option<Duration>,
    #[serde(deserialize_with = "crate::config::deserialize_opt_duration")]
    pub medium: Option<Duration>,
    #[serde(deserialize_with = "crate::config::deserialize_opt_duration")]
    pub low: Option<Duration>,
}

impl Default for SlaSettings {
    fn default() -> Self {
        SlaSettings {
            critical: Some(Duration::from_secs(3600)),
            high: Some(Duration::from_secs(4 * 3600)),
            medium: Some(Duration::from_secs(24 * 3600)),
            low: None,
        }
    }
}

impl SlaSettings {
    pub fn limit(&self, level: RiskLevel) -> Option<Duration> {
        match level {
            RiskLevel::Critical => self.critical,
            RiskLevel::High => self.high,
            RiskLevel::Medium => self.medium,
            RiskLevel::Low => self.low,
            RiskLevel::None => None,
        }
    }

    /// When an alert of `level` raised at `raised` is due.
    pub fn due(&self, level: RiskLevel, raised: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.limit(level)
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| raised + d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_issue() {
        let s = SlaSettings::default();
        let t = DateTime::parse_from_rfc3339("2026-03-18T10:00:00+08:00")
            .unwrap()
            .to_utc();
        assert_eq!(
            s.due(RiskLevel::Critical, t).unwrap() - t,
            chrono::Duration::hours(1)
        );
        assert_eq!(
            s.due(RiskLevel::High, t).unwrap() - t,
            chrono::Duration::hours(4)
        );
        assert_eq!(
            s.due(RiskLevel::Medium, t).unwrap() - t,
            chrono::Duration::hours(24)
        );
        assert_eq!(s.due(RiskLevel::Low, t), None);
    }
}
