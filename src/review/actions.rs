//! The review actions as users (and the system) take them: each checks the
//! actor's permission and the workflow, then changes the alert in the store
//! with its audit entry. The web layer and the SLA job call only these.

use super::routing::{Assignment, RouteInput, RoutingRule, pick, route};
use super::sla::SlaSettings;
use super::{Actor, AlertState, Denied, can_route, check_transition};
use crate::store::{AlertUpdate, AssignTo, ResponseInput, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// `[review]` in `yuqing.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewSettings {
    pub sla: SlaSettings,
    /// First matching rule routes a new alert to a commentator group.
    pub routing: Vec<RoutingRule>,
    pub assignment: Assignment,
    /// How often `yuqing serve` looks for overdue alerts to escalate.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub sla_check: std::time::Duration,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            sla: SlaSettings::default(),
            routing: Vec::new(),
            assignment: Assignment::default(),
            sla_check: std::time::Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{0}")]
    Denied(#[from] Denied),
    #[error("预警 {0} 不存在")]
    NotFound(i64),
    #[error("该预警刚被他人处理，请刷新后重试")]
    Conflict,
    #[error("{0}")]
    Invalid(String),
    #[error("{by} 正在处理该预警（锁定至 {}），请稍后再试", crate::clock::beijing(*until).format("%H:%M"))]
    Locked { by: String, until: DateTime<Utc> },
    #[error("数据库错误：{0}")]
    Store(#[from] StoreError),
}

/// How long an edit lock holds without renewal.
pub const EDIT_LOCK: chrono::Duration = chrono::Duration::minutes(10);

pub struct Review<'a> {
    pub store: &'a Store,
    pub settings: &'a ReviewSettings,
}

impl Review<'_> {
    async fn access(&self, alert_id: i64) -> Result<super::AlertAccess, ReviewError> {
        self.store
            .alert_access(alert_id)
            .await?
            .ok_or(ReviewError::NotFound(alert_id))
    }

    /// Refuse a change while another user holds the alert's edit lock.
    async fn ensure_unlocked(
        &self,
        actor: &Actor,
        alert_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        match self.store.alert_lock(alert_id, now).await? {
            Some(lock) if lock.user_id != actor.user_id => {
                let by = self
                    .store
                    .user(lock.user_id)
                    .await?
                    .map_or_else(|| format!("用户 {}", lock.user_id), |u| u.display_name);
                Err(ReviewError::Locked {
                    by,
                    until: lock.until,
                })
            }
            _ => Ok(()),
        }
    }

    /// Take the edit lock for `EDIT_LOCK` (or renew it): others cannot
    /// change the alert meanwhile. Any change by the holder releases it.
    pub async fn lock(
        &self,
        actor: &Actor,
        alert_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        let access = self.access(alert_id).await?;
        if !super::can_view(actor, &access) {
            return Err(Denied::NotVisible.into());
        }
        if !access.state.is_open() {
            return Err(ReviewError::Invalid("已关闭的预警无需锁定".into()));
        }
        self.ensure_unlocked(actor, alert_id, now).await?;
        self.store
            .lock_alert(alert_id, actor.user_id, now + EDIT_LOCK, now)
            .await?;
        // Someone may have taken it between the check and the update.
        self.ensure_unlocked(actor, alert_id, now).await
    }

    /// Release the actor's own edit lock.
    pub async fn unlock(&self, actor: &Actor, alert_id: i64) -> Result<(), ReviewError> {
        self.store.unlock_alert(alert_id, actor.user_id).await?;
        Ok(())
    }

    /// A note on the alert without a change of state (处置备注), audited.
    pub async fn note(
        &self,
        actor: &Actor,
        alert_id: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        if note.trim().is_empty() {
            return Err(ReviewError::Invalid("请填写备注内容".into()));
        }
        let access = self.access(alert_id).await?;
        if !super::can_view(actor, &access) {
            return Err(Denied::NotVisible.into());
        }
        self.ensure_unlocked(actor, alert_id, now).await?;
        self.store
            .add_alert_note(alert_id, actor.user_id, note.trim(), now)
            .await?;
        Ok(())
    }

    async fn apply(&self, update: AlertUpdate<'_>) -> Result<(), ReviewError> {
        if let Some(user_id) = update.actor {
            let actor = crate::review::Actor {
                user_id,
                roles: Vec::new(),
                groups: Vec::new(),
                leads: Vec::new(),
            };
            self.ensure_unlocked(&actor, update.alert_id, update.at)
                .await?;
        }
        if self.store.change_alert(&update).await? {
            Ok(())
        } else {
            Err(ReviewError::Conflict)
        }
    }

    /// Change the state (start, respond, resolve, escalate, reopen, triage).
    pub async fn transition(
        &self,
        actor: &Actor,
        alert_id: i64,
        to: AlertState,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        let access = self.access(alert_id).await?;
        if matches!(to, AlertState::Assigned | AlertState::Dismissed) {
            return Err(ReviewError::Invalid(
                "分派与排除请使用对应的操作".to_string(),
            ));
        }
        check_transition(actor, &access, to)?;
        self.apply(AlertUpdate {
            alert_id,
            actor: Some(actor.user_id),
            action: "alert.state",
            from: access.state,
            to,
            assign: None,
            due: None,
            false_positive: false,
            note,
            at: now,
        })
        .await
    }

    /// Assign to a user and/or group (reassign included). A group without a
    /// user picks the member by the configured assignment.
    pub async fn assign(
        &self,
        actor: &Actor,
        alert_id: i64,
        user: Option<i64>,
        group: Option<i64>,
        note: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        let access = self.access(alert_id).await?;
        if !can_route(actor, &access) {
            return Err(if super::can_view(actor, &access) {
                Denied::NotAllowed.into()
            } else {
                Denied::NotVisible.into()
            });
        }
        // A lead routes only inside their own group.
        if !actor.is_reviewer() && group.is_some_and(|g| !actor.leads.contains(&g)) {
            return Err(Denied::NotAllowed.into());
        }
        let user = match (user, group) {
            (Some(u), _) => Some(u),
            (None, Some(g)) => pick(&self.store.member_loads(g).await?, self.settings.assignment),
            (None, None) => return Err(ReviewError::Invalid("请选择分派对象".into())),
        };
        if let Some(u) = user {
            let assignee = self.store.actor(u).await?;
            let ok = assignee.is_some_and(|a| {
                a.has(super::Role::Commentator) && group.is_none_or(|g| a.groups.contains(&g))
            });
            if !ok {
                return Err(ReviewError::Invalid(
                    "只能分派给该组内未停用的网评员".into(),
                ));
            }
        }
        let to = AlertState::Assigned;
        let reassign = access.state == AlertState::Assigned;
        if !reassign && !access.state.next().contains(&to) {
            return Err(Denied::IllegalTransition {
                from: access.state,
                to,
            }
            .into());
        }
        self.apply(AlertUpdate {
            alert_id,
            actor: Some(actor.user_id),
            action: if reassign {
                "alert.reassign"
            } else {
                "alert.assign"
            },
            from: access.state,
            to,
            assign: Some(AssignTo {
                user,
                group: group.or(access.group),
            }),
            due: None,
            false_positive: false,
            note,
            at: now,
        })
        .await
    }

    /// Dismiss (排除), e.g. as a false positive (误报) of its rules.
    pub async fn dismiss(
        &self,
        actor: &Actor,
        alert_id: i64,
        reason: &str,
        false_positive: bool,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        if reason.trim().is_empty() {
            return Err(ReviewError::Invalid("请填写排除原因".into()));
        }
        let access = self.access(alert_id).await?;
        check_transition(actor, &access, AlertState::Dismissed)?;
        self.apply(AlertUpdate {
            alert_id,
            actor: Some(actor.user_id),
            action: if false_positive {
                "alert.false_positive"
            } else {
                "alert.dismiss"
            },
            from: access.state,
            to: AlertState::Dismissed,
            assign: None,
            due: None,
            false_positive,
            note: Some(reason.trim()),
            at: now,
        })
        .await
    }

    /// Record the response (text, link to the published reply, channel) and
    /// mark the item responded.
    pub async fn respond(
        &self,
        actor: &Actor,
        alert_id: i64,
        response: &ResponseInput<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        if response.text.trim().is_empty() {
            return Err(ReviewError::Invalid("请填写回应内容".into()));
        }
        if let Some(link) = response.link.filter(|l| !l.trim().is_empty())
            && !url::Url::parse(link.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        {
            return Err(ReviewError::Invalid(format!("回应链接无效：{link}")));
        }
        let access = self.access(alert_id).await?;
        check_transition(actor, &access, AlertState::Responded)?;
        self.ensure_unlocked(actor, alert_id, now).await?;
        self.store
            .add_response(alert_id, actor.user_id, response, now)
            .await?;
        self.apply(AlertUpdate {
            alert_id,
            actor: Some(actor.user_id),
            action: "alert.state",
            from: access.state,
            to: AlertState::Responded,
            assign: None,
            due: None,
            false_positive: false,
            note: None,
            at: now,
        })
        .await
    }

    /// A newly raised alert: its SLA due time, and the group and member the
    /// routing rules choose (by the system, audited).
    pub async fn route_new(
        &self,
        alert_id: i64,
        input: &RouteInput<'_>,
        raised: DateTime<Utc>,
    ) -> Result<(), ReviewError> {
        let due = self.settings.sla.due(input.level, raised);
        let group = match route(&self.settings.routing, input) {
            Some(name) => match self.store.group_id(name).await? {
                Some(id) => Some(id),
                None => {
                    tracing::warn!(group = name, "routing names an unknown group");
                    None
                }
            },
            None => None,
        };
        let user = match group {
            Some(g) => pick(&self.store.member_loads(g).await?, self.settings.assignment),
            None => None,
        };
        let (to, action) = if group.is_some() {
            (AlertState::Assigned, "alert.route")
        } else {
            (AlertState::New, "alert.sla")
        };
        let access = self.access(alert_id).await?;
        if access.state != AlertState::New {
            return Ok(());
        }
        // New → New only sets the due time; allowed here as a system step.
        let update = AlertUpdate {
            alert_id,
            actor: None,
            action,
            from: AlertState::New,
            to,
            assign: group.map(|g| AssignTo {
                user,
                group: Some(g),
            }),
            due: Some(due),
            false_positive: false,
            note: None,
            at: raised,
        };
        self.apply(update).await
    }

    /// Escalate open alerts past their due time (to the group lead and the
    /// monitors); returns how many.
    pub async fn escalate_overdue(&self, now: DateTime<Utc>) -> Result<usize, ReviewError> {
        let mut n = 0;
        for (alert_id, state) in self.store.overdue_alerts(now).await? {
            let done = self
                .store
                .change_alert(&AlertUpdate {
                    alert_id,
                    actor: None,
                    action: "alert.sla_escalate",
                    from: state,
                    to: AlertState::Escalated,
                    assign: None,
                    due: None,
                    false_positive: false,
                    note: Some("超过处置时限，自动升级"),
                    at: now,
                })
                .await?;
            n += usize::from(done);
        }
        Ok(n)
    }
}
