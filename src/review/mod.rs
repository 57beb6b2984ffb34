//! Review: what happens to an alert after it is raised — its states and the
//! legal moves between them, who may make each move, routing to a
//! commentator group, SLA due times. Pure rules over domain values; the
//! store persists them (with an audit entry per action) and the web layer
//! calls them before every change. Deny by default.

pub mod actions;
pub mod routing;
pub mod sla;
pub mod users;

pub use actions::{Review, ReviewError, ReviewSettings};

use serde::{Deserialize, Serialize};
use std::fmt;

/// A user's role; a user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    /// 监测员: reviews and routes alerts.
    Monitor,
    /// 网评员: handles the items routed to them.
    Commentator,
    /// 宣传员: writes and syndicates content.
    Publisher,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Monitor,
        Role::Commentator,
        Role::Publisher,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Monitor => "monitor",
            Role::Commentator => "commentator",
            Role::Publisher => "publisher",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Monitor => "监测员",
            Role::Commentator => "网评员",
            Role::Publisher => "宣传员",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim() || r.zh() == s.trim())
            .ok_or_else(|| format!("未知角色 '{s}'（可用：admin monitor commentator publisher）"))
    }
}

/// Where an alert is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    New,
    Triaged,
    Assigned,
    InProgress,
    Responded,
    Resolved,
    Dismissed,
    Escalated,
}

impl AlertState {
    pub const ALL: [AlertState; 8] = [
        AlertState::New,
        AlertState::Triaged,
        AlertState::Assigned,
        AlertState::InProgress,
        AlertState::Responded,
        AlertState::Resolved,
        AlertState::Dismissed,
        AlertState::Escalated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::New => "new",
            AlertState::Triaged => "triaged",
            AlertState::Assigned => "assigned",
            AlertState::InProgress => "in_progress",
            AlertState::Responded => "responded",
            AlertState::Resolved => "resolved",
            AlertState::Dismissed => "dismissed",
            AlertState::Escalated => "escalated",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            AlertState::New => "待研判",
            AlertState::Triaged => "已研判",
            AlertState::Assigned => "已分派",
            AlertState::InProgress => "处置中",
            AlertState::Responded => "已回应",
            AlertState::Resolved => "已办结",
            AlertState::Dismissed => "已排除",
            AlertState::Escalated => "已升级",
        }
    }

    /// Still needs someone's attention (counts for load and SLA).
    pub fn is_open(self) -> bool {
        !matches!(self, AlertState::Resolved | AlertState::Dismissed)
    }

    /// The moves the workflow allows from here, whoever makes them.
    pub fn next(self) -> &'static [AlertState] {
        use AlertState::*;
        match self {
            New => &[Triaged, Assigned, Dismissed, Escalated],
            Triaged => &[Assigned, Dismissed, Escalated],
            Assigned => &[InProgress, Escalated, Dismissed],
            InProgress => &[Responded, Escalated],
            Responded => &[Resolved, InProgress, Escalated],
            Escalated => &[Assigned, InProgress, Resolved, Dismissed],
            // Reopening goes back to triage.
            Resolved | Dismissed => &[Triaged],
        }
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AlertState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AlertState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("未知状态 '{s}'"))
    }
}

/// Who is acting: a user with roles and commentator groups (ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub roles: Vec<Role>,
    pub groups: Vec<i64>,
    /// Groups this user leads.
    pub leads: Vec<i64>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Monitors and admins see and route everything.
    pub fn is_reviewer(&self) -> bool {
        self.has(Role::Admin) || self.has(Role::Monitor)
    }
}

/// The parts of an alert that permissions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertAccess {
    pub state: AlertState,
    pub assignee: Option<i64>,
    pub group: Option<i64>,
}

/// Why an action is refused; shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("没有权限查看该预警")]
    NotVisible,
    #[error("没有权限执行该操作")]
    NotAllowed,
    #[error("不能从「{}」变为「{}」", from.zh(), to.zh())]
    IllegalTransition { from: AlertState, to: AlertState },
    #[error("{0}")]
    Missing(&'static str),
}

/// Whether `actor` may see the alert: reviewers see all; a commentator only
/// what is assigned to them or to one of their groups.
pub fn can_view(actor: &Actor, alert: &AlertAccess) -> bool {
    actor.is_reviewer()
        || (actor.has(Role::Commentator)
            && (alert.assignee == Some(actor.user_id)
                || alert.group.is_some_and(|g| actor.groups.contains(&g))))
}

/// Whether `actor` may route (assign, reassign) the alert.
pub fn can_route(actor: &Actor, alert: &AlertAccess) -> bool {
    actor.is_reviewer() || alert.group.is_some_and(|g| actor.leads.contains(&g))
}

/// Check a state change by `actor`. Reviewers may make any legal move; a
/// commentator works the items routed to them (start, respond, close,
/// escalate); a group lead may also take back an escalated item of the group.
pub fn check_transition(actor: &Actor, alert: &AlertAccess, to: AlertState) -> Result<(), Denied> {
    use AlertState::*;
    if !can_view(actor, alert) {
        return Err(Denied::NotVisible);
    }
    if !alert.state.next().contains(&to) {
        return Err(Denied::IllegalTransition {
            from: alert.state,
            to,
        });
    }
    if actor.is_reviewer() {
        return Ok(());
    }
    let own = alert.assignee == Some(actor.user_id);
    let lead = alert.group.is_some_and(|g| actor.leads.contains(&g));
    let allowed = match (alert.state, to) {
        (Assigned, InProgress) => own || lead,
        (InProgress, Responded) | (Responded, Resolved) | (Responded, InProgress) => own,
        (Assigned | InProgress | Responded, Escalated) => own || lead,
        (Escalated, Assigned | InProgress) => lead,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::NotAllowed)
    }
}

#[cfg(test)]
mod store_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use AlertState::*;

    fn actor(id: i64, roles: &[Role], groups: &[i64], leads: &[i64]) -> Actor {
        Actor {
            user_id: id,
            roles: roles.to_vec(),
            groups: groups.to_vec(),
            leads: leads.to_vec(),
        }
    }

    fn alert(state: AlertState, assignee: Option<i64>, group: Option<i64>) -> AlertAccess {
        AlertAccess {
            state,
            assignee,
            group,
        }
    }

    #[test]
    fn every_state_can_reach_an_end_and_ends_only_reopen() {
        for s in AlertState::ALL {
            assert!(!s.next().is_empty(), "{s}");
            assert!(!s.next().contains(&s), "{s} loops to itself");
        }
        assert_eq!(Resolved.next(), [Triaged]);
        assert_eq!(Dismissed.next(), [Triaged]);
        assert!(!New.next().contains(&Resolved));
    }

    #[test]
    fn states_and_roles_parse_from_their_names() {
        for s in AlertState::ALL {
            assert_eq!(s.as_str().parse::<AlertState>().unwrap(), s);
        }
        assert_eq!("网评员".parse::<Role>().unwrap(), Role::Commentator);
        assert!("boss".parse::<Role>().is_err());
    }

    #[test]
    fn commentators_see_only_their_own_or_their_groups_items() {
        let c = actor(7, &[Role::Commentator], &[1], &[]);
        assert!(can_view(&c, &alert(Assigned, Some(7), None)));
        assert!(can_view(&c, &alert(Assigned, Some(8), Some(1))));
        assert!(!can_view(&c, &alert(Assigned, Some(8), Some(2))));
        assert!(!can_view(&c, &alert(New, None, None)));
        let p = actor(9, &[Role::Publisher], &[1], &[]);
        assert!(!can_view(&p, &alert(Assigned, Some(8), Some(1))));
        let m = actor(3, &[Role::Monitor], &[], &[]);
        assert!(can_view(&m, &alert(New, None, None)));
    }

    #[test]
    fn only_reviewers_and_group_leads_route() {
        assert!(can_route(
            &actor(3, &[Role::Monitor], &[], &[]),
            &alert(New, None, None)
        ));
        let lead = actor(5, &[Role::Commentator], &[1], &[1]);
        assert!(can_route(&lead, &alert(Escalated, Some(7), Some(1))));
        assert!(!can_route(&lead, &alert(Escalated, Some(7), Some(2))));
        assert!(!can_route(
            &actor(7, &[Role::Commentator], &[1], &[]),
            &alert(Assigned, Some(7), Some(1))
        ));
    }

    #[test]
    fn commentators_work_their_items_through_the_workflow() {
        let c = actor(7, &[Role::Commentator], &[1], &[]);
        let mine = |s| alert(s, Some(7), Some(1));
        assert_eq!(check_transition(&c, &mine(Assigned), InProgress), Ok(()));
        assert_eq!(check_transition(&c, &mine(InProgress), Responded), Ok(()));
        assert_eq!(check_transition(&c, &mine(Responded), Resolved), Ok(()));
        assert_eq!(check_transition(&c, &mine(InProgress), Escalated), Ok(()));
        // Not theirs to dismiss or to skip steps.
        assert_eq!(
            check_transition(&c, &mine(Assigned), Dismissed),
            Err(Denied::NotAllowed)
        );
        assert_eq!(
            check_transition(&c, &mine(Assigned), Resolved),
            Err(Denied::IllegalTransition {
                from: Assigned,
                to: Resolved
            })
        );
        // A group colleague's item: visible, but not theirs to respond to.
        let colleague = alert(InProgress, Some(8), Some(1));
        assert_eq!(
            check_transition(&c, &colleague, Responded),
            Err(Denied::NotAllowed)
        );
        // Another group's item is invisible.
        assert_eq!(
            check_transition(&c, &alert(Assigned, Some(8), Some(2)), InProgress),
            Err(Denied::NotVisible)
        );
    }

    #[test]
    fn leads_take_back_escalated_items_and_reviewers_do_anything_legal() {
        let lead = actor(5, &[Role::Commentator], &[1], &[1]);
        let esc = alert(Escalated, Some(7), Some(1));
        assert_eq!(check_transition(&lead, &esc, Assigned), Ok(()));
        assert_eq!(
            check_transition(&lead, &esc, Dismissed),
            Err(Denied::NotAllowed)
        );
        let m = actor(3, &[Role::Monitor], &[], &[]);
        assert_eq!(
            check_transition(&m, &alert(New, None, None), Dismissed),
            Ok(())
        );
        assert_eq!(
            check_transition(&m, &alert(Resolved, Some(7), Some(1)), Triaged),
            Ok(())
        );
        assert!(check_transition(&m, &alert(New, None, None), Responded).is_err());
    }
}
