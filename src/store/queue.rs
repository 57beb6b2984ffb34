//! What the dashboard reads: the alert queue with its filters, one alert
//! with its cluster and history, counts for the overview. Types here; the
//! SQL, written once for both backends, is in `queue_sql.rs`.

use crate::model::{Channel, Metrics, RiskLevel};
use crate::review::AlertState;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertSort {
    /// Highest risk first, newest among equals.
    #[default]
    Risk,
    /// Newest raised first.
    Newest,
    /// Most recently changed first (a growing cluster moves up).
    Updated,
    /// Earliest due first; items without a due time last.
    Due,
}

/// Restricts the queue to what a commentator may see: their own items and
/// their groups' items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visibility {
    pub user_id: i64,
    pub groups: Vec<i64>,
}

/// Filters of the alert queue; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub ids: Option<Vec<i64>>,
    pub levels: Vec<RiskLevel>,
    pub states: Vec<AlertState>,
    pub category: Option<String>,
    pub source: Option<String>,
    pub channel: Option<Channel>,
    /// `positive`, `neutral` or `negative`.
    pub sentiment: Option<String>,
    /// Raised at or after / before.
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub assignee: Option<i64>,
    pub unassigned: bool,
    pub group: Option<i64>,
    /// Only alerts of these event clusters (from a full-text search).
    pub events: Option<Vec<i64>>,
    /// Open and past due at this time.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Only alerts newer than this id (live updates).
    pub after_id: Option<i64>,
    pub visible_to: Option<Visibility>,
    pub sort: AlertSort,
    pub offset: i64,
    pub limit: i64,
}

/// One row of the queue.
#[derive(Debug, Clone, Serialize)]
pub struct AlertListItem {
    pub id: i64,
    pub event_id: i64,
    pub post_id: i64,
    pub level: RiskLevel,
    pub risk_score: i64,
    pub state: AlertState,
    pub post_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub false_positive: bool,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub group_id: Option<i64>,
    pub group: Option<String>,
    pub locked_by: Option<i64>,
    pub locked_until: Option<DateTime<Utc>>,
    pub title: String,
    /// The first characters of the text (unmasked: mask before display).
    pub excerpt: String,
    pub source: String,
    pub channel: Channel,
    pub url: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub sentiment_label: Option<String>,
    pub sentiment_score: Option<f64>,
    pub categories: Vec<String>,
}

/// A page of the queue and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    pub items: Vec<AlertListItem>,
    pub total: i64,
}

/// A post of an event cluster, for its timeline.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterPost {
    pub id: i64,
    pub source: String,
    pub channel: Channel,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub fetched_at: DateTime<Utc>,
    pub metrics: Option<Metrics>,
    pub risk_score: Option<i64>,
    pub parent_id: Option<i64>,
}

impl ClusterPost {
    /// When it appeared: published, or first seen when the source gives no date.
    pub fn seen_at(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.fetched_at)
    }
}

/// A commentator's recorded response.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRow {
    pub id: i64,
    pub user: String,
    pub text: String,
    pub link: Option<String>,
    pub channel: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A commentator group with its members.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub lead_id: Option<i64>,
    pub members: Vec<i64>,
}

/// The facts about one alert that the overview and reports count.
#[derive(Debug, Clone, Serialize)]
pub struct AlertFacts {
    pub id: i64,
    pub event_id: i64,
    pub level: RiskLevel,
    pub state: AlertState,
    pub created_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub false_positive: bool,
    pub assignee_id: Option<i64>,
    pub source: String,
    pub channel: Channel,
    pub sentiment_label: Option<String>,
    pub categories: Vec<String>,
    /// Rules that fired on the alert's post.
    pub rules: Vec<String>,
}

/// A held edit lock on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditLock {
    pub user_id: i64,
    pub until: DateTime<Utc>,
}

pub(crate) fn parse_json_list(s: Option<String>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// An event cluster with recent activity (hot events).
#[derive(Debug, Clone, Serialize)]
pub struct ActiveEvent {
    pub id: i64,
    pub title: String,
    pub post_count: i64,
    pub source_count: i64,
    pub max_risk: i64,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub alert_id: Option<i64>,
    pub state: Option<AlertState>,
    pub level: Option<RiskLevel>,
}

/// A commentator's work over a period (reports).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Workload {
    pub user_id: i64,
    pub name: String,
    /// Alerts assigned to them in the period.
    pub assigned: i64,
    /// Responses they recorded in the period.
    pub responded: i64,
    /// Their alerts resolved in the period.
    pub resolved: i64,
    /// Open alerts assigned to them now, and how many of those are overdue.
    pub open: i64,
    pub overdue: i64,
}
