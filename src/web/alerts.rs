//! The alert queue (预警队列), one alert's page, and the review actions
//! taken from the browser. Every handler checks the user's permission on
//! the server through `review`; the pages only hide what would be refused.

use super::auth::CurrentUser;
use super::pages::{Flash, error_page, render, ser, user_ctx};
use super::present::{self, Piece};
use super::{ApiError, AppState};
use crate::clock::beijing_midnight;
use crate::model::{Channel, Field, RiskLevel, SentimentLabel};
use crate::review::{
    Actor, AlertAccess, AlertState, Denied, Review, ReviewError, Role, can_route, can_view,
};
use crate::store::{AlertFilter, AlertListItem, AlertSort, ResponseInput, Visibility};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Rows per page of the queue.
pub const PAGE_SIZE: i64 = 50;
/// Full-text matches considered when a search narrows the queue.
const SEARCH_LIMIT: usize = 5000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(queue))
        .route("/alerts/fresh", get(fresh))
        .route("/alerts/bulk", post(bulk))
        .route("/alerts/{id}", get(detail))
        .route("/alerts/{id}/assign", post(assign))
        .route("/alerts/{id}/state", post(change_state))
        .route("/alerts/{id}/dismiss", post(dismiss))
        .route("/alerts/{id}/respond", post(respond))
        .route("/alerts/{id}/note", post(note))
        .route("/alerts/{id}/promote", post(promote))
        .route("/alerts/{id}/lock", post(lock))
        .route("/alerts/{id}/unlock", post(unlock))
        .route("/alerts/{id}/audit.csv", get(audit_csv))
}

/// The queue's filters as they appear in the address bar.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct QueueQuery {
    pub q: Option<String>,
    pub level: Option<String>,
    pub category: Option<String>,
    pub source: Option<String>,
    pub channel: Option<String>,
    pub sentiment: Option<String>,
    /// A state, `open` (the default: not closed) or `all`.
    pub state: Option<String>,
    /// `today`, `24h`, `7d`, `30d`; or `from`/`to` dates (Beijing time).
    pub range: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `me`, `none` or a user id.
    pub assignee: Option<String>,
    pub group: Option<String>,
    pub overdue: Option<String>,
    /// `risk` (default), `newest`, `updated`, `due`.
    pub sort: Option<String>,
    pub page: Option<i64>,
    /// Live updates: only alerts after this id.
    pub after: Option<i64>,
    /// Rows per page of the JSON API (1–500, default 50).
    pub per_page: Option<i64>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bad(field: &str, value: &str) -> ApiError {
    ApiError::BadRequest(format!("筛选条件 {field} 的值无效：{value}"))
}

fn parse_level(s: &str) -> Option<RiskLevel> {
    [
        RiskLevel::None,
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Critical,
    ]
    .into_iter()
    .find(|l| l.as_str() == s)
}

/// The start of today in Beijing, in UTC.
pub fn today_start(now: DateTime<Utc>) -> DateTime<Utc> {
    beijing_midnight(crate::clock::beijing(now).date_naive())
}

impl QueueQuery {
    /// The store filter for `user`, with the search narrowing applied.
    pub fn filter(
        &self,
        state: &AppState,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<AlertFilter, ApiError> {
        let mut f = AlertFilter {
            limit: PAGE_SIZE,
            ..Default::default()
        };
        if !actor.is_reviewer() {
            f.visible_to = Some(Visibility {
                user_id: actor.user_id,
                groups: actor.groups.clone(),
            });
        }
        if let Some(l) = given(&self.level) {
            f.levels = l
                .split(',')
                .map(|x| parse_level(x.trim()).ok_or_else(|| bad("level", l)))
                .collect::<Result<_, _>>()?;
        }
        match given(&self.state) {
            None | Some("open") => {
                f.states = AlertState::ALL
                    .into_iter()
                    .filter(|s| s.is_open())
                    .collect()
            }
            Some("all") => {}
            Some(s) => f.states = vec![s.parse().map_err(|_| bad("state", s))?],
        }
        f.category = given(&self.category).map(str::to_string);
        f.source = given(&self.source).map(str::to_string);
        if let Some(c) = given(&self.channel) {
            f.channel = Some(c.parse::<Channel>().map_err(|_| bad("channel", c))?);
        }
        if let Some(s) = given(&self.sentiment) {
            if !["positive", "neutral", "negative"].contains(&s) {
                return Err(bad("sentiment", s));
            }
            f.sentiment = Some(s.to_string());
        }
        match given(&self.range) {
            None | Some("all") => {}
            Some("today") => f.since = Some(today_start(now)),
            Some("24h") => f.since = Some(now - chrono::Duration::hours(24)),
            Some("7d") => f.since = Some(now - chrono::Duration::days(7)),
            Some("30d") => f.since = Some(now - chrono::Duration::days(30)),
            Some(r) => return Err(bad("range", r)),
        }
        let date = |field: &str, v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad(field, v))
        };
        if let Some(d) = given(&self.from) {
            f.since = Some(beijing_midnight(date("from", d)?));
        }
        if let Some(d) = given(&self.to) {
            f.until = Some(beijing_midnight(date("to", d)?) + chrono::Duration::days(1));
        }
        match given(&self.assignee) {
            None => {}
            Some("me") => f.assignee = Some(actor.user_id),
            Some("none") => f.unassigned = true,
            Some(id) => f.assignee = Some(id.parse().map_err(|_| bad("assignee", id))?),
        }
        if let Some(g) = given(&self.group) {
            f.group = Some(g.parse().map_err(|_| bad("group", g))?);
        }
        if given(&self.overdue).is_some() {
            f.overdue_at = Some(now);
        }
        f.sort = match given(&self.sort) {
            None | Some("risk") => AlertSort::Risk,
            Some("newest") => AlertSort::Newest,
            Some("updated") => AlertSort::Updated,
            Some("due") => AlertSort::Due,
            Some(s) => return Err(bad("sort", s)),
        };
        f.offset = (self.page.unwrap_or(1).max(1) - 1) * PAGE_SIZE;
        f.after_id = self.after;
        if let Some(q) = given(&self.q) {
            let Some(search) = &state.search else {
                return Err(ApiError::BadRequest(
                    "全文检索索引未启用，请去掉关键词后重试".into(),
                ));
            };
            let opts = crate::search::SearchOptions {
                limit: SEARCH_LIMIT,
                ..Default::default()
            };
            // Only the hits' events: no documents loaded, no snippets.
            let events = search
                .search_events(q, opts)
                .map_err(|e| ApiError::BadRequest(format!("检索式有误：{e}")))?;
            f.events = Some(events);
        }
        Ok(f)
    }
}

/// One queue row as the template shows it.
#[derive(Debug, Serialize)]
pub struct Row {
    id: i64,
    level: &'static str,
    level_zh: &'static str,
    risk: i64,
    state: &'static str,
    state_zh: &'static str,
    title: String,
    excerpt: String,
    source: String,
    channel_zh: &'static str,
    sentiment: Option<String>,
    sentiment_zh: Option<&'static str>,
    categories: Vec<String>,
    assignee: Option<String>,
    group: Option<String>,
    created: String,
    due: Option<present::Due>,
    post_count: i64,
    false_positive: bool,
    locked: bool,
}

fn sentiment_zh(label: &str) -> Option<&'static str> {
    [
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
        SentimentLabel::Negative,
    ]
    .into_iter()
    .find(|l| l.as_str() == label)
    .map(|l| l.zh())
}

pub fn row(a: &AlertListItem, now: DateTime<Utc>) -> Row {
    let title = if a.title.trim().is_empty() {
        a.excerpt.chars().take(40).collect()
    } else {
        a.title.clone()
    };
    Row {
        id: a.id,
        level: a.level.as_str(),
        level_zh: a.level.zh(),
        risk: a.risk_score,
        state: a.state.as_str(),
        state_zh: a.state.zh(),
        title: crate::analyze::pii::mask_pii(&title).into_owned(),
        excerpt: crate::analyze::pii::mask_pii(&a.excerpt).into_owned(),
        source: a.source.clone(),
        channel_zh: a.channel.zh(),
        sentiment: a.sentiment_label.clone(),
        sentiment_zh: a.sentiment_label.as_deref().and_then(sentiment_zh),
        categories: a.categories.clone(),
        assignee: a.assignee.clone(),
        group: a.group.clone(),
        created: present::time(a.created_at, now),
        due: present::due(a.due_at, a.state.is_open(), now),
        post_count: a.post_count,
        false_positive: a.false_positive,
        locked: a.locked_until.is_some_and(|t| t > now),
    }
}

pub fn may_use_queue(actor: &Actor) -> Result<(), ApiError> {
    if actor.is_reviewer() || actor.has(Role::Commentator) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("没有权限查看预警".into()))
    }
}

/// The choices of the filter bar.
async fn filter_options(state: &AppState) -> Result<minijinja::Value, ApiError> {
    let store = state.pipeline.store();
    let mut categories: Vec<String> = state.pipeline.analyzer().rules().categories();
    categories.sort();
    categories.dedup();
    let users = store.users().await?;
    let commentators: Vec<_> = users
        .iter()
        .filter(|u| !u.disabled && u.roles.contains(&Role::Commentator))
        .map(|u| minijinja::context! { id => u.id, name => &u.display_name })
        .collect();
    let groups: Vec<_> = store
        .groups()
        .await?
        .into_iter()
        .map(|g| minijinja::context! { id => g.id, name => g.name, members => g.members })
        .collect();
    let levels: Vec<_> = [
        RiskLevel::Critical,
        RiskLevel::High,
        RiskLevel::Medium,
        RiskLevel::Low,
    ]
    .into_iter()
    .map(|l| minijinja::context! { value => l.as_str(), zh => l.zh() })
    .collect();
    let states: Vec<_> = AlertState::ALL
        .into_iter()
        .map(|s| minijinja::context! { value => s.as_str(), zh => s.zh() })
        .collect();
    let channels: Vec<_> = [
        Channel::Campus,
        Channel::Forum,
        Channel::News,
        Channel::Weibo,
        Channel::Wechat,
        Channel::Douyin,
        Channel::Kuaishou,
        Channel::Bilibili,
    ]
    .into_iter()
    .map(|c| minijinja::context! { value => c.as_str(), zh => c.zh() })
    .collect();
    Ok(minijinja::context! {
        categories, commentators, groups, levels, states, channels,
        sources => store.source_names().await?,
    })
}

/// Rebuild a query string without `page` (pagination links add their own).
fn query_without_page(q: &QueueQuery) -> String {
    let mut q = q.clone();
    q.page = None;
    q.after = None;
    q.per_page = None;
    serde_urlencoded::to_string(&q).unwrap_or_default()
}

pub async fn queue(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<QueueQuery>,
    Query(flash): Query<Flash>,
) -> Result<Response, ApiError> {
    may_use_queue(&user.actor)?;
    let now = state.clock.now();
    let filter = q.filter(&state, &user.actor, now)?;
    let store = state.pipeline.store();
    let page = store.alert_page(&filter).await?;
    let rows: Vec<Row> = page.items.iter().map(|a| row(a, now)).collect();
    let page_no = q.page.unwrap_or(1).max(1);
    let pages = ((page.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let can_route_any = user.actor.is_reviewer() || !user.actor.leads.is_empty();
    Ok(render(
        &state,
        "alerts.html",
        minijinja::context! {
            user => user_ctx(&user),
            csrf => &user.csrf,
            nav => "alerts",
            flash => ser(&flash),
            q => ser(&q),
            base_query => query_without_page(&q),
            options => filter_options(&state).await?,
            rows => ser(&rows),
            total => page.total,
            page => page_no,
            pages => pages,
            max_id => store.max_alert_id().await?,
            can_route => can_route_any,
            is_reviewer => user.actor.is_reviewer(),
        },
        StatusCode::OK,
    ))
}

/// New rows for an open queue (live updates): the same filters, after an id.
pub async fn fresh(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ApiError> {
    may_use_queue(&user.actor)?;
    let now = state.clock.now();
    let mut filter = q.filter(&state, &user.actor, now)?;
    filter.after_id = Some(q.after.unwrap_or(i64::MAX));
    filter.offset = 0;
    filter.sort = AlertSort::Newest;
    let page = state.pipeline.store().alert_page(&filter).await?;
    let rows: Vec<Row> = page.items.iter().map(|a| row(a, now)).collect();
    let mut response = render(
        &state,
        "alert_rows.html",
        minijinja::context! {
            rows => ser(&rows), fresh => true,
            selectable => user.actor.is_reviewer() || !user.actor.leads.is_empty(),
        },
        StatusCode::OK,
    );
    response.headers_mut().insert(
        "x-new-alerts",
        header::HeaderValue::from(page.items.len() as u64),
    );
    Ok(response)
}

pub fn review<'a>(state: &'a AppState) -> Review<'a> {
    Review {
        store: state.pipeline.store(),
        settings: &state.review,
    }
}

/// A refused or failed action as a page with the reason and a way back.
fn action_error(state: &AppState, e: ReviewError, back: &str) -> Response {
    let status = match &e {
        ReviewError::Denied(Denied::NotVisible) => StatusCode::FORBIDDEN,
        ReviewError::Denied(Denied::NotAllowed) => StatusCode::FORBIDDEN,
        ReviewError::Denied(_) => StatusCode::CONFLICT,
        ReviewError::NotFound(_) => StatusCode::NOT_FOUND,
        ReviewError::Conflict | ReviewError::Locked { .. } => StatusCode::CONFLICT,
        ReviewError::Invalid(_) => StatusCode::BAD_REQUEST,
        ReviewError::Store(e) => {
            tracing::error!(error = %e, "review action failed");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    let message = match &e {
        ReviewError::Store(_) => "数据库暂时不可用，请稍后重试".to_string(),
        e => e.to_string(),
    };
    error_page(state, status, &message, back)
}

fn done(back: &str, message: &str) -> Response {
    let sep = if back.contains('?') { '&' } else { '?' };
    let msg: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    Redirect::to(&format!("{back}{sep}ok={msg}")).into_response()
}

async fn access(state: &AppState, user: &CurrentUser, id: i64) -> Result<AlertAccess, Response> {
    match state.pipeline.store().alert_access(id).await {
        Ok(Some(a)) if can_view(&user.actor, &a) => Ok(a),
        Ok(Some(_)) => Err(error_page(
            state,
            StatusCode::FORBIDDEN,
            &Denied::NotVisible.to_string(),
            "/alerts",
        )),
        Ok(None) => Err(error_page(
            state,
            StatusCode::NOT_FOUND,
            &format!("预警 {id} 不存在"),
            "/alerts",
        )),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// Display names by user id (audit trails name the actor).
async fn user_names(state: &AppState) -> Result<HashMap<i64, String>, ApiError> {
    Ok(state
        .pipeline
        .store()
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

pub fn action_zh(action: &str) -> &str {
    match action {
        "alert.route" => "自动分派",
        "alert.sla" => "设定处置时限",
        "alert.assign" => "分派",
        "alert.reassign" => "改派",
        "alert.state" => "状态变更",
        "alert.dismiss" => "排除",
        "alert.false_positive" => "标记误报",
        "alert.sla_escalate" => "超时升级",
        "alert.response" => "记录回应",
        "alert.note" => "备注",
        "user.create" => "创建用户",
        "user.password" => "修改密码",
        "user.disable" => "停用用户",
        "user.enable" => "启用用户",
        "group.create" => "创建处置组",
        "group.add_member" => "加入处置组",
        "token.create" => "创建接口令牌",
        other => other,
    }
}

fn state_zh_of(v: Option<&serde_json::Value>) -> Option<&'static str> {
    let s = v?.get("state")?.as_str()?;
    s.parse::<AlertState>().ok().map(AlertState::zh)
}

/// The audit trail of an alert, as rows for the page and the CSV.
pub async fn trail_rows(
    state: &AppState,
    id: i64,
) -> Result<Vec<(String, String, String, String, String)>, ApiError> {
    let names = user_names(state).await?;
    let entries = state.pipeline.store().audit_trail("alert", id).await?;
    let groups: HashMap<i64, String> = state
        .pipeline
        .store()
        .groups()
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    Ok(entries
        .into_iter()
        .map(|e| {
            let who = e.actor_id.map_or_else(
                || "系统".to_string(),
                |id| {
                    names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("用户 {id}"))
                },
            );
            let mut change = match (
                state_zh_of(e.before.as_ref()),
                state_zh_of(e.after.as_ref()),
            ) {
                (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
                (_, Some(b)) => b.to_string(),
                _ => String::new(),
            };
            if let Some(after) = &e.after {
                let assignee = after
                    .get("assignee")
                    .and_then(|v| v.as_i64())
                    .and_then(|id| names.get(&id));
                let group = after
                    .get("group")
                    .and_then(|v| v.as_i64())
                    .and_then(|id| groups.get(&id));
                match (group, assignee) {
                    (Some(g), Some(u)) => change.push_str(&format!("（{g} / {u}）")),
                    (Some(g), None) => change.push_str(&format!("（{g}）")),
                    (None, Some(u)) => change.push_str(&format!("（{u}）")),
                    _ => {}
                }
                if e.action == "alert.response"
                    && let Some(t) = after.get("text").and_then(|v| v.as_str())
                {
                    change = t.chars().take(80).collect();
                }
            }
            (
                present::full_time(e.at),
                who,
                action_zh(&e.action).to_string(),
                change,
                e.note.unwrap_or_default(),
            )
        })
        .collect())
}

/// The moves this user may make from the alert's state, with their labels.
fn moves(user: &CurrentUser, access: &AlertAccess) -> Vec<minijinja::Value> {
    access
        .state
        .next()
        .iter()
        .copied()
        .filter(|to| {
            !matches!(
                to,
                AlertState::Assigned | AlertState::Dismissed | AlertState::Responded
            )
        })
        .filter(|to| crate::review::check_transition(&user.actor, access, *to).is_ok())
        .map(|to| {
            let label = match (access.state, to) {
                (_, AlertState::Triaged) if !access.state.is_open() => "重新打开",
                (_, AlertState::Triaged) => "研判确认",
                (_, AlertState::InProgress) => "开始处置",
                (_, AlertState::Resolved) => "办结",
                (_, AlertState::Escalated) => "升级",
                _ => to.zh(),
            };
            minijinja::context! { to => to.as_str(), label }
        })
        .collect()
}

fn pieces_ctx(pieces: Vec<Piece>) -> minijinja::Value {
    ser(&pieces)
}

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> Result<Response, ApiError> {
    let access = match access(&state, &user, id).await {
        Ok(a) => a,
        Err(r) => return Ok(r),
    };
    let now = state.clock.now();
    let store = state.pipeline.store();
    let Some(item) = store.alert_item(id).await? else {
        return Err(ApiError::NotFound(format!("预警 {id} 不存在")));
    };
    let post = store
        .post(item.post_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("帖子 {} 不存在", item.post_id)))?;
    let analysis = post.analysis.clone();
    let spans: Vec<_> = analysis
        .iter()
        .flat_map(|a| a.hits.iter().flat_map(|h| h.spans.iter().copied()))
        .collect();
    let title = present::highlight_original(&post.title, &spans, Field::Title);
    let text = present::highlight_original(&post.text, &spans, Field::Text);
    let cluster = store.cluster_posts(item.event_id, 500).await?;
    let timeline: Vec<_> = cluster
        .iter()
        .map(|p| {
            minijinja::context! {
                id => p.id,
                at => present::time(p.seen_at(), now),
                source => &p.source,
                channel => p.channel.zh(),
                title => crate::analyze::pii::mask_pii(&p.title).into_owned(),
                url => &p.url,
                author => &p.author,
                risk => p.risk_score,
                metrics => ser(p.metrics),
                is_copy => p.parent_id.is_some(),
                is_this => p.id == post.id,
            }
        })
        .collect();
    let spread = super::charts::spread(&cluster);
    let responses = store.alert_responses(id).await?;
    let lock = store.alert_lock(id, now).await?;
    let names = user_names(&state).await?;
    let lock_ctx = lock.map(|l| {
        minijinja::context! {
            mine => l.user_id == user.actor.user_id,
            by => names.get(&l.user_id).cloned().unwrap_or_default(),
            until => present::time(l.until, now),
        }
    });
    let hits: Vec<_> = analysis
        .iter()
        .flat_map(|a| a.hits.iter())
        .map(|h| {
            minijinja::context! {
                rule => &h.rule,
                category => &h.category,
                severity => crate::analyze::rules::severity_zh(h.severity),
                weight => h.weight,
                matched => &h.matched,
            }
        })
        .collect();
    let sentiment = analysis.as_ref().map(|a| {
        minijinja::context! {
            score => format!("{:.2}", a.sentiment.score),
            label => a.sentiment.label.zh(),
            class => a.sentiment.label.as_str(),
            explanation => a.sentiment.explanation.iter().map(|c| minijinja::context! {
                cue => c.cue.as_str(),
                delta => format!("{:+.2}", c.delta),
                modifiers => c.modifiers.join("、"),
            }).collect::<Vec<_>>(),
        }
    });
    let risk = analysis.as_ref().map(|a| {
        minijinja::context! {
            score => a.risk.score,
            explanation => a.risk.explanation.iter().map(|f| minijinja::context! {
                factor => &f.factor,
                points => format!("{:+.1}", f.points),
            }).collect::<Vec<_>>(),
        }
    });
    let trail: Vec<_> = trail_rows(&state, id)
        .await?
        .into_iter()
        .map(
            |(at, who, action, change, note)| minijinja::context! { at, who, action, change, note },
        )
        .collect();
    let can_assign = can_route(&user.actor, &access)
        && (access.state.next().contains(&AlertState::Assigned)
            || access.state == AlertState::Assigned);
    let check = |to| crate::review::check_transition(&user.actor, &access, to).is_ok();
    let led_groups = user.actor.leads.clone();
    Ok(render(
        &state,
        "alert.html",
        minijinja::context! {
            user => user_ctx(&user),
            csrf => &user.csrf,
            nav => "alerts",
            flash => ser(&flash),
            a => ser(row(&item, now)),
            alert_id => id,
            event_id => item.event_id,
            post => minijinja::context! {
                url => &post.url,
                author => post.author.as_deref().map(|a| crate::analyze::pii::mask_pii(a).into_owned()),
                source => &post.source,
                channel => post.channel.zh(),
                published => post.published_at.map(present::full_time),
                fetched => present::full_time(post.fetched_at),
                metrics => ser(post.metrics),
                keywords => analysis.as_ref().map(|a| a.keywords.iter().map(|k| k.to_string()).collect::<Vec<_>>()).unwrap_or_default(),
                version => post.version,
            },
            title => pieces_ctx(title),
            text => pieces_ctx(text),
            hits, sentiment, risk,
            timeline,
            spread => ser(&spread),
            sources_in_cluster => cluster.iter().map(|p| p.source.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
            responses => responses.iter().map(|r| minijinja::context! {
                id => r.id,
                user => &r.user, text => &r.text, link => &r.link, channel => &r.channel,
                at => present::full_time(r.created_at),
            }).collect::<Vec<_>>(),
            trail,
            lock => lock_ctx,
            moves => moves(&user, &access),
            can_assign,
            can_respond => check(AlertState::Responded),
            can_dismiss => check(AlertState::Dismissed),
            is_open => access.state.is_open(),
            options => filter_options(&state).await?,
            is_reviewer => user.actor.is_reviewer(),
            can_promote => crate::syndicate::approval::can_publish(&user.actor),
            responses_promotable => matches!(access.state, AlertState::Responded | AlertState::Resolved),
            led_groups,
        },
        StatusCode::OK,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    false_positive: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    channel: Option<String>,
}

fn opt_id(v: &Option<String>, what: &str) -> Result<Option<i64>, ReviewError> {
    match given(v) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| ReviewError::Invalid(format!("{what}无效：{s}"))),
    }
}

/// What one form (or one item of a bulk form) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Assign,
    State,
    Dismiss,
    Respond,
    Note,
    Lock,
    Unlock,
}

async fn act(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    action: Action,
    form: &ActionForm,
) -> Result<&'static str, ReviewError> {
    let r = review(state);
    let now = state.clock.now();
    let actor = &user.actor;
    let note = given(&form.note);
    match action {
        Action::Assign => {
            let u = opt_id(&form.user, "分派对象")?;
            let g = opt_id(&form.group, "分派组")?;
            r.assign(actor, id, u, g, note, now).await?;
            Ok("已分派")
        }
        Action::State => {
            let to = given(&form.to)
                .and_then(|s| s.parse::<AlertState>().ok())
                .ok_or_else(|| ReviewError::Invalid("请选择目标状态".into()))?;
            r.transition(actor, id, to, note, now).await?;
            Ok(match to {
                AlertState::Resolved => "已办结",
                AlertState::Escalated => "已升级",
                AlertState::InProgress => "已开始处置",
                _ => "状态已更新",
            })
        }
        Action::Dismiss => {
            let fp = given(&form.false_positive).is_some();
            r.dismiss(actor, id, given(&form.reason).unwrap_or(""), fp, now)
                .await?;
            Ok(if fp {
                "已标记为误报"
            } else {
                "已排除"
            })
        }
        Action::Respond => {
            let input = ResponseInput {
                text: given(&form.text).unwrap_or(""),
                link: given(&form.link),
                channel: given(&form.channel),
            };
            r.respond(actor, id, &input, now).await?;
            Ok("回应已记录")
        }
        Action::Note => {
            r.note(actor, id, given(&form.note).unwrap_or(""), now)
                .await?;
            Ok("备注已保存")
        }
        Action::Lock => {
            r.lock(actor, id, now).await?;
            Ok("已锁定，10 分钟内他人无法修改")
        }
        Action::Unlock => {
            r.unlock(actor, id).await?;
            Ok("已解除锁定")
        }
    }
}

async fn one(
    state: AppState,
    user: CurrentUser,
    id: i64,
    action: Action,
    form: ActionForm,
) -> Result<Response, ApiError> {
    user.check_csrf(form.csrf.as_deref())?;
    let back = format!("/alerts/{id}");
    Ok(match act(&state, &user, id, action, &form).await {
        Ok(message) => done(&back, message),
        Err(e) => action_error(&state, e, &back),
    })
}

macro_rules! action_handler {
    ($name:ident, $action:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            user: CurrentUser,
            Path(id): Path<i64>,
            Form(form): Form<ActionForm>,
        ) -> Result<Response, ApiError> {
            one(state, user, id, $action, form).await
        }
    };
}

action_handler!(assign, Action::Assign);
action_handler!(change_state, Action::State);
action_handler!(dismiss, Action::Dismiss);
action_handler!(respond, Action::Respond);
action_handler!(note, Action::Note);
action_handler!(lock, Action::Lock);
action_handler!(unlock, Action::Unlock);

/// Most alerts one bulk action touches.
const BULK_MAX: usize = 200;

/// Bulk actions from the queue: the same action on each checked alert, each
/// checked and audited on its own.
pub async fn bulk(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    user.check_csrf(get("csrf").as_deref())?;
    let back = get("back")
        .filter(|b| b.starts_with("/alerts") && !b.starts_with("//"))
        .unwrap_or_else(|| "/alerts".into());
    let ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return Ok(error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "请先勾选预警",
            &back,
        ));
    }
    if ids.len() > BULK_MAX {
        return Ok(error_page(
            &state,
            StatusCode::BAD_REQUEST,
            &format!("一次最多处理 {BULK_MAX} 条"),
            &back,
        ));
    }
    let action = match get("action").as_deref() {
        Some("assign") => Action::Assign,
        Some("state") => Action::State,
        Some("dismiss") => Action::Dismiss,
        _ => {
            return Ok(error_page(
                &state,
                StatusCode::BAD_REQUEST,
                "请选择批量操作",
                &back,
            ));
        }
    };
    let form = ActionForm {
        csrf: None,
        to: get("to"),
        user: get("user"),
        group: get("group"),
        note: get("note"),
        reason: get("reason"),
        false_positive: get("false_positive"),
        text: None,
        link: None,
        channel: None,
    };
    let mut ok = 0;
    let mut failed: Vec<String> = Vec::new();
    for id in &ids {
        match act(&state, &user, *id, action, &form).await {
            Ok(_) => ok += 1,
            Err(e) => failed.push(format!("#{id} {e}")),
        }
    }
    let mut message = format!("批量操作完成：成功 {ok} 条");
    if !failed.is_empty() {
        message.push_str(&format!(
            "，失败 {} 条（{}）",
            failed.len(),
            failed
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("；")
        ));
    }
    Ok(done(&back, &message))
}

/// The audit trail of one alert as CSV (UTF-8 with BOM, so Excel opens it).
pub async fn audit_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    if let Err(r) = access(&state, &user, id).await {
        return Ok(r);
    }
    let rows = trail_rows(&state, id).await?;
    super::pages::csv_download(
        &format!("alert-{id}-audit.csv"),
        &["时间", "操作人", "操作", "变更", "备注"],
        rows.into_iter()
            .map(|(at, who, action, change, note)| [at, who, action, change, note]),
    )
}

#[derive(Debug, Deserialize)]
pub struct PromoteForm {
    #[serde(default)]
    csrf: Option<String>,
    /// A response on the alert; without it, the alert's post.
    #[serde(default)]
    response: Option<i64>,
}

/// 转为发布内容: a publisher who may see the alert turns its post, or a
/// response recorded on it once the alert was answered, into a draft.
pub async fn promote(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<PromoteForm>,
) -> Result<Response, ApiError> {
    user.check_csrf(form.csrf.as_deref())?;
    let access = match access(&state, &user, id).await {
        Ok(a) => a,
        Err(r) => return Ok(r),
    };
    let back = format!("/alerts/{id}");
    let desk = super::contents::desk(&state)?;
    let store = state.pipeline.store();
    let Some(item) = store.alert_item(id).await? else {
        return Err(ApiError::NotFound(format!("预警 {id} 不存在")));
    };
    let now = state.clock.now();
    let made = match form.response {
        None => desk.promote_post(&user.actor, item.post_id, now).await,
        Some(rid) => {
            if !matches!(access.state, AlertState::Responded | AlertState::Resolved) {
                return Ok(error_page(
                    &state,
                    StatusCode::BAD_REQUEST,
                    "只有已回应或已办结的预警，其回应才能转为发布内容",
                    &back,
                ));
            }
            let Some(r) = store
                .alert_responses(id)
                .await?
                .into_iter()
                .find(|r| r.id == rid)
            else {
                return Err(ApiError::NotFound(format!("预警 {id} 没有回应 {rid}")));
            };
            desk.promote_response(&user.actor, item.post_id, &r, now)
                .await
        }
    };
    match made {
        Ok(cid) => Ok(super::contents::back_ok(
            &format!("/contents/{cid}/edit"),
            "已转为发布内容草稿，请修改后提交审核",
        )),
        Err(e) => Ok(super::contents::refused(&state, e, &back)),
    }
}
