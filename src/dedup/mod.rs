//! Dedup: canonical URLs, exact content hashes and 64-bit SimHash for
//! near-duplicates (reposts, 转载 with a different header). Pure functions;
//! the store keeps the LSH bands that make lookups independent of its size.

use xxhash_rust::xxh3::xxh3_64;

/// Query parameters that only track where a click came from.
const TRACKING_PARAMS: &[&str] = &[
    "spm",
    "from",
    "source",
    "share_source",
    "share_medium",
    "share_plat",
    "share_session_id",
    "share_tag",
    "share_from",
    "timestamp",
    "unique_k",
    "vd_source",
    "bbid",
    "ts",
    "scene",
    "srcid",
    "sharer_sharetime",
    "sharer_shareid",
    "isappinstalled",
    "wfr",
    "featurecode",
    "luicode",
    "lfid",
    "fbclid",
    "gclid",
    "mc_cid",
    "mc_eid",
    "ref",
    "ref_src",
    "chksm",
    "sessionid",
    "clicktime",
    "enterid",
    "from_source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// The form of a URL under which reposts of one link meet: lowercase scheme
/// and host, default port and fragment dropped, tracking parameters removed,
/// the rest of the query sorted. Unparseable input is returned trimmed.
pub fn canonical_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw.trim()) else {
        return raw.trim().to_string();
    };
    url.set_fragment(None);
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !TRACKING_PARAMS.contains(&k.as_str()) && !k.starts_with("utm_")
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // `Url` already lowercases the host and drops default ports.
    let mut s = url.to_string();
    if url.path() != "/" && s.ends_with('/') && url.query().is_none() {
        s.pop();
    }
    s
}

/// Exact-duplicate hash of what a reader sees: whitespace is ignored so a
/// re-flowed page is still the same content.
pub fn content_hash(title: &str, text: &str) -> u64 {
    let mut buf = String::with_capacity(title.len() + text.len() + 1);
    buf.extend(title.chars().filter(|c| !c.is_whitespace()));
    buf.push('\u{1}');
    buf.extend(text.chars().filter(|c| !c.is_whitespace()));
    xxh3_64(buf.as_bytes())
}

/// 64-bit SimHash over tokens; punctuation and single characters are noise
/// that would make every short post look alike, so they are skipped unless
/// nothing else is left.
pub fn simhash(tokens: &[&str]) -> u64 {
    let meaningful = |t: &&&str| t.chars().count() > 1 && t.chars().any(char::is_alphanumeric);
    let use_all = !tokens.iter().any(|t| meaningful(&t));
    let mut weights = [0i32; 64];
    for token in tokens.iter().filter(|t| use_all || meaningful(t)) {
        let h = xxh3_64(token.as_bytes());
        for (bit, w) in weights.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *w += 1;
            } else {
                *w -= 1;
            }
        }
    }
    weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit)
}

pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Posts whose SimHashes differ in at most this many bits are one story.
pub const NEAR_DUPLICATE_BITS: u32 = 3;

/// Number of LSH bands. With 4 bands of 16 bits, two hashes within 3 bits
/// of each other agree on at least one whole band (pigeonhole), so looking
/// up the 4 bands finds every near-duplicate.
pub const BANDS: usize = 4;

/// The LSH bands of a SimHash, tagged with their position so that equal
/// values in different bands don't collide: `(band << 16) | value`.
pub fn bands(hash: u64) -> [i64; BANDS] {
    std::array::from_fn(|i| ((i as i64) << 16) | ((hash >> (16 * i)) & 0xFFFF) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_urls_meet() {
        assert_eq!(
            canonical_url("HTTP://News.Example.EDU.cn:80/a/b.html?utm_source=wx&id=3&page=1#top"),
            "http://news.example.edu.cn/a/b.html?id=3&page=1"
        );
        assert_eq!(
            canonical_url("https://example.edu.cn/a/b.html?page=1&id=3&spm=abc"),
            canonical_url("https://example.edu.cn/a/b.html?id=3&page=1")
        );
        assert_eq!(
            canonical_url("https://example.edu.cn/news/"),
            "https://example.edu.cn/news"
        );
        assert_eq!(
            canonical_url("https://example.edu.cn/"),
            "https://example.edu.cn/"
        );
        assert_eq!(canonical_url(" not a url "), "not a url");
    }

    #[test]
    fn content_hash_ignores_whitespace_only() {
        assert_eq!(
            content_hash("标题", "第一段\n\n第二段"),
            content_hash("标题", "第一段 第二段")
        );
        assert_ne!(
            content_hash("标题", "第一段"),
            content_hash("标题", "第二段")
        );
        assert_ne!(content_hash("ab", "c"), content_hash("a", "bc"));
    }

    #[test]
    fn reposts_are_near_duplicates_and_other_stories_are_not() {
        let story: Vec<&str> = "今天 中午 二食堂 的 饭菜 导致 多名 学生 腹泻 呕吐 学校 后勤处 已经 介入 调查 目前 学生 已经 在 校医院 接受 治疗"
            .split(' ')
            .collect();
        let mut repost = vec!["转载", "来源", "江城", "晚报"];
        repost.extend(&story);
        let other: Vec<&str> = "学校 图书馆 延长 开放 时间 期末 考试 期间 自习室 通宵 开放 欢迎 同学们 前往 学习 注意 保持 安静"
            .split(' ')
            .collect();
        let (a, b, c) = (simhash(&story), simhash(&repost), simhash(&other));
        assert!(hamming(a, b) <= 12, "repost distance {}", hamming(a, b));
        assert!(
            hamming(a, c) > 12,
            "different story distance {}",
            hamming(a, c)
        );
        assert_eq!(simhash(&story), a, "deterministic");
    }

    #[test]
    fn near_duplicates_share_a_band() {
        let h = 0xDEAD_BEEF_1234_5678u64;
        for flips in [0b1u64, 0b1 << 20 | 0b1 << 40, 1 << 63 | 1 << 17 | 1 << 33] {
            let g = h ^ flips;
            assert!(hamming(h, g) <= NEAR_DUPLICATE_BITS);
            let (bh, bg) = (bands(h), bands(g));
            assert!(bh.iter().zip(bg).any(|(x, y)| *x == y));
        }
        let b = bands(h);
        assert!(b.iter().enumerate().all(|(i, v)| v >> 16 == i as i64));
    }
}
