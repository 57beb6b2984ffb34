//! Text normalisation applied before tokenisation and rule matching.
//!
//! Users write rules in one form (`wifi`, `!`, `a`), posts arrive in many
//! (`ＷｉＦｉ`, `！`, `&amp;`), so both sides are folded the same way here.

use std::borrow::Cow;

/// Decode HTML entities, fold full-width ASCII to half-width and lowercase
/// Latin letters. Chinese punctuation outside the full-width block (。、「」)
/// is kept as is: it separates clauses for the sentiment scorer.
pub fn normalize(input: &str) -> String {
    normalize_cow(input).into_owned()
}

/// Like [`normalize`], but borrows `input` when it is already normal (no
/// entity, no capital letter, no full-width form), which is most posts: the
/// analyser then copies nothing.
pub fn normalize_cow(input: &str) -> Cow<'_, str> {
    let Some(first) = first_change(input) else {
        return Cow::Borrowed(input);
    };
    if input[first..].contains('&') {
        let decoded = html_escape::decode_html_entities(input);
        let mut out = String::with_capacity(decoded.len());
        normalize_into(&decoded, &mut out);
        return Cow::Owned(out);
    }
    let mut out = String::with_capacity(input.len());
    out.push_str(&input[..first]);
    normalize_into(&input[first..], &mut out);
    Cow::Owned(out)
}

/// Byte offset of the first character that [`normalize`] may change (`&`,
/// an ASCII capital, a full-width form or the ideographic space).
fn first_change(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b == b'&' || b.is_ascii_uppercase() {
                return Some(i);
            }
            i += 1;
            continue;
        }
        // U+FF01..U+FF5E is EF BC 81..EF BD 9E; U+3000 is E3 80 80.
        if (b == 0xEF && matches!(bytes.get(i + 1), Some(0xBC | 0xBD)))
            || (b == 0xE3 && bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0x80))
        {
            return Some(i);
        }
        i += utf8_len(b);
    }
    None
}

/// Like [`normalize`] without entity decoding, appending to `out`.
pub fn normalize_into(input: &str, out: &mut String) {
    // Fast path: copy runs of characters that need no change.
    let bytes = input.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_uppercase() {
                out.push_str(&input[run_start..i]);
                out.push(b.to_ascii_lowercase() as char);
                run_start = i + 1;
            }
            i += 1;
            continue;
        }
        // Full-width forms are U+FF01..U+FF5E (EF BC 81 .. EF BD 9E) and the
        // ideographic space U+3000 (E3 80 80); anything else multi-byte is kept.
        let ch_len = utf8_len(b);
        if b == 0xEF || b == 0xE3 {
            let c = input[i..].chars().next().expect("valid utf-8");
            if let Some(folded) = fold_char(c) {
                out.push_str(&input[run_start..i]);
                out.push(folded);
                run_start = i + ch_len;
            }
        }
        i += ch_len;
    }
    out.push_str(&input[run_start..]);
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{3000}' => Some(' '),
        '\u{FF01}'..='\u{FF5E}' => {
            let half = char::from_u32(c as u32 - 0xFEE0).expect("in ASCII range");
            Some(half.to_ascii_lowercase())
        }
        _ => None,
    }
}

/// Normalise a rule term the same way as text, so that matching is exact.
pub fn normalize_term(term: &str) -> String {
    normalize(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(normalize("ＷｉＦｉ断了！"), "wifi断了!");
        assert_eq!(normalize("ＡＢＣ\u{3000}１２３"), "abc 123");
        assert_eq!(normalize("Hello World"), "hello world");
    }

    #[test]
    fn keeps_chinese_punctuation_and_emoji() {
        assert_eq!(normalize("食堂，太差了。[怒]😡"), "食堂,太差了。[怒]😡");
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(normalize("A&amp;B &lt;通知&gt; &#x4E2D;"), "a&b <通知> 中");
    }

    #[test]
    fn unchanged_text_is_copied() {
        let s = "学校食堂的饭菜很好吃";
        assert_eq!(normalize(s), s);
        assert!(matches!(normalize_cow(s), Cow::Borrowed(_)));
        assert!(matches!(
            normalize_cow("食堂、wifi断了。[怒]😡"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(normalize_cow(""), Cow::Borrowed(_)));
    }

    #[test]
    fn borrowed_and_owned_agree_with_the_full_fold() {
        // The fast path must find every character the slow one changes.
        for s in [
            "abc&amp;",
            "食堂Ａ",
            "x\u{3000}y",
            "ＷｉＦｉ",
            "Hello",
            "好！",
            "ｚ",
            "～",
            "￥5",
            "&",
            "全角：冒号",
            "\u{FF5F}\u{FF60}",
        ] {
            let mut slow = String::new();
            let decoded = html_escape::decode_html_entities(s);
            normalize_into(&decoded, &mut slow);
            assert_eq!(normalize_cow(s), slow, "{s:?}");
        }
    }
}
