//! The rules page (规则): every rule with how many alerts it raised and how
//! many of those were dismissed as false positives (误报), so a rule's
//! precision is visible and noisy rules can be fixed.

use super::auth::CurrentUser;
use super::pages::{render, user_ctx};
use super::{ApiError, AppState};
use crate::analyze::rules::severity_zh;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;

/// Alerts and false positives per rule id.
pub fn rule_stats(facts: &[crate::store::AlertFacts]) -> HashMap<&str, (u64, u64)> {
    let mut stats: HashMap<&str, (u64, u64)> = HashMap::new();
    for f in facts {
        for r in &f.rules {
            let e = stats.entry(r.as_str()).or_default();
            e.0 += 1;
            if f.false_positive {
                e.1 += 1;
            }
        }
    }
    stats
}

pub async fn rules(State(state): State<AppState>, user: CurrentUser) -> Result<Response, ApiError> {
    if !user.actor.is_reviewer() {
        return Err(ApiError::Forbidden("只有监测员和管理员可以查看规则".into()));
    }
    let facts = state.pipeline.store().alert_facts(None, None, true).await?;
    let stats = rule_stats(&facts);
    let set = state.pipeline.analyzer().rules();
    let mut rows: Vec<_> = set
        .infos()
        .iter()
        .map(|r| {
            let (alerts, fp) = stats.get(r.id.as_str()).copied().unwrap_or_default();
            let rate = (alerts > 0).then(|| fp as f64 / alerts as f64);
            (r, alerts, fp, rate)
        })
        .collect();
    // Noisiest first, then busiest.
    rows.sort_by(|a, b| {
        b.3.unwrap_or(-1.0)
            .total_cmp(&a.3.unwrap_or(-1.0))
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(r, alerts, fp, rate)| {
            minijinja::context! {
                id => &r.id,
                category => &r.category,
                severity => severity_zh(r.severity),
                severity_class => format!("{:?}", r.severity).to_lowercase(),
                description => &r.description,
                enabled => r.enabled,
                query => &r.query,
                file => r.file.file_name().map(|f| f.to_string_lossy().into_owned()),
                alerts, fp,
                rate => rate.map(|x| format!("{:.0}%", x * 100.0)),
                noisy => rate.is_some_and(|x| x >= 0.3) && alerts >= 3,
            }
        })
        .collect();
    let summary = set.summary();
    Ok(render(
        &state,
        "rules.html",
        minijinja::context! {
            user => user_ctx(&user),
            csrf => &user.csrf,
            nav => "rules",
            rows,
            version => &summary.version,
            enabled => summary.enabled,
            total => summary.rules,
            alerts => facts.len(),
            false_positives => facts.iter().filter(|f| f.false_positive).count(),
        },
        StatusCode::OK,
    ))
}
