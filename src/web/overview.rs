//! The overview (总览: today's counts by level, category, source and
//! sentiment, a week's trend, hot events) and the hot-events page (热点事件:
//! clusters ranked by growth, with trend charts).

use super::alerts::today_start;
use super::auth::CurrentUser;
use super::pages::{render, user_ctx};
use super::{ApiError, AppState, charts, present};
use crate::model::{RiskLevel, SentimentLabel};
use crate::report::counts;
use crate::review::Role;
use crate::store::{ActiveEvent, AlertFacts, AlertFilter, AlertSort, Visibility};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

/// Colours of the risk levels, the same as the badges of the pages.
pub fn level_color(l: RiskLevel) -> &'static str {
    match l {
        RiskLevel::Critical => "#b42318",
        RiskLevel::High => "#e0641b",
        RiskLevel::Medium => "#d4a017",
        RiskLevel::Low => "#3b82c4",
        RiskLevel::None => "#98a2b3",
    }
}

pub fn sentiment_color(s: SentimentLabel) -> &'static str {
    match s {
        SentimentLabel::Negative => "#b42318",
        SentimentLabel::Neutral => "#98a2b3",
        SentimentLabel::Positive => "#12b76a",
    }
}

/// Alerts raised per day and level over `days` days up to `now`.
pub fn daily_by_level(facts: &[AlertFacts]) -> serde_json::Value {
    let points: Vec<(String, DateTime<Utc>)> = facts
        .iter()
        .filter(|f| f.level >= RiskLevel::Low)
        .map(|f| (format!("{}风险", f.level.zh()), f.created_at))
        .collect();
    charts::trend(&points)
}

pub async fn home(State(state): State<AppState>, user: CurrentUser) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let store = state.pipeline.store();
    let mut ctx = BTreeMap::new();
    if user.actor.is_reviewer() {
        let today = today_start(now);
        let facts = store.alert_facts(Some(today), None, false).await?;
        let c = counts(&facts);
        let open_filter = |overdue: bool, unassigned: bool| AlertFilter {
            states: crate::review::AlertState::ALL
                .into_iter()
                .filter(|s| s.is_open())
                .collect(),
            overdue_at: overdue.then_some(now),
            unassigned,
            limit: 1,
            ..Default::default()
        };
        let open = store.alert_page(&open_filter(false, false)).await?.total;
        let overdue = store.alert_page(&open_filter(true, false)).await?.total;
        let unassigned = store.alert_page(&open_filter(false, true)).await?.total;
        let week = store
            .alert_facts(Some(today - Duration::days(6)), None, false)
            .await?;
        let hot = hot_events(&state, now, 5).await?;
        ctx.insert("today_total", minijinja::Value::from(c.total));
        ctx.insert(
            "levels",
            super::pages::ser(
                c.by_level
                    .iter()
                    .map(|(l, n)| (l.as_str(), l.zh(), *n))
                    .collect::<Vec<_>>(),
            ),
        );
        ctx.insert("open", minijinja::Value::from(open));
        ctx.insert("overdue", minijinja::Value::from(overdue));
        ctx.insert("unassigned", minijinja::Value::from(unassigned));
        ctx.insert(
            "level_chart",
            super::pages::ser(charts::ring(
                &c.by_level
                    .iter()
                    .map(|(l, n)| (format!("{}风险", l.zh()), *n, level_color(*l)))
                    .collect::<Vec<_>>(),
            )),
        );
        ctx.insert(
            "category_chart",
            super::pages::ser(charts::bars(&c.by_category, "#1f6feb")),
        );
        ctx.insert(
            "source_chart",
            super::pages::ser(charts::bars(&c.by_source, "#5b6b8c")),
        );
        ctx.insert(
            "sentiment_chart",
            super::pages::ser(charts::ring(
                &c.by_sentiment
                    .iter()
                    .map(|(s, n)| (s.zh().to_string(), *n, sentiment_color(*s)))
                    .collect::<Vec<_>>(),
            )),
        );
        ctx.insert("week_chart", super::pages::ser(daily_by_level(&week)));
        ctx.insert("hot", super::pages::ser(hot));
    }
    if user.actor.has(Role::Commentator) {
        let mine = AlertFilter {
            states: crate::review::AlertState::ALL
                .into_iter()
                .filter(|s| s.is_open())
                .collect(),
            visible_to: Some(Visibility {
                user_id: user.actor.user_id,
                groups: Vec::new(),
            }),
            sort: AlertSort::Due,
            limit: 10,
            ..Default::default()
        };
        let page = store.alert_page(&mine).await?;
        let rows: Vec<_> = page
            .items
            .iter()
            .map(|a| super::alerts::row(a, now))
            .collect();
        ctx.insert("my_total", minijinja::Value::from(page.total));
        ctx.insert("my_rows", super::pages::ser(rows));
    }
    ctx.insert("user", user_ctx(&user));
    ctx.insert("csrf", minijinja::Value::from(user.csrf.as_str()));
    ctx.insert("nav", minijinja::Value::from("home"));
    ctx.insert(
        "today",
        minijinja::Value::from(
            crate::clock::beijing(now)
                .format("%Y年%m月%d日")
                .to_string(),
        ),
    );
    Ok(render(
        &state,
        "home.html",
        super::pages::ser(ctx),
        StatusCode::OK,
    ))
}

/// A hot event as the pages show it.
#[derive(Debug, serde::Serialize)]
pub struct HotEvent {
    pub id: i64,
    pub title: String,
    pub post_count: i64,
    pub source_count: i64,
    pub max_risk: i64,
    /// Posts in the last 24 hours and in the 24 hours before.
    pub last_24h: u64,
    pub prev_24h: u64,
    /// `+300%`, `新`, or `—`.
    pub growth: String,
    /// More posts in the last 24 hours than in the 24 before.
    pub rising: bool,
    pub first_seen: String,
    pub last_seen: String,
    pub alert_id: Option<i64>,
    pub state_zh: Option<&'static str>,
    pub level: Option<&'static str>,
    pub level_zh: Option<&'static str>,
}

/// Clusters active in the last three days, ranked by their last day's
/// posts and growth against the day before.
pub async fn hot_events(
    state: &AppState,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<HotEvent>, ApiError> {
    let store = state.pipeline.store();
    let events: Vec<ActiveEvent> = store.active_events(now - Duration::days(3), 200).await?;
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let times = store.event_post_times(&ids).await?;
    let mut recent: HashMap<i64, (u64, u64)> = HashMap::new();
    // When the event's posts appeared (not when they were collected).
    let mut span: HashMap<i64, (DateTime<Utc>, DateTime<Utc>)> = HashMap::new();
    for (event, t) in times {
        let e = recent.entry(event).or_default();
        if t > now - Duration::hours(24) {
            e.0 += 1;
        } else if t > now - Duration::hours(48) {
            e.1 += 1;
        }
        let s = span.entry(event).or_insert((t, t));
        s.0 = s.0.min(t);
        s.1 = s.1.max(t);
    }
    let mut hot: Vec<HotEvent> = events
        .into_iter()
        .map(|e| {
            let (last, prev) = recent.get(&e.id).copied().unwrap_or_default();
            let growth = match (last, prev) {
                (0, _) => "—".to_string(),
                (_, 0) => "新".to_string(),
                (l, p) => format!("{:+.0}%", (l as f64 - p as f64) / p as f64 * 100.0),
            };
            HotEvent {
                rising: last > prev,
                id: e.id,
                title: crate::analyze::pii::mask_pii(&e.title).into_owned(),
                post_count: e.post_count,
                source_count: e.source_count,
                max_risk: e.max_risk,
                last_24h: last,
                prev_24h: prev,
                growth,
                first_seen: present::time(span.get(&e.id).map_or(e.first_seen_at, |s| s.0), now),
                last_seen: present::time(span.get(&e.id).map_or(e.last_seen_at, |s| s.1), now),
                alert_id: e.alert_id,
                state_zh: e.state.map(|s| s.zh()),
                level: e.level.map(|l| l.as_str()),
                level_zh: e.level.map(|l| l.zh()),
            }
        })
        .collect();
    hot.sort_by(|a, b| {
        b.last_24h
            .cmp(&a.last_24h)
            .then_with(|| {
                (b.last_24h.saturating_sub(b.prev_24h)).cmp(&a.last_24h.saturating_sub(a.prev_24h))
            })
            .then_with(|| b.post_count.cmp(&a.post_count))
            .then_with(|| b.max_risk.cmp(&a.max_risk))
    });
    hot.truncate(limit);
    Ok(hot)
}

pub async fn events(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, ApiError> {
    if !user.actor.is_reviewer() {
        return Err(ApiError::Forbidden(
            "只有监测员和管理员可以查看热点事件".into(),
        ));
    }
    let now = state.clock.now();
    let hot = hot_events(&state, now, 30).await?;
    let top: Vec<i64> = hot.iter().take(6).map(|e| e.id).collect();
    let titles: HashMap<i64, String> = hot
        .iter()
        .map(|e| (e.id, e.title.chars().take(14).collect()))
        .collect();
    let points: Vec<(String, DateTime<Utc>)> = state
        .pipeline
        .store()
        .event_post_times(&top)
        .await?
        .into_iter()
        .filter(|(_, t)| *t > now - Duration::days(3))
        .map(|(e, t)| (titles.get(&e).cloned().unwrap_or_default(), t))
        .collect();
    Ok(render(
        &state,
        "events.html",
        minijinja::context! {
            user => user_ctx(&user),
            csrf => &user.csrf,
            nav => "events",
            events => super::pages::ser(&hot),
            trend => super::pages::ser(charts::trend(&points)),
        },
        StatusCode::OK,
    ))
}
