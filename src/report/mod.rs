//! Briefings (舆情日报 / 周报): what was raised in a period — counts by
//! level, category, source and sentiment, the sentiment trend of everything
//! collected, the top events with their handling state, overdue items and
//! each commentator's workload. Built from the store once; rendered as a
//! printable HTML page (dashboards/templates/report.html), CSV and Markdown.

use crate::clock::beijing;
use crate::model::{RiskLevel, SentimentLabel};
use crate::review::AlertState;
use crate::store::{AlertFacts, AlertFilter, AlertSort, Store, StoreError, Workload};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The period a briefing covers, in Beijing days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Daily(NaiveDate),
    /// The week starting on this Monday.
    Weekly(NaiveDate),
}

impl Period {
    /// Yesterday's day or last week — what a briefing usually reports —
    /// relative to `now`; `current` takes today or this week instead.
    pub fn daily(now: DateTime<Utc>, current: bool) -> Period {
        let today = beijing(now).date_naive();
        Period::Daily(if current {
            today
        } else {
            today - Duration::days(1)
        })
    }

    pub fn weekly(now: DateTime<Utc>, current: bool) -> Period {
        let today = beijing(now).date_naive();
        let monday = today - Duration::days(today.weekday().num_days_from_monday() as i64);
        Period::Weekly(if current {
            monday
        } else {
            monday - Duration::days(7)
        })
    }

    /// The week containing `day`.
    pub fn week_of(day: NaiveDate) -> Period {
        Period::Weekly(day - Duration::days(day.weekday().num_days_from_monday() as i64))
    }

    pub fn first_day(self) -> NaiveDate {
        match self {
            Period::Daily(d) | Period::Weekly(d) => d,
        }
    }

    pub fn days(self) -> i64 {
        match self {
            Period::Daily(_) => 1,
            Period::Weekly(_) => 7,
        }
    }

    pub fn start(self) -> DateTime<Utc> {
        crate::clock::beijing_midnight(self.first_day())
    }

    pub fn end(self) -> DateTime<Utc> {
        self.start() + Duration::days(self.days())
    }

    pub fn kind(self) -> &'static str {
        match self {
            Period::Daily(_) => "daily",
            Period::Weekly(_) => "weekly",
        }
    }

    pub fn title(self) -> String {
        match self {
            Period::Daily(d) => format!("舆情日报（{}）", d.format("%Y年%m月%d日")),
            Period::Weekly(d) => format!(
                "舆情周报（{} 至 {}）",
                d.format("%Y年%m月%d日"),
                (d + Duration::days(6)).format("%m月%d日")
            ),
        }
    }

    /// The period before this one (for comparisons and navigation).
    pub fn previous(self) -> Period {
        match self {
            Period::Daily(d) => Period::Daily(d - Duration::days(1)),
            Period::Weekly(d) => Period::Weekly(d - Duration::days(7)),
        }
    }

    pub fn next(self) -> Period {
        match self {
            Period::Daily(d) => Period::Daily(d + Duration::days(1)),
            Period::Weekly(d) => Period::Weekly(d + Duration::days(7)),
        }
    }
}

/// Counts of a set of alerts (the overview uses them for today).
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub total: usize,
    pub by_level: Vec<(RiskLevel, u64)>,
    pub by_category: Vec<(String, u64)>,
    pub by_source: Vec<(String, u64)>,
    pub by_sentiment: Vec<(SentimentLabel, u64)>,
    pub false_positives: u64,
    /// Resolved or dismissed by now.
    pub closed: u64,
}

pub const LEVELS: [RiskLevel; 4] = [
    RiskLevel::Critical,
    RiskLevel::High,
    RiskLevel::Medium,
    RiskLevel::Low,
];

pub const SENTIMENTS: [SentimentLabel; 3] = [
    SentimentLabel::Negative,
    SentimentLabel::Neutral,
    SentimentLabel::Positive,
];

fn count_by<'a>(items: impl Iterator<Item = &'a str>) -> Vec<(String, u64)> {
    let mut map: HashMap<&str, u64> = HashMap::new();
    for k in items {
        *map.entry(k).or_default() += 1;
    }
    let mut v: Vec<(String, u64)> = map.into_iter().map(|(k, c)| (k.to_string(), c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

pub fn counts(facts: &[AlertFacts]) -> Counts {
    let by_level = LEVELS
        .into_iter()
        .map(|l| (l, facts.iter().filter(|f| f.level == l).count() as u64))
        .collect();
    let by_sentiment = SENTIMENTS
        .into_iter()
        .map(|s| {
            let n = facts
                .iter()
                .filter(|f| f.sentiment_label.as_deref() == Some(s.as_str()))
                .count();
            (s, n as u64)
        })
        .collect();
    let mut by_category = count_by(
        facts
            .iter()
            .flat_map(|f| f.categories.iter().map(String::as_str)),
    );
    let uncategorised = facts.iter().filter(|f| f.categories.is_empty()).count();
    if uncategorised > 0 {
        by_category.push(("未归类".into(), uncategorised as u64));
    }
    Counts {
        total: facts.len(),
        by_level,
        by_category,
        by_source: count_by(facts.iter().map(|f| f.source.as_str())),
        by_sentiment,
        false_positives: facts.iter().filter(|f| f.false_positive).count() as u64,
        closed: facts.iter().filter(|f| !f.state.is_open()).count() as u64,
    }
}

/// Posts collected per bucket by sentiment.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SentimentPoint {
    pub label: String,
    pub negative: u64,
    pub neutral: u64,
    pub positive: u64,
}

/// A top event of the period with its handling state.
#[derive(Debug, Clone, Serialize)]
pub struct EventLine {
    pub event_id: i64,
    pub title: String,
    pub posts: i64,
    pub sources: i64,
    pub alert_id: Option<i64>,
    pub level: Option<RiskLevel>,
    pub state: Option<AlertState>,
    pub assignee: Option<String>,
}

/// An open alert past its due time.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueLine {
    pub alert_id: i64,
    pub title: String,
    pub level: RiskLevel,
    pub state: AlertState,
    pub due_at: DateTime<Utc>,
    pub overdue_by: String,
    pub assignee: Option<String>,
    pub group: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Briefing {
    pub kind: &'static str,
    pub title: String,
    pub first_day: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub counts: Counts,
    /// The same counts for the period before, for the change.
    pub previous_total: usize,
    pub posts: u64,
    pub sentiment: Vec<SentimentPoint>,
    pub events: Vec<EventLine>,
    pub overdue: Vec<OverdueLine>,
    pub workload: Vec<Workload>,
}

/// Events listed in a briefing.
const TOP_EVENTS: usize = 10;
/// Overdue items listed (all are counted).
const OVERDUE_LISTED: i64 = 50;

/// Gather a briefing for `period` as of `now`.
pub async fn build(
    store: &Store,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Briefing, StoreError> {
    let (start, end) = (period.start(), period.end());
    let facts = store.alert_facts(Some(start), Some(end), false).await?;
    let prev = period.previous();
    let previous_total = store
        .alert_facts(Some(prev.start()), Some(prev.end()), false)
        .await?
        .len();

    // Sentiment of everything collected: hours of a day, days of a week.
    let posts = store.post_sentiments(start, end).await?;
    let (bucket, n) = match period {
        Period::Daily(_) => (Duration::hours(1), 24),
        Period::Weekly(_) => (Duration::days(1), 7),
    };
    let mut sentiment: Vec<SentimentPoint> = (0..n)
        .map(|i| {
            let t = beijing(start + bucket * i);
            SentimentPoint {
                label: match period {
                    Period::Daily(_) => t.format("%H时").to_string(),
                    Period::Weekly(_) => t.format("%m-%d").to_string(),
                },
                negative: 0,
                neutral: 0,
                positive: 0,
            }
        })
        .collect();
    for (t, label) in &posts {
        let i = ((*t - start).num_seconds() / bucket.num_seconds()).clamp(0, n as i64 - 1) as usize;
        let p = &mut sentiment[i];
        match label.as_str() {
            "negative" => p.negative += 1,
            "positive" => p.positive += 1,
            _ => p.neutral += 1,
        }
    }

    // Top events: alerts of the period by cluster size, then risk.
    let mut by_event: Vec<&AlertFacts> = facts.iter().collect();
    let sizes: HashMap<i64, (i64, i64, String)> = {
        let mut m = HashMap::new();
        for f in &facts {
            if let Some(e) = store.event(f.event_id).await? {
                m.insert(f.event_id, (e.post_count, e.source_count, e.title));
            }
        }
        m
    };
    by_event.sort_by(|a, b| {
        let sa = sizes.get(&a.event_id).map_or(0, |s| s.0);
        let sb = sizes.get(&b.event_id).map_or(0, |s| s.0);
        sb.cmp(&sa).then_with(|| b.level.cmp(&a.level))
    });
    let names: HashMap<i64, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let events = by_event
        .into_iter()
        .take(TOP_EVENTS)
        .map(|f| {
            let (posts, sources, title) = sizes.get(&f.event_id).cloned().unwrap_or_default();
            EventLine {
                event_id: f.event_id,
                title: crate::analyze::pii::mask_pii(&title).into_owned(),
                posts,
                sources,
                alert_id: Some(f.id),
                level: Some(f.level),
                state: Some(f.state),
                assignee: f.assignee_id.and_then(|u| names.get(&u).cloned()),
            }
        })
        .collect();

    let overdue_page = store
        .alert_page(&AlertFilter {
            states: AlertState::ALL
                .into_iter()
                .filter(|s| s.is_open())
                .collect(),
            overdue_at: Some(now),
            sort: AlertSort::Due,
            limit: OVERDUE_LISTED,
            ..Default::default()
        })
        .await?;
    let overdue = overdue_page
        .items
        .into_iter()
        .filter_map(|a| {
            let due_at = a.due_at?;
            Some(OverdueLine {
                alert_id: a.id,
                title: crate::analyze::pii::mask_pii(if a.title.trim().is_empty() {
                    &a.excerpt
                } else {
                    &a.title
                })
                .chars()
                .take(60)
                .collect(),
                level: a.level,
                state: a.state,
                due_at,
                overdue_by: crate::web::present::span(now - due_at),
                assignee: a.assignee,
                group: a.group,
            })
        })
        .collect();

    Ok(Briefing {
        kind: period.kind(),
        title: period.title(),
        first_day: period.first_day(),
        generated_at: now,
        counts: counts(&facts),
        previous_total,
        posts: posts.len() as u64,
        sentiment,
        events,
        overdue,
        workload: store.workload(start, end, now).await?,
    })
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

impl Briefing {
    /// The briefing as Markdown, for pasting into a report or a chat.
    pub fn to_markdown(&self) -> String {
        let c = &self.counts;
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", self.title);
        let _ = writeln!(
            out,
            "生成时间：{}\n",
            crate::web::present::full_time(self.generated_at)
        );
        let _ = writeln!(out, "## 概况\n");
        let _ = writeln!(
            out,
            "- 采集内容 {} 条，新增预警 {} 条（上期 {} 条），已办结或排除 {} 条，其中误报 {} 条。",
            self.posts, c.total, self.previous_total, c.closed, c.false_positives
        );
        let levels: Vec<String> = c
            .by_level
            .iter()
            .map(|(l, n)| format!("{}风险 {n}", l.zh()))
            .collect();
        let _ = writeln!(out, "- 按等级：{}。", levels.join("，"));
        let sentiments: Vec<String> = c
            .by_sentiment
            .iter()
            .map(|(s, n)| format!("{} {n}", s.zh()))
            .collect();
        let _ = writeln!(out, "- 预警情感：{}。", sentiments.join("，"));
        let _ = writeln!(out, "- 当前超时未办结：{} 条。\n", self.overdue.len());

        let _ = writeln!(out, "## 风险类别\n\n| 类别 | 预警数 |\n|---|---:|");
        for (k, n) in &c.by_category {
            let _ = writeln!(out, "| {} | {n} |", md_cell(k));
        }
        let _ = writeln!(out, "\n## 来源\n\n| 来源 | 预警数 |\n|---|---:|");
        for (k, n) in &c.by_source {
            let _ = writeln!(out, "| {} | {n} |", md_cell(k));
        }
        let _ = writeln!(
            out,
            "\n## 情感走势（采集内容）\n\n| 时段 | 负面 | 中性 | 正面 |\n|---|---:|---:|---:|"
        );
        for p in &self.sentiment {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                p.label, p.negative, p.neutral, p.positive
            );
        }
        let _ = writeln!(
            out,
            "\n## 重点事件\n\n| 序号 | 事件 | 等级 | 帖数 | 来源数 | 处置状态 | 处置人 |\n|---:|---|---|---:|---:|---|---|"
        );
        for (i, e) in self.events.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                md_cell(&e.title),
                e.level.map_or("—", |l| l.zh()),
                e.posts,
                e.sources,
                e.state.map_or("—", |s| s.zh()),
                e.assignee.as_deref().unwrap_or("—")
            );
        }
        let _ = writeln!(
            out,
            "\n## 超时未办结\n\n| 预警 | 内容 | 等级 | 状态 | 超时 | 处置人 |\n|---:|---|---|---|---|---|"
        );
        for o in &self.overdue {
            let _ = writeln!(
                out,
                "| #{} | {} | {} | {} | {} | {} |",
                o.alert_id,
                md_cell(&o.title),
                o.level.zh(),
                o.state.zh(),
                o.overdue_by,
                o.assignee.as_deref().unwrap_or("—")
            );
        }
        let _ = writeln!(
            out,
            "\n## 网评员工作量\n\n| 网评员 | 新分派 | 已回应 | 已办结 | 在办 | 超时 |\n|---|---:|---:|---:|---:|---:|"
        );
        for w in &self.workload {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md_cell(&w.name),
                w.assigned,
                w.responded,
                w.resolved,
                w.open,
                w.overdue
            );
        }
        out
    }

    /// The briefing as CSV sections (`section,key,value…`), UTF-8 with a
    /// BOM so that Excel opens it in Chinese.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(vec![0xEF, 0xBB, 0xBF]);
        let c = &self.counts;
        w.write_record(["报告", &self.title])?;
        w.write_record(["概况", "采集内容", &self.posts.to_string()])?;
        w.write_record(["概况", "新增预警", &c.total.to_string()])?;
        w.write_record(["概况", "上期预警", &self.previous_total.to_string()])?;
        w.write_record(["概况", "已办结或排除", &c.closed.to_string()])?;
        w.write_record(["概况", "误报", &c.false_positives.to_string()])?;
        w.write_record(["概况", "超时未办结", &self.overdue.len().to_string()])?;
        for (l, n) in &c.by_level {
            w.write_record(["等级", &format!("{}风险", l.zh()), &n.to_string()])?;
        }
        for (k, n) in &c.by_category {
            w.write_record(["类别", k, &n.to_string()])?;
        }
        for (k, n) in &c.by_source {
            w.write_record(["来源", k, &n.to_string()])?;
        }
        for (s, n) in &c.by_sentiment {
            w.write_record(["预警情感", s.zh(), &n.to_string()])?;
        }
        w.write_record(["情感走势", "时段", "负面", "中性", "正面"])?;
        for p in &self.sentiment {
            w.write_record([
                "情感走势",
                &p.label,
                &p.negative.to_string(),
                &p.neutral.to_string(),
                &p.positive.to_string(),
            ])?;
        }
        w.write_record([
            "重点事件",
            "事件",
            "等级",
            "帖数",
            "来源数",
            "处置状态",
            "处置人",
        ])?;
        for e in &self.events {
            w.write_record([
                "重点事件",
                &e.title,
                e.level.map_or("", |l| l.zh()),
                &e.posts.to_string(),
                &e.sources.to_string(),
                e.state.map_or("", |s| s.zh()),
                e.assignee.as_deref().unwrap_or(""),
            ])?;
        }
        w.write_record([
            "超时未办结",
            "预警",
            "内容",
            "等级",
            "状态",
            "超时",
            "处置人",
        ])?;
        for o in &self.overdue {
            w.write_record([
                "超时未办结",
                &o.alert_id.to_string(),
                &o.title,
                o.level.zh(),
                o.state.zh(),
                &o.overdue_by,
                o.assignee.as_deref().unwrap_or(""),
            ])?;
        }
        w.write_record([
            "工作量",
            "网评员",
            "新分派",
            "已回应",
            "已办结",
            "在办",
            "超时",
        ])?;
        for x in &self.workload {
            w.write_record([
                "工作量",
                &x.name,
                &x.assigned.to_string(),
                &x.responded.to_string(),
                &x.resolved.to_string(),
                &x.open.to_string(),
                &x.overdue.to_string(),
            ])?;
        }
        w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_beijing_days_and_monday_weeks() {
        // 2026-11-30 17:00 UTC is already 12-01 01:00 in Beijing (a Tuesday).
        let now = DateTime::parse_from_rfc3339("2026-11-30T17:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let d = Period::daily(now, true);
        assert_eq!(d.first_day(), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(d.start().to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(d.end() - d.start(), Duration::days(1));
        let w = Period::weekly(now, true);
        assert_eq!(
            w.first_day(),
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
        );
        assert_eq!(
            Period::weekly(now, false).first_day(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(w.title(), "舆情周报（2026年11月30日 至 12月06日）");
        assert_eq!(
            Period::week_of(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()),
            w
        );
    }
}
