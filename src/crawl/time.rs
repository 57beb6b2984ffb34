//! Publication times as sites and platforms write them. Times without an
//! offset are China Standard Time (+08:00).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;
use std::sync::LazyLock;

pub fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Now, in China Standard Time.
pub fn now_cst() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&cst())
}

/// Unix seconds (or milliseconds, when that large).
pub fn from_unix(n: i64) -> Option<DateTime<Utc>> {
    if n > 100_000_000_000 {
        DateTime::from_timestamp_millis(n)
    } else {
        DateTime::from_timestamp(n, 0)
    }
}

static DATE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?)?",
    )
    .expect("valid regex")
});
static RELATIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+)\s*(秒|分钟|小时|天)前$").expect("valid regex"));
static DAY_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})$").expect("valid regex"));
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})-(\d{1,2})$").expect("valid regex"));

/// Parse a time: RFC 3339, RFC 2822, Weibo's `Tue Mar 18 10:00:00 +0800 2026`,
/// Unix seconds, `2026-03-18 10:00`, `2026年3月18日`, a date inside a line
/// like `发布时间：2026-03-18 10:00`, and relative Weibo forms (`刚刚`,
/// `3分钟前`, `昨天 10:00`, `03-18`) against `now`.
pub fn parse_time(s: &str, now: DateTime<FixedOffset>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) && s.len() >= 9 {
        return from_unix(s.parse().ok()?);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.to_utc());
    }
    // Weibo: "Tue Mar 18 10:00:00 +0800 2026". The weekday is skipped: a
    // wrong one should not lose the time.
    if let Some((wd, rest)) = s.split_once(' ')
        && wd.len() == 3
        && wd.chars().all(|c| c.is_ascii_alphabetic())
        && let Ok(t) = DateTime::parse_from_str(rest, "%b %d %H:%M:%S %z %Y")
    {
        return Some(t.to_utc());
    }
    if s == "刚刚" {
        return Some(now.to_utc());
    }
    if let Some(c) = RELATIVE.captures(s) {
        let n: i64 = c[1].parse().ok()?;
        let d = match &c[2] {
            "秒" => Duration::seconds(n),
            "分钟" => Duration::minutes(n),
            "小时" => Duration::hours(n),
            _ => Duration::days(n),
        };
        return Some((now - d).to_utc());
    }
    if let Some(c) = DAY_TIME.captures(s) {
        let back = match &c[1] {
            "今天" => 0,
            "昨天" => 1,
            _ => 2,
        };
        let day = now.date_naive() - Duration::days(back);
        let t = day.and_hms_opt(c[2].parse().ok()?, c[3].parse().ok()?, 0)?;
        return local(t);
    }
    if let Some(c) = MONTH_DAY.captures(s) {
        let d = NaiveDate::from_ymd_opt(now.year(), c[1].parse().ok()?, c[2].parse().ok()?)?;
        return local(d.and_hms_opt(0, 0, 0)?);
    }
    if let Some(c) = DATE_IN_TEXT.captures(s) {
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let d = NaiveDate::from_ymd_opt(c[1].parse().ok()?, num(2)?, num(3)?)?;
        let t = d.and_hms_opt(
            num(4).unwrap_or(0),
            num(5).unwrap_or(0),
            num(6).unwrap_or(0),
        )?;
        return local(t);
    }
    None
}

fn local(t: NaiveDateTime) -> Option<DateTime<Utc>> {
    cst().from_local_datetime(&t).single().map(|t| t.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn p(s: &str) -> String {
        parse_time(s, at("2026-03-20T12:00:00+08:00"))
            .map(|t| t.with_timezone(&cst()).to_rfc3339())
            .unwrap_or_default()
    }

    #[test]
    fn absolute_forms() {
        assert_eq!(
            p("Tue Mar 18 10:00:00 +0800 2026"),
            "2026-03-18T10:00:00+08:00"
        );
        assert_eq!(p("2026-03-18T10:00:00Z"), "2026-03-18T18:00:00+08:00");
        assert_eq!(
            p("Wed, 18 Mar 2026 02:00:00 GMT"),
            "2026-03-18T10:00:00+08:00"
        );
        assert_eq!(p("1773799200"), "2026-03-18T10:00:00+08:00");
        assert_eq!(p("2026-03-18 10:00"), "2026-03-18T10:00:00+08:00");
        assert_eq!(
            p("发布时间：2026年3月18日 10:05"),
            "2026-03-18T10:05:00+08:00"
        );
        assert_eq!(p("2026/03/18"), "2026-03-18T00:00:00+08:00");
    }

    #[test]
    fn weibo_relative_forms() {
        assert_eq!(p("刚刚"), "2026-03-20T12:00:00+08:00");
        assert_eq!(p("3分钟前"), "2026-03-20T11:57:00+08:00");
        assert_eq!(p("2小时前"), "2026-03-20T10:00:00+08:00");
        assert_eq!(p("昨天 10:00"), "2026-03-19T10:00:00+08:00");
        assert_eq!(p("今天 08:30"), "2026-03-20T08:30:00+08:00");
        assert_eq!(p("03-18"), "2026-03-18T00:00:00+08:00");
        assert_eq!(p("不是时间"), "");
    }
}
