//! Publish times as Chinese sites write them: absolute (`2024-03-18 14:00`,
//! `2024/3/18`, `2024年3月18日 14:00`, ISO 8601), without a year (`03-18 14:00`),
//! and relative on forums (`刚刚`, `5分钟前`, `3小时前`, `昨天 14:30`).
//! Times without a zone are Beijing time (+08:00).

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
};
use regex::Regex;
use std::sync::LazyLock;

/// Beijing time, the zone of every page that names none.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// A date found in text, with where it was (byte offsets) and whether it had a
/// time of day (a date with a time is more likely the publish time).
#[derive(Debug, Clone, PartialEq)]
pub struct FoundDate {
    pub at: DateTime<FixedOffset>,
    pub start: usize,
    pub end: usize,
    pub has_time: bool,
}

static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})").unwrap()
});
static ABSOLUTE: LazyLock<Regex> = LazyLock::new(|| {
    // 2024-03-18, 2024/3/18, 2024.03.18, 2024年3月18日, each with an optional
    // time `14:00`, `14:00:05`, `14时00分`. Digits must not touch other digits.
    Regex::new(
        r"(?:^|[^\d])(\d{4})\s*(?:[-/.]|年\s*)(\d{1,2})\s*(?:[-/.]|月\s*)(\d{1,2})(?:\s*日)?(?:[^\d:：]{0,3}?(\d{1,2})\s*(?:[:：]|时|点)\s*(\d{1,2})(?:\s*(?:[:：]\s*(\d{1,2})|分))?)?",
    )
    .unwrap()
});
static NO_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    // 03-18 14:00 / 3月18日 14:00 (Weibo, forums): the year is the current one.
    Regex::new(r"(?:^|[^\d\-/.])(\d{1,2})(?:-|月)(\d{1,2})日?\s*(\d{1,2})[:：](\d{2})").unwrap()
});
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(刚刚|半小时前|(\d+)\s*(秒|分钟|小时|天|周)前|(今天|昨天|前天)\s*(\d{1,2})[:：](\d{2}))",
    )
    .unwrap()
});

/// All dates in `text`, in order of appearance.
pub fn find_dates(text: &str, now: DateTime<FixedOffset>) -> Vec<FoundDate> {
    let mut found: Vec<FoundDate> = Vec::new();
    let overlaps =
        |found: &[FoundDate], s: usize, e: usize| found.iter().any(|f| s < f.end && f.start < e);
    for c in ISO.captures_iter(text) {
        let m = c.get(0).unwrap();
        let n = |i: usize| {
            c.get(i)
                .map_or(0, |g| g.as_str().parse::<u32>().unwrap_or(0))
        };
        let zone = c.get(7).unwrap().as_str();
        let offset = if zone == "Z" {
            FixedOffset::east_opt(0)
        } else {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
            let h: i32 = digits[..2].parse().unwrap_or(0);
            let mi: i32 = digits[2..].parse().unwrap_or(0);
            FixedOffset::east_opt(sign * (h * 3600 + mi * 60))
        };
        if let (Some(offset), Some(naive)) = (
            offset,
            naive(n(1) as i32, n(2), n(3), Some((n(4), n(5), n(6)))),
        ) && let Some(at) = offset.from_local_datetime(&naive).single()
        {
            found.push(FoundDate {
                at,
                start: m.start(),
                end: m.end(),
                has_time: true,
            });
        }
    }
    for c in ABSOLUTE.captures_iter(text) {
        let g1 = c.get(1).unwrap();
        let end = c.get(0).unwrap().end();
        if overlaps(&found, g1.start(), end) {
            continue;
        }
        let n = |i: usize| c.get(i).map(|g| g.as_str().parse::<u32>().unwrap_or(99));
        let time = n(4).map(|h| (h, n(5).unwrap_or(0), n(6).unwrap_or(0)));
        if let Some(naive) = naive(n(1).unwrap() as i32, n(2).unwrap(), n(3).unwrap(), time)
            && let Some(at) = china().from_local_datetime(&naive).single()
        {
            found.push(FoundDate {
                at,
                start: g1.start(),
                end,
                has_time: time.is_some(),
            });
        }
    }
    let now8 = now.with_timezone(&china());
    for c in NO_YEAR.captures_iter(text) {
        let g1 = c.get(1).unwrap();
        let end = c.get(0).unwrap().end();
        if overlaps(&found, g1.start(), end) {
            continue;
        }
        let n = |i: usize| c[i].parse::<u32>().unwrap_or(99);
        let mut year = now8.year();
        // "12-30 10:00" read on 1 January is last year's.
        if (n(1), n(2)) > (now8.month(), now8.day()) {
            year -= 1;
        }
        if let Some(naive) = naive(year, n(1), n(2), Some((n(3), n(4), 0)))
            && let Some(at) = china().from_local_datetime(&naive).single()
        {
            found.push(FoundDate {
                at,
                start: g1.start(),
                end,
                has_time: true,
            });
        }
    }
    for c in RELATIVE.captures_iter(text) {
        let m = c.get(0).unwrap();
        if overlaps(&found, m.start(), m.end()) {
            continue;
        }
        let at = if &c[1] == "刚刚" {
            Some(now8)
        } else if &c[1] == "半小时前" {
            Some(now8 - Duration::minutes(30))
        } else if let Some(k) = c.get(2) {
            let k: i64 = k.as_str().parse().unwrap_or(0);
            let back = match &c[3] {
                "秒" => Duration::seconds(k),
                "分钟" => Duration::minutes(k),
                "小时" => Duration::hours(k),
                "天" => Duration::days(k),
                _ => Duration::weeks(k),
            };
            Some(now8 - back)
        } else {
            let days = match &c[4] {
                "今天" => 0,
                "昨天" => 1,
                _ => 2,
            };
            let day = now8.date_naive() - Duration::days(days);
            NaiveTime::from_hms_opt(c[5].parse().unwrap_or(99), c[6].parse().unwrap_or(99), 0)
                .and_then(|t| china().from_local_datetime(&day.and_time(t)).single())
        };
        if let Some(at) = at {
            // Relative times are minute-precise at best.
            let at = at - Duration::seconds(at.timestamp() % 60);
            found.push(FoundDate {
                at,
                start: m.start(),
                end: m.end(),
                has_time: true,
            });
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

/// The first date in `text`, if any.
pub fn parse_date(text: &str, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    find_dates(text, now).into_iter().next().map(|f| f.at)
}

/// RFC 3339 with seconds, e.g. `2024-03-18T14:00:00+08:00`.
pub fn format_rfc3339(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn naive(y: i32, mo: u32, d: u32, time: Option<(u32, u32, u32)>) -> Option<NaiveDateTime> {
    // Years outside this range are IDs, phone numbers or prices, not dates.
    if !(1990..=2100).contains(&y) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let (h, mi, s) = time.unwrap_or((0, 0, 0));
    Some(date.and_time(NaiveTime::from_hms_opt(h, mi, s)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2024-03-20T10:15:30+08:00").unwrap()
    }

    fn p(s: &str) -> Option<String> {
        parse_date(s, now()).map(|d| format_rfc3339(&d))
    }

    #[test]
    fn absolute_formats() {
        let cases = [
            ("2024-03-18 14:00", "2024-03-18T14:00:00+08:00"),
            ("2024-3-18 9:05:07", "2024-03-18T09:05:07+08:00"),
            ("2024/03/18", "2024-03-18T00:00:00+08:00"),
            ("2024.03.18", "2024-03-18T00:00:00+08:00"),
            ("2024年3月18日 14:00", "2024-03-18T14:00:00+08:00"),
            ("2024年03月18日14时30分", "2024-03-18T14:30:00+08:00"),
            (
                "发布时间：2024-03-18 14:00 来源：宣传部",
                "2024-03-18T14:00:00+08:00",
            ),
            ("发表于 2024-3-18 08:12", "2024-03-18T08:12:00+08:00"),
            ("时间: 2024/3/18", "2024-03-18T00:00:00+08:00"),
            ("日期：2024年3月18日", "2024-03-18T00:00:00+08:00"),
            ("2024-03-18T14:00:00+08:00", "2024-03-18T14:00:00+08:00"),
            ("2024-03-18T06:00:00Z", "2024-03-18T06:00:00+00:00"),
            ("03-18 14:00", "2024-03-18T14:00:00+08:00"),
            ("3月18日 14:00", "2024-03-18T14:00:00+08:00"),
        ];
        for (input, want) in cases {
            assert_eq!(p(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn relative_formats() {
        let cases = [
            ("刚刚", "2024-03-20T10:15:00+08:00"),
            ("5分钟前", "2024-03-20T10:10:00+08:00"),
            ("发表于 3小时前", "2024-03-20T07:15:00+08:00"),
            ("2天前", "2024-03-18T10:15:00+08:00"),
            ("昨天 14:30", "2024-03-19T14:30:00+08:00"),
            ("前天 08:05", "2024-03-18T08:05:00+08:00"),
            ("发表于 半小时前", "2024-03-20T09:45:00+08:00"),
            ("发表于 3 小时前", "2024-03-20T07:15:00+08:00"),
            ("今天 09:00", "2024-03-20T09:00:00+08:00"),
        ];
        for (input, want) in cases {
            assert_eq!(p(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn not_dates() {
        for s in [
            "电话：0571-88776655",
            "索引号：11330000-2024-00123",
            "浏览次数：2024",
            "12345-06-07",
            "2024-13-45",
        ] {
            assert_eq!(p(s), None, "{s}");
        }
    }

    #[test]
    fn no_year_in_the_future_is_last_year() {
        assert_eq!(
            p("12-30 10:00").as_deref(),
            Some("2023-12-30T10:00:00+08:00")
        );
    }

    #[test]
    fn finds_all_in_order() {
        let found = find_dates(
            "发布时间：2024-03-18 来源：本站 更新：2024-03-19 10:00",
            now(),
        );
        assert_eq!(found.len(), 2);
        assert!(!found[0].has_time && found[1].has_time);
    }
}
