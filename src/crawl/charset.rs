//! Character-set detection and decoding of fetched bytes.
// placeholder: replaced by the full implementation at merge

/// Decoded text and the name of the encoding that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Lower-case WHATWG name, e.g. "utf-8", "gbk".
    pub encoding: &'static str,
}

/// Decode `bytes`: override, BOM, HTTP charset, `<meta>` charset, UTF-8
/// validity, else GBK.
pub fn decode(bytes: &[u8], content_type: Option<&str>, override_enc: Option<&str>) -> Decoded {
    let label = |l: &str| encoding_rs::Encoding::for_label(l.trim().as_bytes());
    let enc = override_enc
        .and_then(label)
        .or_else(|| encoding_rs::Encoding::for_bom(bytes).map(|(e, _)| e))
        .or_else(|| content_type.and_then(charset_param).and_then(|c| label(&c)))
        .or_else(|| meta_charset(bytes).and_then(|c| label(&c)))
        .unwrap_or(if std::str::from_utf8(bytes).is_ok() {
            encoding_rs::UTF_8
        } else {
            encoding_rs::GBK
        });
    let (text, enc, _) = enc.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: name(enc),
    }
}

fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let re = regex::Regex::new(r#"(?:charset|encoding)\s*=\s*["']?([a-z0-9_\-]+)"#).ok()?;
    re.captures(&head).map(|c| c[1].to_string())
}

fn name(enc: &'static encoding_rs::Encoding) -> &'static str {
    match enc.name() {
        "UTF-8" => "utf-8",
        "GBK" => "gbk",
        "gb18030" => "gb18030",
        "Big5" => "big5",
        "UTF-16LE" => "utf-16le",
        "UTF-16BE" => "utf-16be",
        other => other,
    }
}
