//! ECharts options built on the server: the page only hands each one to
//! `echarts.init(el).setOption(option)` (dashboards/static/app.js), so the
//! numbers in a chart are the ones the tests read.

use crate::clock::beijing;
use crate::store::ClusterPost;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Bucket width for a span of time: hours up to three days, else days.
fn bucket_for(span: Duration) -> Duration {
    if span <= Duration::hours(72) {
        Duration::hours(1)
    } else {
        Duration::days(1)
    }
}

fn label(t: DateTime<Utc>, bucket: Duration) -> String {
    let local = beijing(t);
    if bucket < Duration::days(1) {
        local.format("%m-%d %H时").to_string()
    } else {
        local.format("%m-%d").to_string()
    }
}

/// Bucket start (Beijing days start at 16:00 UTC).
fn floor(t: DateTime<Utc>, bucket: Duration) -> DateTime<Utc> {
    let shifted = t + Duration::hours(8);
    shifted.duration_trunc(bucket).unwrap_or(shifted) - Duration::hours(8)
}

/// Counts per bucket and per series over `[first, last]` of the points.
pub fn buckets(
    points: &[(String, DateTime<Utc>)],
    cumulative: bool,
) -> (Vec<String>, BTreeMap<String, Vec<u64>>) {
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.1).min(),
        points.iter().map(|p| p.1).max(),
    ) else {
        return (Vec::new(), BTreeMap::new());
    };
    let bucket = bucket_for(last - first);
    let start = floor(first, bucket);
    let n = ((floor(last, bucket) - start).num_seconds() / bucket.num_seconds()) as usize + 1;
    let labels = (0..n)
        .map(|i| label(start + bucket * i as i32, bucket))
        .collect();
    let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (name, t) in points {
        let i = ((floor(*t, bucket) - start).num_seconds() / bucket.num_seconds()) as usize;
        series.entry(name.clone()).or_insert_with(|| vec![0; n])[i.min(n - 1)] += 1;
    }
    if cumulative {
        for counts in series.values_mut() {
            let mut sum = 0;
            for c in counts.iter_mut() {
                sum += *c;
                *c = sum;
            }
        }
    }
    (labels, series)
}

fn line_option(labels: Vec<String>, series: BTreeMap<String, Vec<u64>>, area: bool) -> Value {
    let series: Vec<Value> = series
        .into_iter()
        .map(|(name, data)| {
            let mut s = json!({"name": name, "type": "line", "data": data, "symbolSize": 5});
            if area {
                s["stack"] = json!("total");
                s["areaStyle"] = json!({"opacity": 0.25});
            }
            s
        })
        .collect();
    json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 32, "bottom": 28},
        "xAxis": {"type": "category", "data": labels, "boundaryGap": false},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    })
}

/// How a cluster spread: cumulative posts per channel over time.
pub fn spread(posts: &[ClusterPost]) -> Value {
    let points: Vec<(String, DateTime<Utc>)> = posts
        .iter()
        .map(|p| (p.channel.zh().to_string(), p.seen_at()))
        .collect();
    let (labels, series) = buckets(&points, true);
    line_option(labels, series, true)
}

/// Posts per bucket for several series (hot events' trends).
pub fn trend(points: &[(String, DateTime<Utc>)]) -> Value {
    let (labels, series) = buckets(points, false);
    line_option(labels, series, false)
}

/// A bar chart of counts by key, largest first.
pub fn bars(counts: &[(String, u64)], color: &str) -> Value {
    let names: Vec<&str> = counts.iter().map(|c| c.0.as_str()).collect();
    let values: Vec<u64> = counts.iter().map(|c| c.1).collect();
    json!({
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 96, "right": 24, "top": 8, "bottom": 24},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": names, "inverse": true},
        "series": [{"type": "bar", "data": values, "itemStyle": {"color": color}, "barMaxWidth": 18,
                    "label": {"show": true, "position": "right"}}],
    })
}

/// A pie (ring) of counts by key with the given colours.
pub fn ring(counts: &[(String, u64, &str)]) -> Value {
    let data: Vec<Value> = counts
        .iter()
        .map(|(name, v, color)| json!({"name": name, "value": v, "itemStyle": {"color": color}}))
        .collect();
    json!({
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}（{d}%）"},
        "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["45%", "70%"], "center": ["50%", "45%"], "data": data,
                    "label": {"formatter": "{b}\n{c}"}}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap() + Duration::hours(h)
    }

    #[test]
    fn hourly_buckets_cumulate_per_series() {
        let points = vec![
            ("微博".to_string(), at(0)),
            ("微博".to_string(), at(2)),
            ("论坛".to_string(), at(1)),
        ];
        let (labels, series) = buckets(&points, true);
        assert_eq!(labels.len(), 3);
        assert_eq!(series["微博"], vec![1, 1, 2]);
        assert_eq!(series["论坛"], vec![0, 1, 1]);
    }

    #[test]
    fn long_spans_use_days_and_no_points_no_chart() {
        let points = vec![("a".to_string(), at(0)), ("a".to_string(), at(24 * 5))];
        let (labels, series) = buckets(&points, false);
        assert!((5..=6).contains(&labels.len()), "{labels:?}");
        assert_eq!(series["a"].iter().sum::<u64>(), 2);
        assert!(buckets(&[], false).0.is_empty());
    }
}
