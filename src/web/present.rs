//! How stored values are shown: Beijing time, due times in words, rule hits
//! highlighted in PII-masked text.

use crate::analyze::pii::{find_pii, mask_pii};
use crate::clock::beijing;
use crate::model::{Field, MatchSpan};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// `11-30 18:05` (this year) or `2025-11-30 18:05`.
pub fn time(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let local = beijing(t);
    if local.format("%Y").to_string() == beijing(now).format("%Y").to_string() {
        local.format("%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// `2026-11-30 18:05:07`, for audit trails and exports.
pub fn full_time(t: DateTime<Utc>) -> String {
    beijing(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A span of time in words: `3 小时 20 分`.
pub fn span(d: chrono::Duration) -> String {
    let mins = d.num_minutes().abs();
    match mins {
        0 => "不到 1 分钟".to_string(),
        1..=59 => format!("{mins} 分钟"),
        60..=1439 if mins % 60 == 0 => format!("{} 小时", mins / 60),
        60..=1439 => format!("{} 小时 {} 分", mins / 60, mins % 60),
        _ => format!("{} 天 {} 小时", mins / 1440, mins % 1440 / 60),
    }
}

/// Where an item stands against its due time.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Due {
    pub text: String,
    pub overdue: bool,
    /// Less than a quarter of an hour left.
    pub soon: bool,
}

pub fn due(due_at: Option<DateTime<Utc>>, open: bool, now: DateTime<Utc>) -> Option<Due> {
    let due_at = due_at?;
    if !open {
        return None;
    }
    let left = due_at - now;
    Some(if left < chrono::Duration::zero() {
        Due {
            text: format!("已超时 {}", span(left)),
            overdue: true,
            soon: false,
        }
    } else {
        Due {
            text: format!("剩余 {}", span(left)),
            overdue: false,
            soon: left < chrono::Duration::minutes(15),
        }
    })
}

/// A piece of displayed text; `hit` pieces are what rules matched.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// `text` (a normalised field, which rule spans index) cut into pieces with
/// the spans of `field` marked, and personal data masked. A span touching
/// personal data is not marked, so a mask is never split.
pub fn highlight(text: &str, spans: &[MatchSpan], field: Field) -> Vec<Piece> {
    let pii = find_pii(text);
    let mut marks: Vec<(usize, usize)> = spans
        .iter()
        .filter(|s| s.field == field && s.start < s.end && s.end <= text.len())
        .filter(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end))
        .filter(|s| !pii.iter().any(|p| s.start < p.1 && p.0 < s.end))
        .map(|s| (s.start, s.end))
        .collect();
    marks.sort_unstable();
    // Overlapping spans merge into one mark.
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(marks.len());
    for (s, e) in marks {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut pieces = Vec::with_capacity(merged.len() * 2 + 1);
    let mut push = |s: &str, hit: bool| {
        if !s.is_empty() {
            pieces.push(Piece {
                text: if hit {
                    s.to_string()
                } else {
                    mask_pii(s).into_owned()
                },
                hit,
            });
        }
    };
    let mut at = 0;
    for (s, e) in merged {
        push(&text[at..s], false);
        push(&text[s..e], true);
        at = e;
    }
    push(&text[at..], false);
    pieces
}

/// Like [`highlight`], but on the text as the author wrote it when its
/// normalised form (which rule spans index) maps char for char onto it —
/// full-width punctuation stays as written. Otherwise the normalised text.
pub fn highlight_original(original: &str, spans: &[MatchSpan], field: Field) -> Vec<Piece> {
    let normal = crate::analyze::normalize::normalize(original);
    let n_chars: Vec<usize> = normal.char_indices().map(|(i, _)| i).collect();
    let o_chars: Vec<usize> = original.char_indices().map(|(i, _)| i).collect();
    if n_chars.len() != o_chars.len() {
        return highlight(&normal, spans, field);
    }
    let to_original = |byte: usize| -> usize {
        match n_chars.binary_search(&byte) {
            Ok(i) => o_chars[i],
            // The end of the text, or inside a char (not a boundary): clamp.
            Err(i) => o_chars.get(i).copied().unwrap_or(original.len()),
        }
    };
    let mapped: Vec<MatchSpan> = spans
        .iter()
        .filter(|s| s.field == field && s.end <= normal.len())
        .map(|s| MatchSpan {
            field,
            start: to_original(s.start),
            end: to_original(s.end),
        })
        .collect();
    highlight(original, &mapped, field)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, word: &str) -> MatchSpan {
        let start = text.find(word).unwrap();
        MatchSpan {
            field: Field::Text,
            start,
            end: start + word.len(),
        }
    }

    #[test]
    fn hits_are_marked_and_phone_numbers_masked() {
        let text = "食堂吃坏肚子，联系13812345678";
        let pieces = highlight(text, &[span_of(text, "食堂")], Field::Text);
        assert_eq!(
            pieces[0],
            Piece {
                text: "食堂".into(),
                hit: true
            }
        );
        assert_eq!(pieces[1].text, "吃坏肚子，联系138****5678");
        assert!(!pieces[1].hit);
    }

    #[test]
    fn a_span_over_personal_data_is_not_marked_and_stays_masked() {
        let text = "电话13812345678";
        let pieces = highlight(text, &[span_of(text, "13812345678")], Field::Text);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].text, "电话138****5678");
    }

    #[test]
    fn overlapping_and_other_field_spans() {
        let text = "宿舍楼停水停电";
        let a = span_of(text, "停水");
        let b = span_of(text, "水停电");
        let mut t = span_of(text, "宿舍");
        t.field = Field::Title;
        let pieces = highlight(text, &[a, b, t], Field::Text);
        let hits: Vec<&str> = pieces
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(hits, ["停水停电"]);
    }

    #[test]
    fn spans_of_the_normal_form_mark_the_original_text() {
        let original = "宿舍ＷＩＦＩ又断了，Ｗｉｆｉ太差";
        let normal = crate::analyze::normalize::normalize(original);
        let start = normal.find("wifi").unwrap();
        let s = MatchSpan {
            field: Field::Text,
            start,
            end: start + 4,
        };
        let pieces = highlight_original(original, &[s], Field::Text);
        assert_eq!(
            pieces[1],
            Piece {
                text: "ＷＩＦＩ".into(),
                hit: true
            }
        );
        assert!(pieces[2].text.starts_with("又断了，"));
    }

    #[test]
    fn due_times_in_words() {
        let now = Utc::now();
        let d = due(Some(now - chrono::Duration::minutes(130)), true, now).unwrap();
        assert!(d.overdue);
        assert_eq!(d.text, "已超时 2 小时 10 分");
        let d = due(Some(now + chrono::Duration::minutes(10)), true, now).unwrap();
        assert!(d.soon && !d.overdue);
        assert!(due(Some(now), false, now).is_none());
    }
}
