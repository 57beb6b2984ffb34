//! Briefings in the browser: `/reports/daily` and `/reports/weekly` as a
//! printable page with charts, `.csv` and `.md` for export; `?date=` picks
//! the day (or a day of the week).

use super::auth::CurrentUser;
use super::pages::{render, ser, user_ctx};
use super::{ApiError, AppState, charts, overview};
use crate::report::{self, Period};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    date: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    if !user.actor.is_reviewer() {
        return Err(ApiError::Forbidden(
            "只有监测员和管理员可以查看舆情报告".into(),
        ));
    }
    let (kind, format) = name.split_once('.').unwrap_or((name.as_str(), "html"));
    let now = state.clock.now();
    let day = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| ApiError::BadRequest(format!("日期格式应为 YYYY-MM-DD：{d}")))?,
        ),
        None => None,
    };
    let period = match (kind, day) {
        ("daily", Some(d)) => Period::Daily(d),
        ("daily", None) => Period::daily(now, true),
        ("weekly", Some(d)) => Period::week_of(d),
        ("weekly", None) => Period::weekly(now, true),
        _ => return Err(ApiError::NotFound("没有这种报告".into())),
    };
    let briefing = report::build(state.pipeline.store(), period, now).await?;
    let file = format!("{}-{}", period.kind(), period.first_day());
    match format {
        "md" => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "text/markdown; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}.md\""),
                ),
            ],
            briefing.to_markdown(),
        )
            .into_response()),
        "csv" => {
            let body = briefing.to_csv().map_err(|_| ApiError::Internal)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}.csv\""),
                    ),
                ],
                body,
            )
                .into_response())
        }
        "html" => {
            let c = &briefing.counts;
            let level_chart = charts::ring(
                &c.by_level
                    .iter()
                    .map(|(l, n)| (format!("{}风险", l.zh()), *n, overview::level_color(*l)))
                    .collect::<Vec<_>>(),
            );
            let labels: Vec<&str> = briefing
                .sentiment
                .iter()
                .map(|p| p.label.as_str())
                .collect();
            let series = |name: &str, color: &str, f: fn(&report::SentimentPoint) -> u64| {
                serde_json::json!({"name": name, "type": "bar", "stack": "s", "itemStyle": {"color": color},
                    "data": briefing.sentiment.iter().map(f).collect::<Vec<_>>()})
            };
            let sentiment_chart = serde_json::json!({
                "tooltip": {"trigger": "axis"},
                "legend": {"top": 0},
                "grid": {"left": 40, "right": 16, "top": 32, "bottom": 28},
                "xAxis": {"type": "category", "data": labels},
                "yAxis": {"type": "value", "minInterval": 1},
                "series": [
                    series("负面", "#b42318", |p| p.negative),
                    series("中性", "#98a2b3", |p| p.neutral),
                    series("正面", "#12b76a", |p| p.positive),
                ],
            });
            let prev = period.previous().first_day().to_string();
            let next =
                (period.next().start() <= now).then(|| period.next().first_day().to_string());
            Ok(render(
                &state,
                "report.html",
                minijinja::context! {
                    user => user_ctx(&user),
                    csrf => &user.csrf,
                    nav => "reports",
                    b => ser(&briefing),
                    levels => ser(c.by_level.iter().map(|(l, n)| (l.as_str(), l.zh(), *n)).collect::<Vec<_>>()),
                    sentiments => ser(c.by_sentiment.iter().map(|(s, n)| (s.zh(), *n)).collect::<Vec<_>>()),
                    events => briefing.events.iter().map(|e| minijinja::context! {
                        title => &e.title, posts => e.posts, sources => e.sources, alert_id => e.alert_id,
                        level => e.level.map(|l| l.as_str()), level_zh => e.level.map(|l| l.zh()),
                        state_zh => e.state.map(|s| s.zh()), assignee => &e.assignee,
                    }).collect::<Vec<_>>(),
                    overdue => briefing.overdue.iter().map(|o| minijinja::context! {
                        alert_id => o.alert_id, title => &o.title, level => o.level.as_str(),
                        level_zh => o.level.zh(), state_zh => o.state.zh(), overdue_by => &o.overdue_by,
                        assignee => &o.assignee, group => &o.group,
                    }).collect::<Vec<_>>(),
                    level_chart => ser(level_chart),
                    sentiment_chart => ser(sentiment_chart),
                    category_chart => ser(charts::bars(&c.by_category, "#1f6feb")),
                    source_chart => ser(charts::bars(&c.by_source, "#5b6b8c")),
                    kind => period.kind(),
                    date => period.first_day().to_string(),
                    prev, next,
                    generated => super::present::full_time(now),
                },
                StatusCode::OK,
            ))
        }
        _ => Err(ApiError::NotFound("没有这种格式（可用 .csv、.md）".into())),
    }
}
