//! Routing: which commentator group an alert goes to when it is raised
//! (rules on category, level, source, tag — first match wins), and which
//! member of the group takes it.

use crate::model::RiskLevel;
use serde::Deserialize;

/// `[[review.routing]]`: every condition given must hold.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    /// Risk category (e.g. 食品安全) of any of the alert's rule hits.
    #[serde(default)]
    pub category: Option<String>,
    /// The alert's level is at least this.
    #[serde(default)]
    pub min_level: Option<RiskLevel>,
    #[serde(default)]
    pub source: Option<String>,
    /// A tag of the source.
    #[serde(default)]
    pub tag: Option<String>,
    /// The commentator group (by name) that takes the alert.
    pub group: String,
}

/// What routing looks at.
#[derive(Debug, Clone, Copy)]
pub struct RouteInput<'a> {
    pub categories: &'a [String],
    pub level: RiskLevel,
    pub source: &'a str,
    pub tags: &'a [String],
}

impl RoutingRule {
    pub fn matches(&self, a: &RouteInput<'_>) -> bool {
        self.category
            .as_ref()
            .is_none_or(|c| a.categories.iter().any(|x| x == c))
            && self.min_level.is_none_or(|l| a.level >= l)
            && self.source.as_ref().is_none_or(|s| s == a.source)
            && self.tag.as_ref().is_none_or(|t| a.tags.contains(t))
    }
}

/// The group of the first matching rule.
pub fn route<'r>(rules: &'r [RoutingRule], alert: &RouteInput<'_>) -> Option<&'r str> {
    rules
        .iter()
        .find(|r| r.matches(alert))
        .map(|r| r.group.as_str())
}

/// How a group's member is chosen.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// The member with the fewest open items (ties: the longest since their
    /// last assignment, then the lowest id).
    #[default]
    LeastLoaded,
    /// In turn, by who was assigned longest ago.
    RoundRobin,
}

/// One active group member as the store sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLoad {
    pub user_id: i64,
    pub open_items: i64,
    /// Seconds since the epoch of their last assignment (0: never).
    pub last_assigned: i64,
}

/// Pick the member who takes the next item.
pub fn pick(members: &[MemberLoad], how: Assignment) -> Option<i64> {
    let key = |m: &MemberLoad| match how {
        Assignment::LeastLoaded => (m.open_items, m.last_assigned, m.user_id),
        Assignment::RoundRobin => (0, m.last_assigned, m.user_id),
    };
    members.iter().min_by_key(|m| key(m)).map(|m| m.user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(category: Option<&str>, min_level: Option<RiskLevel>, group: &str) -> RoutingRule {
        RoutingRule {
            category: category.map(String::from),
            min_level,
            source: None,
            tag: None,
            group: group.into(),
        }
    }

    #[test]
    fn first_matching_rule_wins() {
        let rules = [
            rule(Some("食品安全"), Some(RiskLevel::High), "后勤组"),
            rule(Some("食品安全"), None, "后勤值班"),
            rule(None, Some(RiskLevel::Critical), "应急组"),
        ];
        let cats = vec!["食品安全".to_string()];
        let input = |level| RouteInput {
            categories: &cats,
            level,
            source: "bbs",
            tags: &[],
        };
        assert_eq!(route(&rules, &input(RiskLevel::Critical)), Some("后勤组"));
        assert_eq!(route(&rules, &input(RiskLevel::Medium)), Some("后勤值班"));
        let none = RouteInput {
            categories: &[],
            level: RiskLevel::High,
            source: "bbs",
            tags: &[],
        };
        assert_eq!(route(&rules, &none), None);
        let tagged = RoutingRule {
            tag: Some("官网".into()),
            ..rule(None, None, "宣传组")
        };
        let tags = vec!["官网".to_string()];
        assert!(tagged.matches(&RouteInput {
            tags: &tags,
            ..none
        }));
        assert!(!tagged.matches(&none));
    }

    #[test]
    fn least_loaded_then_longest_waiting() {
        let m = |id, open, last| MemberLoad {
            user_id: id,
            open_items: open,
            last_assigned: last,
        };
        let members = [m(1, 3, 10), m(2, 1, 50), m(3, 1, 20)];
        assert_eq!(pick(&members, Assignment::LeastLoaded), Some(3));
        assert_eq!(pick(&members, Assignment::RoundRobin), Some(1));
        assert_eq!(pick(&[], Assignment::LeastLoaded), None);
    }
}
