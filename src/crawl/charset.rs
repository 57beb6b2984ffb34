//! Charset detection and decoding of fetched pages, the way a browser does it
//! (WHATWG encoding sniffing), with one crawler-specific repair: a page that
//! declares one charset but whose bytes are not valid in it is detected again.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};
use regex::bytes::Regex;
use std::sync::LazyLock;

/// How many leading bytes are searched for `<meta charset>` / `<?xml encoding>`.
/// Browsers look at 1024 bytes; Chinese CMS pages often put long comments and
/// scripts first, so we look further.
const PRESCAN_BYTES: usize = 4096;

/// Which evidence chose the encoding; for debugging and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    /// The caller forced it (config or `--encoding`).
    Override,
    /// A byte-order mark.
    Bom,
    /// `charset=` of the HTTP `Content-Type` header.
    HttpHeader,
    /// `<meta charset>` or `<meta http-equiv="Content-Type" content="…charset=…">`.
    MetaTag,
    /// `<?xml … encoding="…"?>` of a feed.
    XmlDeclaration,
    /// Nothing declared: guessed by chardetng.
    Detected,
    /// Declared, but the bytes were malformed in the declared encoding.
    DetectedOverDeclaration,
}

/// A decoded page.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    /// Lowercase WHATWG name, e.g. `"utf-8"`, `"gbk"`, `"gb18030"`, `"big5"`.
    pub encoding: &'static str,
    pub source: EncodingSource,
}

/// Decode raw page bytes.
///
/// Order: `override_enc`, BOM, HTTP `Content-Type` charset, `<meta>` / XML
/// declaration in the first 4 KB, then chardetng with the `.cn` TLD hint.
/// A declared encoding under which the bytes are malformed is replaced by the
/// detected one. Decoding is lossy by design (U+FFFD for bad sequences).
pub fn decode(bytes: &[u8], content_type: Option<&str>, override_enc: Option<&str>) -> Decoded {
    if let Some(enc) = override_enc.and_then(lookup) {
        return finish(bytes, enc, EncodingSource::Override);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: whatwg_name(enc),
            source: EncodingSource::Bom,
        };
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .and_then(lookup)
        .map(|e| (e, EncodingSource::HttpHeader))
        .or_else(|| prescan(bytes));
    match declared {
        Some((enc, source)) => {
            if let Some(text) = enc.decode_without_bom_handling_and_without_replacement(bytes) {
                // GBK-family decoders accept most UTF-8 byte pairs, so a page
                // declared GBK but really UTF-8 decodes "fine" into mojibake.
                // Valid non-ASCII UTF-8 is almost never legacy CJK text.
                if enc != UTF_8 && !bytes.is_ascii() && std::str::from_utf8(bytes).is_ok() {
                    return finish(bytes, UTF_8, EncodingSource::DetectedOverDeclaration);
                }
                return Decoded {
                    text: text.into_owned(),
                    encoding: whatwg_name(enc),
                    source,
                };
            }
            let guessed = detect(bytes);
            let source = if guessed == enc {
                source
            } else {
                EncodingSource::DetectedOverDeclaration
            };
            finish(bytes, guessed, source)
        }
        None => finish(bytes, detect(bytes), EncodingSource::Detected),
    }
}

/// Resolve a label the WHATWG way (`gb2312`, `x-gbk`, `GB_2312-80` → GBK).
/// UTF-16 labels in a page are treated as UTF-8, as browsers do for `<meta>`.
pub fn lookup(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).map(|e| e.output_encoding())
}

fn finish(bytes: &[u8], enc: &'static Encoding, source: EncodingSource) -> Decoded {
    let (text, _) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: whatwg_name(enc),
        source,
    }
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(Some(b"cn"), Utf8Detection::Allow)
}

fn charset_from_content_type(value: &str) -> Option<&str> {
    value.split(';').skip(1).find_map(|param| {
        let (key, val) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| val.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

static META_CHARSET: LazyLock<Regex> = LazyLock::new(|| {
    // Covers both `<meta charset="gbk">` and the http-equiv form, whose
    // content attribute contains `charset=gbk`.
    Regex::new(r#"(?i-u)<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:\-]+)"#).unwrap()
});
static XML_ENCODING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i-u)\A(?:\s)*<\?xml\b[^>]*?\bencoding\s*=\s*["']([a-z0-9_.:\-]+)["']"#).unwrap()
});

fn prescan(bytes: &[u8]) -> Option<(&'static Encoding, EncodingSource)> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let from = |re: &Regex| {
        re.captures(head)
            .and_then(|c| std::str::from_utf8(&c[1]).ok().and_then(lookup))
    };
    if let Some(enc) = from(&XML_ENCODING) {
        return Some((enc, EncodingSource::XmlDeclaration));
    }
    from(&META_CHARSET).map(|enc| (enc, EncodingSource::MetaTag))
}

/// encoding_rs names are mixed case ("GBK", "UTF-8", "gb18030"); the contract
/// wants lowercase, as `&'static str`.
fn whatwg_name(enc: &'static Encoding) -> &'static str {
    static NAMES: LazyLock<Vec<(&'static Encoding, &'static str)>> = LazyLock::new(|| {
        ALL.iter()
            .map(|&e| {
                let lower: &'static str = Box::leak(e.name().to_ascii_lowercase().into_boxed_str());
                (e, lower)
            })
            .collect()
    });
    NAMES
        .iter()
        .find(|(e, _)| *e == enc)
        .map(|(_, n)| *n)
        .unwrap_or("utf-8")
}

/// Every encoding encoding_rs knows (a fixed set, so the leak above is bounded).
static ALL: &[&Encoding] = &[
    encoding_rs::BIG5,
    encoding_rs::EUC_JP,
    encoding_rs::EUC_KR,
    encoding_rs::GB18030,
    encoding_rs::GBK,
    encoding_rs::IBM866,
    encoding_rs::ISO_2022_JP,
    encoding_rs::ISO_8859_10,
    encoding_rs::ISO_8859_13,
    encoding_rs::ISO_8859_14,
    encoding_rs::ISO_8859_15,
    encoding_rs::ISO_8859_16,
    encoding_rs::ISO_8859_2,
    encoding_rs::ISO_8859_3,
    encoding_rs::ISO_8859_4,
    encoding_rs::ISO_8859_5,
    encoding_rs::ISO_8859_6,
    encoding_rs::ISO_8859_7,
    encoding_rs::ISO_8859_8,
    encoding_rs::ISO_8859_8_I,
    encoding_rs::KOI8_R,
    encoding_rs::KOI8_U,
    encoding_rs::MACINTOSH,
    encoding_rs::REPLACEMENT,
    encoding_rs::SHIFT_JIS,
    encoding_rs::UTF_16BE,
    encoding_rs::UTF_16LE,
    encoding_rs::UTF_8,
    encoding_rs::WINDOWS_1250,
    encoding_rs::WINDOWS_1251,
    encoding_rs::WINDOWS_1252,
    encoding_rs::WINDOWS_1253,
    encoding_rs::WINDOWS_1254,
    encoding_rs::WINDOWS_1255,
    encoding_rs::WINDOWS_1256,
    encoding_rs::WINDOWS_1257,
    encoding_rs::WINDOWS_1258,
    encoding_rs::WINDOWS_874,
    encoding_rs::X_MAC_CYRILLIC,
    encoding_rs::X_USER_DEFINED,
];

#[cfg(test)]
mod tests {
    use super::*;

    const ZH: &str =
        "学校召开二〇二四年春季学期工作会议，全体师生参加。会议强调，要抓好教学质量和安全稳定。";

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn http_header_charset_wins_over_meta() {
        let page = format!("<html><head><meta charset=\"utf-8\"></head><body>{ZH}</body></html>");
        let d = decode(&gbk(&page), Some("text/html; charset=GB2312"), None);
        assert_eq!(d.encoding, "gbk");
        assert_eq!(d.source, EncodingSource::HttpHeader);
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn meta_http_equiv_gb2312_reports_gbk() {
        let page = format!(
            "<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=gb2312\"></head><body>{ZH}</body></html>"
        );
        let d = decode(&gbk(&page), None, None);
        assert_eq!((d.encoding, d.source), ("gbk", EncodingSource::MetaTag));
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn meta_charset_attribute() {
        let page = format!("<meta charset='GB18030'><p>{ZH}</p>");
        let bytes = encoding_rs::GB18030.encode(&page).0.into_owned();
        let d = decode(&bytes, Some("text/html"), None);
        assert_eq!((d.encoding, d.source), ("gb18030", EncodingSource::MetaTag));
    }

    #[test]
    fn xml_declaration_of_a_feed() {
        let feed = format!(
            "<?xml version=\"1.0\" encoding=\"gbk\"?><rss><item><title>{ZH}</title></item></rss>"
        );
        let d = decode(&gbk(&feed), None, None);
        assert_eq!(
            (d.encoding, d.source),
            ("gbk", EncodingSource::XmlDeclaration)
        );
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn undeclared_gbk_is_detected() {
        let page = format!(
            "<html><head><title>通知公告</title></head><body><p>{ZH}</p><p>{ZH}</p></body></html>"
        );
        let d = decode(&gbk(&page), None, None);
        assert_eq!((d.encoding, d.source), ("gbk", EncodingSource::Detected));
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn undeclared_utf8_is_detected() {
        let page = format!("<p>{ZH}</p>");
        let d = decode(page.as_bytes(), None, None);
        assert_eq!((d.encoding, d.source), ("utf-8", EncodingSource::Detected));
    }

    #[test]
    fn declared_utf8_but_really_gbk() {
        let page =
            format!("<html><head><meta charset=\"utf-8\"></head><body><p>{ZH}</p></body></html>");
        let d = decode(&gbk(&page), None, None);
        assert_eq!(d.encoding, "gbk");
        assert_eq!(d.source, EncodingSource::DetectedOverDeclaration);
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn declared_gbk_but_really_utf8() {
        let page =
            format!("<html><head><meta charset=\"gbk\"></head><body><p>{ZH}</p></body></html>");
        let d = decode(page.as_bytes(), None, None);
        assert_eq!(d.encoding, "utf-8");
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn bom_and_override() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(ZH.as_bytes());
        let d = decode(&bytes, Some("text/html; charset=gbk"), None);
        assert_eq!(
            (d.encoding, d.source, d.text.as_str()),
            ("utf-8", EncodingSource::Bom, ZH)
        );

        let d = decode(&gbk(ZH), Some("text/html; charset=utf-8"), Some("x-gbk"));
        assert_eq!(
            (d.encoding, d.source, d.text.as_str()),
            ("gbk", EncodingSource::Override, ZH)
        );
    }

    #[test]
    fn content_type_parameter_parsing() {
        assert_eq!(
            charset_from_content_type("text/html; Charset=\"GBK\""),
            Some("GBK")
        );
        assert_eq!(charset_from_content_type("text/html"), None);
    }
}
