//! Types of the review tables (users, alert handling, audit) as the store
//! reads and writes them; the queries are in `review_sql.rs`.

use super::StoreError;
use crate::review::{AlertState, Role};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    pub roles: &'a [Role],
    /// Who created the user (none: the command line).
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub password_changed_at: DateTime<Utc>,
}

/// A new assignee and group for an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssignTo {
    pub user: Option<i64>,
    pub group: Option<i64>,
}

/// One change to an alert, checked by `crate::review` before it is made.
#[derive(Debug, Clone)]
pub struct AlertUpdate<'a> {
    pub alert_id: i64,
    /// None: the system (routing, SLA).
    pub actor: Option<i64>,
    /// The audit action, e.g. `alert.assign`, `alert.state`.
    pub action: &'a str,
    pub from: AlertState,
    pub to: AlertState,
    pub assign: Option<AssignTo>,
    /// `Some(due)` sets (or with `Some(None)` clears) the due time.
    pub due: Option<Option<DateTime<Utc>>>,
    pub false_positive: bool,
    pub note: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub struct ResponseInput<'a> {
    pub text: &'a str,
    /// Link to the published reply.
    pub link: Option<&'a str>,
    /// Where it was published (微博, 公众号 …).
    pub channel: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: i64,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub note: Option<String>,
}

pub(crate) fn roles_text(roles: &[Role]) -> String {
    let mut r: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    r.sort_unstable();
    r.dedup();
    r.join(",")
}

/// Roles in their canonical order (admin, monitor, commentator, publisher).
pub(crate) fn parse_roles(s: &str) -> Result<Vec<Role>, StoreError> {
    let mut roles = s
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.parse().map_err(|message| StoreError::Corrupt {
                table: "users",
                message,
            })
        })
        .collect::<Result<Vec<Role>, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// A signed-in session (the cookie value itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}
