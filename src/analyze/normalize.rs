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
    let mut out = String::new();
    normalize_changed(input, first, &mut out);
    Cow::Owned(out)
}

/// Like [`normalize_cow`], but an input that changes is normalised into
/// `buf` (cleared first), so that a caller can reuse one buffer per field
/// across posts instead of allocating a string per post.
pub fn normalize_in<'a>(input: &'a str, buf: &'a mut String) -> &'a str {
    match first_change(input) {
        None => input,
        Some(first) => {
            buf.clear();
            normalize_changed(input, first, buf);
            buf
        }
    }
}

/// Normalises `input`, whose first change is at byte `first`, into `out`
/// (empty).
fn normalize_changed(input: &str, first: usize, out: &mut String) {
    if input[first..].contains('&') {
        let decoded = html_escape::decode_html_entities(input);
        out.reserve(decoded.len());
        normalize_into(&decoded, out);
        return;
    }
    out.reserve(input.len());
    out.push_str(&input[..first]);
    normalize_into(&input[first..], out);
}

/// Byte offset of the first character that [`normalize`] may change (`&`,
/// an ASCII capital, a full-width form or the ideographic space).
fn first_change(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    // Byte by byte rather than character by character: continuation bytes
    // (0x80..=0xBF) are none of the bytes looked for, so the first hit is
    // the same, and the loop is one table load per byte.
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| MAY_CHANGE[b as usize]) {
        let at = i + off;
        let b = bytes[at];
        // U+FF01..U+FF5E is EF BC 81..EF BD 9E; U+3000 is E3 80 80.
        let changes = match b {
            0xEF => matches!(bytes.get(at + 1), Some(0xBC | 0xBD)),
            0xE3 => bytes.get(at + 1) == Some(&0x80) && bytes.get(at + 2) == Some(&0x80),
            _ => true,
        };
        if changes {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Bytes that may start a change: `&`, ASCII capitals, and the lead bytes of
/// full-width forms (EF) and the ideographic space (E3).
static MAY_CHANGE: [bool; 256] = {
    let mut t = [false; 256];
    t[b'&' as usize] = true;
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = true;
        c += 1;
    }
    t[0xEF] = true;
    t[0xE3] = true;
    t
};

/// Like [`normalize`] without entity decoding, appending to `out`.
pub fn normalize_into(input: &str, out: &mut String) {
    // Copy runs of characters that need no change; only ASCII capitals and
    // the lead bytes EF (full-width forms) and E3 (ideographic space) stop
    // the byte scan (continuation bytes are never one of them).
    let bytes = input.as_bytes();
    let mut run_start = 0;
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| FOLDS[b as usize]) {
        let at = i + off;
        let (folded, len) = match (bytes[at], bytes.get(at + 1), bytes.get(at + 2)) {
            (b, _, _) if b < 0x80 => (Some(b.to_ascii_lowercase()), 1),
            // U+FF01..=U+FF3F is EF BC 81..=BF, U+FF40..=U+FF5E is EF BD
            // 80..=9E; each folds to the ASCII character 0xFEE0 below it.
            (0xEF, Some(0xBC), Some(&c)) if c >= 0x81 => (Some((c - 0x60).to_ascii_lowercase()), 3),
            (0xEF, Some(0xBD), Some(&c)) if c <= 0x9E => (Some((c - 0x20).to_ascii_lowercase()), 3),
            // U+3000, the ideographic space.
            (0xE3, Some(0x80), Some(0x80)) => (Some(b' '), 3),
            _ => (None, 1),
        };
        if let Some(folded) = folded {
            out.push_str(&input[run_start..at]);
            out.push(folded as char);
            run_start = at + len;
        }
        i = at + len;
    }
    out.push_str(&input[run_start..]);
}

/// Bytes at which [`normalize_into`] may change something.
static FOLDS: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = true;
        c += 1;
    }
    t[0xEF] = true;
    t[0xE3] = true;
    t
};

#[cfg(test)]
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

    /// The definition, one character at a time.
    fn reference(input: &str) -> String {
        let decoded = html_escape::decode_html_entities(input);
        decoded
            .chars()
            .map(|c| fold_char(c).unwrap_or(c.to_ascii_lowercase()))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn byte_scan_agrees_with_the_definition(
            s in "[a-zA-Z0-9 &;#\u{3000}-\u{3003}\u{FEFF}-\u{FF61}\u{EFFF}-\u{F001}食堂😀]{0,24}"
        ) {
            let expected = reference(&s);
            proptest::prop_assert_eq!(normalize(&s), expected.as_str());
            let mut buf = String::from("stale");
            proptest::prop_assert_eq!(normalize_in(&s, &mut buf), expected.as_str());
        }
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
