//! Masking of personal data for display and storage (个人信息脱敏).
//!
//! Rules and sentiment see the original text in memory; whatever is shown
//! in the dashboard or written to the store goes through [`mask_pii`].
//! Digits are validated (ID checksum, Luhn) so that order numbers and dates
//! are not mangled.

use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
        .expect("valid regex")
});

/// What kind of personal data a masked span was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    Mobile,
    IdNumber,
    BankCard,
    Email,
}

/// Replace mainland mobile numbers, 18-digit resident ID numbers, bank card
/// numbers and e-mail addresses by masked forms that keep enough to tell
/// records apart (`138****5678`, `110105********123X`, `************1234`,
/// `s***@example.edu.cn`).
pub fn mask_pii(text: &str) -> Cow<'_, str> {
    let spans = find_pii(text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end, kind) in spans {
        out.push_str(&text[last..start]);
        let s = &text[start..end];
        match kind {
            PiiKind::Mobile => mask_middle(&mut out, s, 3, 4),
            PiiKind::IdNumber => mask_middle(&mut out, s, 6, 4),
            PiiKind::BankCard => mask_middle(&mut out, s, 0, 4),
            PiiKind::Email => {
                let (local, domain) = s.split_once('@').expect("email has @");
                let first = local.chars().next().expect("non-empty local part");
                out.push(first);
                out.push_str("***@");
                out.push_str(domain);
            }
        }
        last = end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Masks the alphanumerics between the first `keep_head` and the last
/// `keep_tail`; group separators stay so the shape remains readable.
fn mask_middle(out: &mut String, s: &str, keep_head: usize, keep_tail: usize) {
    let total = s.bytes().filter(u8::is_ascii_alphanumeric).count();
    let mut seen = 0;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            let masked = seen >= keep_head && seen < total - keep_tail;
            out.push(if masked { '*' } else { c });
            seen += 1;
        } else {
            out.push(c);
        }
    }
}

/// Byte spans of personal data, sorted and non-overlapping.
pub fn find_pii(text: &str) -> Vec<(usize, usize, PiiKind)> {
    let mut spans = Vec::new();
    if text.contains('@') {
        for m in EMAIL.find_iter(text) {
            spans.push((m.start(), m.end(), PiiKind::Email));
        }
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        // Bank cards are often written in groups of four: "6222 0212 3456 7890".
        let mut digits = 0usize;
        let mut end = i;
        let mut j = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits += 1;
                j += 1;
                end = j;
            } else if (bytes[j] == b' ' || bytes[j] == b'-')
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_digit()
                && digits.is_multiple_of(4)
            {
                j += 1;
            } else {
                break;
            }
        }
        // An ID number may end in X.
        let mut with_x = end;
        if digits == 17 && end < bytes.len() && (bytes[end] == b'X' || bytes[end] == b'x') {
            with_x = end + 1;
        }
        let preceded_by_alnum = start > 0 && bytes[start - 1].is_ascii_alphanumeric();
        let followed_by_alnum = |e: usize| e < bytes.len() && bytes[e].is_ascii_alphanumeric();
        let run = &text[start..end];
        let contiguous = !run.contains([' ', '-']);
        let kind = if preceded_by_alnum {
            None
        } else if contiguous && with_x > end && !followed_by_alnum(with_x) {
            id_number_valid(&text[start..with_x]).then_some((with_x, PiiKind::IdNumber))
        } else if followed_by_alnum(end) {
            None
        } else if contiguous && digits == 11 && is_mobile(run) {
            Some((end, PiiKind::Mobile))
        } else if contiguous && digits == 18 && id_number_valid(run) {
            Some((end, PiiKind::IdNumber))
        } else if (16..=19).contains(&digits) && luhn_valid(run) {
            Some((end, PiiKind::BankCard))
        } else {
            None
        };
        if let Some((e, kind)) = kind
            && !spans.iter().any(|&(s0, e0, _)| start < e0 && s0 < e)
        {
            spans.push((start, e, kind));
        }
        i = end.max(with_x).max(i + 1);
    }
    spans.sort_unstable_by_key(|s| s.0);
    spans
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// GB 11643-1999 checksum of an 18-character resident ID number.
pub fn id_number_valid(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    // The birth date must look like one, or any 18 digits pass 1 time in 11.
    let month = (b[10] - b'0') * 10 + (b[11] - b'0');
    let day = (b[12] - b'0') * 10 + (b[13] - b'0');
    let year_ok = matches!(&s[6..8], "18" | "19" | "20");
    year_ok
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && CHECK[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

fn luhn_valid(s: &str) -> bool {
    let digits: Vec<u32> = s
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|d| (d - b'0') as u32)
        .collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A syntactically valid ID number made up for tests (checksum computed).
    const ID: &str = "11010519491231002X";

    #[test]
    fn masks_mobile_numbers() {
        assert_eq!(mask_pii("联系我13912345678谢谢"), "联系我139****5678谢谢");
        // 12 digits or a leading 0 are not mobiles
        assert_eq!(mask_pii("订单139123456789"), "订单139123456789");
        assert_eq!(mask_pii("编号02912345678"), "编号02912345678");
    }

    #[test]
    fn masks_id_numbers_only_with_valid_checksum() {
        assert!(id_number_valid(ID));
        assert_eq!(
            mask_pii(&format!("身份证{ID}。")),
            "身份证110105********002X。"
        );
        let wrong = "110105194912310021";
        assert_eq!(mask_pii(wrong), wrong);
    }

    #[test]
    fn masks_bank_cards_with_luhn() {
        // 4111 1111 1111 1111 passes Luhn
        assert_eq!(mask_pii("卡号4111111111111111"), "卡号************1111");
        assert_eq!(
            mask_pii("卡号 4111 1111 1111 1111 转账"),
            "卡号 **** **** **** 1111 转账"
        );
        assert_eq!(mask_pii("流水4111111111111112"), "流水4111111111111112");
    }

    #[test]
    fn masks_email() {
        assert_eq!(
            mask_pii("发到student@example.edu.cn就行"),
            "发到s***@example.edu.cn就行"
        );
    }

    #[test]
    fn leaves_dates_and_plain_text_alone() {
        let s = "2024年3月18日 14:00 发布，阅读 12345 次";
        assert!(matches!(mask_pii(s), Cow::Borrowed(_)));
    }
}
