//! Per-channel variants: each platform states its limits (title, digest and
//! text length, HTML or plain text, image size and type, hashtag and link
//! rules), and a variant is produced from the content automatically.
//! Derived fields (digest, Weibo text) are fitted to the limits; what the
//! author wrote (title, images, video) is never cut silently — a variant
//! that breaks a limit lists violations and cannot be submitted.

use super::channels::{ChannelAccount, ChannelKind};
use super::content::{ContentBody, MediaRef, truncate_chars};
use serde::{Deserialize, Serialize};

/// How the platform takes the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    Html,
    Plain,
}

/// How hashtags are written on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HashtagStyle {
    None,
    /// Weibo `#话题#`.
    Enclosed,
    /// Douyin / Kuaishou / Bilibili `#话题`.
    Prefix,
}

/// What a channel accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limits {
    pub kind: ChannelKind,
    pub format: TextFormat,
    /// In characters.
    pub title_max: Option<usize>,
    pub author_max: Option<usize>,
    pub digest_max: Option<usize>,
    /// Text length in characters; for Weibo in its weighted count (a CJK
    /// character 1, an ASCII character ½).
    pub text_max: Option<usize>,
    pub text_max_bytes: Option<usize>,
    pub cover_required: bool,
    pub cover_max_bytes: Option<u64>,
    pub cover_types: &'static [&'static str],
    pub image_max_bytes: Option<u64>,
    pub image_types: &'static [&'static str],
    pub max_images: Option<usize>,
    pub video_required: bool,
    pub video_max_bytes: Option<u64>,
    pub video_types: &'static [&'static str],
    /// The text must carry a link (Weibo: under the app's safe domain).
    pub link_required: bool,
    pub hashtags: HashtagStyle,
}

const JPEG: &str = "image/jpeg";
const PNG: &str = "image/png";
const GIF: &str = "image/gif";
const WEBP: &str = "image/webp";
const KB: u64 = 1024;
const MB: u64 = 1024 * 1024;

impl Limits {
    /// The documented limits of each platform (docs/syndication.md).
    pub fn of(kind: ChannelKind) -> Limits {
        let base = Limits {
            kind,
            format: TextFormat::Html,
            title_max: Some(200),
            author_max: None,
            digest_max: Some(500),
            text_max: None,
            text_max_bytes: None,
            cover_required: false,
            cover_max_bytes: Some(10 * MB),
            cover_types: &[JPEG, PNG, GIF, WEBP],
            image_max_bytes: Some(10 * MB),
            image_types: &[JPEG, PNG, GIF, WEBP],
            max_images: None,
            video_required: false,
            video_max_bytes: None,
            video_types: &["video/mp4", "video/webm"],
            link_required: false,
            hashtags: HashtagStyle::None,
        };
        match kind {
            ChannelKind::Website | ChannelKind::Webhook => base,
            ChannelKind::Wechat => Limits {
                title_max: Some(32),
                author_max: Some(16),
                digest_max: Some(128),
                text_max: Some(19_999),
                text_max_bytes: Some(MB as usize - 1),
                cover_required: true,
                cover_max_bytes: Some(64 * KB),
                cover_types: &[JPEG],
                image_max_bytes: Some(MB - 1),
                image_types: &[JPEG, PNG],
                ..base
            },
            ChannelKind::Weibo => Limits {
                format: TextFormat::Plain,
                title_max: None,
                digest_max: None,
                text_max: Some(140),
                cover_max_bytes: Some(5 * MB - 1),
                cover_types: &[JPEG, GIF, PNG],
                image_max_bytes: Some(5 * MB - 1),
                image_types: &[JPEG, GIF, PNG],
                max_images: Some(1),
                link_required: true,
                hashtags: HashtagStyle::Enclosed,
                ..base
            },
            ChannelKind::Douyin => Limits {
                format: TextFormat::Plain,
                title_max: None,
                video_required: true,
                video_max_bytes: Some(128 * MB),
                max_images: Some(0),
                hashtags: HashtagStyle::Prefix,
                ..base
            },
            ChannelKind::Kuaishou => Limits {
                format: TextFormat::Plain,
                title_max: None,
                cover_max_bytes: Some(10 * MB - 1),
                video_required: true,
                max_images: Some(0),
                hashtags: HashtagStyle::Prefix,
                ..base
            },
            ChannelKind::Bilibili => Limits {
                format: TextFormat::Plain,
                title_max: Some(80),
                text_max: Some(2000),
                video_required: true,
                max_images: Some(0),
                hashtags: HashtagStyle::Prefix,
                ..base
            },
        }
    }
}

/// What is sent to one channel, derived from one content version. Stored
/// with the outbox job, so a retry sends exactly what was approved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub kind: ChannelKind,
    pub title: String,
    pub author: Option<String>,
    pub digest: Option<String>,
    pub format: TextFormat,
    /// HTML or plain text, per `format`.
    pub text: String,
    /// The Markdown source (website, webhook).
    pub markdown: String,
    pub cover: Option<MediaRef>,
    pub images: Vec<MediaRef>,
    pub video: Option<MediaRef>,
    pub link: Option<String>,
    pub tags: Vec<String>,
}

/// A limit the variant breaks, for the publisher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub field: &'static str,
    pub message: String,
}

/// The variant of `body` for `channel`, and the limits it breaks.
pub fn build(body: &ContentBody, channel: &ChannelAccount) -> (Variant, Vec<Violation>) {
    let limits = Limits::of(channel.kind);
    let variant = match channel.kind {
        ChannelKind::Weibo => weibo_variant(body, &limits),
        kind => Variant {
            kind,
            title: body.title.trim().to_string(),
            author: body
                .author
                .clone()
                .or_else(|| channel.settings.author.clone())
                .map(|a| match limits.author_max {
                    Some(m) => truncate_chars(&a, m),
                    None => a,
                }),
            digest: Some(body.digest_or_excerpt(limits.digest_max.unwrap_or(200))),
            format: limits.format,
            text: match limits.format {
                TextFormat::Html => body.html(),
                TextFormat::Plain => with_hashtags(&body.plain_text(), &body.tags, limits.hashtags),
            },
            markdown: body.body.clone(),
            cover: body.cover.clone(),
            images: body.images.clone(),
            video: body.video.clone(),
            link: body.link.clone(),
            tags: body.tags.clone(),
        },
    };
    let mut variant = variant;
    if let Some(o) = body.overrides.get(&channel.id) {
        apply_override(&mut variant, o);
    }
    fit_images(&mut variant, &limits);
    let violations = check(&variant, &limits, channel);
    (variant, violations)
}

/// The publisher's wording for this channel, as it is (never fitted: a
/// hand-written part that breaks a limit is a violation).
fn apply_override(variant: &mut Variant, o: &super::content::VariantOverride) {
    if let Some(t) = &o.title {
        variant.title = t.trim().to_string();
    }
    if let Some(d) = &o.digest {
        variant.digest = Some(d.trim().to_string());
    }
    if let Some(t) = &o.text {
        variant.text = match variant.format {
            TextFormat::Html => super::content::markdown_html(t),
            TextFormat::Plain => t.trim().to_string(),
        };
        // The outbox checks the markdown again right before sending.
        variant.markdown = t.clone();
    }
}

/// Weibo: 【title】excerpt #tags# link, fitted into 140 (weighted) with the
/// link and hashtags kept whole; one picture (the cover, else the first image).
fn weibo_variant(body: &ContentBody, limits: &Limits) -> Variant {
    let max = limits.text_max.unwrap_or(140);
    let tags: String = body
        .tags
        .iter()
        .map(|t| format!("#{}#", t.trim_matches('#')))
        .collect();
    let link = body.link.clone().unwrap_or_default();
    let head = if body.title.trim().is_empty() {
        String::new()
    } else {
        format!("【{}】", body.title.trim())
    };
    let tail = [tags.as_str(), link.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let excerpt = body
        .digest
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| body.plain_text().replace('\n', " "));
    let fixed = weibo_length(&head) + weibo_length(&tail) + 1;
    let room = max.saturating_sub(fixed);
    let mut text = head;
    text.push_str(&fit_weibo(&excerpt, room));
    if !tail.is_empty() {
        text.push(' ');
        text.push_str(&tail);
    }
    Variant {
        kind: ChannelKind::Weibo,
        title: body.title.trim().to_string(),
        author: None,
        digest: None,
        format: TextFormat::Plain,
        text,
        markdown: body.body.clone(),
        cover: body.cover.clone().or_else(|| body.images.first().cloned()),
        images: Vec::new(),
        video: None,
        link: body.link.clone(),
        tags: body.tags.clone(),
    }
}

/// Weibo's count: a CJK (non-ASCII) character is 1, an ASCII character ½,
/// rounded up.
pub fn weibo_length(s: &str) -> usize {
    let halves: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    halves.div_ceil(2)
}

fn fit_weibo(s: &str, max: usize) -> String {
    if weibo_length(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        let mut next = out.clone();
        next.push(c);
        if weibo_length(&next) + 1 > max {
            break;
        }
        out = next;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

fn with_hashtags(text: &str, tags: &[String], style: HashtagStyle) -> String {
    if tags.is_empty() || style == HashtagStyle::None {
        return text.to_string();
    }
    let tags: Vec<String> = tags
        .iter()
        .map(|t| match style {
            HashtagStyle::Enclosed => format!("#{}#", t.trim_matches('#')),
            _ => format!("#{}", t.trim_matches('#')),
        })
        .collect();
    format!("{text}\n{}", tags.join(" "))
}

/// Images the channel would refuse for their type or size are replaced by
/// a JPEG derivative that fits (`media::fit_image`, stored once and reused),
/// so that a publisher's camera photo does not block WeChat's 64 KB cover.
/// What cannot be fitted stays as it is and shows as a violation.
fn fit_images(variant: &mut Variant, limits: &Limits) {
    let fit = |m: &mut MediaRef, max: Option<u64>, types: &[&str]| {
        let wrong_type = !types.is_empty() && !types.contains(&m.mime.as_str());
        let too_big = max.is_some_and(|max| m.bytes > max);
        let jpeg_ok = types.is_empty() || types.contains(&JPEG);
        if !m.mime.starts_with("image/") || !(wrong_type || too_big) || !jpeg_ok {
            return;
        }
        match super::media::fit_image(m, max.unwrap_or(super::media::IMAGE_MAX)) {
            Ok(f) => *m = f,
            Err(e) => tracing::warn!(path = %m.path, error = %e, "image not fitted to the channel"),
        }
    };
    if let Some(c) = variant.cover.as_mut() {
        fit(c, limits.cover_max_bytes, limits.cover_types);
    }
    for img in &mut variant.images {
        fit(img, limits.image_max_bytes, limits.image_types);
    }
}

fn check_media(
    out: &mut Vec<Violation>,
    field: &'static str,
    what: &str,
    media: &MediaRef,
    max: Option<u64>,
    types: &[&str],
) {
    if !types.is_empty() && !types.contains(&media.mime.as_str()) {
        out.push(Violation {
            field,
            message: format!(
                "{what}格式 {} 不受支持（可用：{}）",
                media.mime,
                types.join("、")
            ),
        });
    }
    if let Some(max) = max
        && media.bytes > max
    {
        out.push(Violation {
            field,
            message: format!("{what}过大：{}，上限 {}", human(media.bytes), human(max)),
        });
    }
}

fn human(bytes: u64) -> String {
    if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{:.0} KB", (bytes as f64 / KB as f64).ceil())
    }
}

/// The limits `variant` breaks.
pub fn check(variant: &Variant, limits: &Limits, channel: &ChannelAccount) -> Vec<Violation> {
    let mut out = Vec::new();
    let name = channel.kind.zh();
    let mut too_long = |field: &'static str, what: &str, len: usize, max: Option<usize>| {
        if let Some(max) = max
            && len > max
        {
            out.push(Violation {
                field,
                message: format!("{name}{what}超长：{len} 字，上限 {max} 字"),
            });
        }
    };
    too_long(
        "title",
        "标题",
        variant.title.chars().count(),
        limits.title_max,
    );
    if let Some(a) = &variant.author {
        too_long("author", "作者", a.chars().count(), limits.author_max);
    }
    if let Some(d) = &variant.digest {
        too_long("digest", "摘要", d.chars().count(), limits.digest_max);
    }
    let text_len = if channel.kind == ChannelKind::Weibo {
        weibo_length(&variant.text)
    } else {
        variant.text.chars().count()
    };
    too_long("text", "正文", text_len, limits.text_max);
    if let Some(max) = limits.text_max_bytes
        && variant.text.len() > max
    {
        out.push(Violation {
            field: "text",
            message: format!(
                "{name}正文过大：{}，上限 {}",
                human(variant.text.len() as u64),
                human(max as u64)
            ),
        });
    }
    if variant.title.trim().is_empty() && limits.title_max.is_some() {
        out.push(Violation {
            field: "title",
            message: "标题不能为空".into(),
        });
    }
    match &variant.cover {
        Some(c) => check_media(
            &mut out,
            "cover",
            "封面图",
            c,
            limits.cover_max_bytes,
            limits.cover_types,
        ),
        None if limits.cover_required => out.push(Violation {
            field: "cover",
            message: format!("{name}需要封面图"),
        }),
        None => {}
    }
    if let Some(max) = limits.max_images
        && variant.images.len() > max
    {
        out.push(Violation {
            field: "images",
            message: format!("{name}最多 {max} 张图片"),
        });
    }
    for img in &variant.images {
        check_media(
            &mut out,
            "images",
            "图片",
            img,
            limits.image_max_bytes,
            limits.image_types,
        );
    }
    match &variant.video {
        Some(v) => check_media(
            &mut out,
            "video",
            "视频",
            v,
            limits.video_max_bytes,
            limits.video_types,
        ),
        None if limits.video_required => out.push(Violation {
            field: "video",
            message: format!("{name}只发布视频，该内容没有视频"),
        }),
        None => {}
    }
    if limits.link_required {
        let domain = channel.settings.safe_domain.as_deref().unwrap_or("");
        let ok = variant
            .link
            .as_deref()
            .and_then(|l| url::Url::parse(l).ok())
            .is_some_and(|u| {
                u.host_str().is_some_and(|h| {
                    !domain.is_empty() && (h == domain || h.ends_with(&format!(".{domain}")))
                })
            });
        if !ok {
            out.push(Violation {
                field: "link",
                message: format!("{name}须包含安全域名 {domain} 下的链接"),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syndicate::channels::ChannelSettings;

    fn channel(kind: ChannelKind) -> ChannelAccount {
        ChannelAccount {
            id: 1,
            name: format!("XX职业技术学院{}", kind.zh()),
            kind,
            settings: ChannelSettings {
                safe_domain: Some("xx.edu.cn".into()),
                ..ChannelSettings::default()
            },
            enabled: true,
            paused_until: None,
            created_at: chrono::Utc::now(),
        }
    }

    fn jpeg(bytes: u64) -> MediaRef {
        MediaRef {
            path: "/tmp/c.jpg".into(),
            mime: "image/jpeg".into(),
            bytes,
        }
    }

    #[test]
    fn a_photo_cover_is_fitted_to_wechat_and_weibo_instead_of_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let png = crate::syndicate::media::save(
            dir.path(),
            &crate::syndicate::media::noisy_png(700, 500),
        )
        .unwrap();
        let b = ContentBody {
            cover: Some(png.clone()),
            ..body()
        };
        let (wx, violations) = build(&b, &channel(ChannelKind::Wechat));
        assert!(
            violations.iter().all(|v| v.field != "cover"),
            "{violations:?}"
        );
        let cover = wx.cover.unwrap();
        assert_eq!(cover.mime, "image/jpeg");
        assert!(cover.bytes <= 64 * KB);
        assert_ne!(cover.path, png.path);
        // Weibo takes the PNG as it is (under 5 MB).
        let (wb, _) = build(&b, &channel(ChannelKind::Weibo));
        assert_eq!(wb.cover.unwrap(), png);
    }

    fn body() -> ContentBody {
        ContentBody {
            title: "我院举行2026届毕业典礼".into(),
            body: "6月20日上午，我院隆重举行2026届毕业典礼。".repeat(30),
            cover: Some(jpeg(50 * 1024)),
            tags: vec!["毕业季".into()],
            link: Some("https://www.xx.edu.cn/news/1.html".into()),
            ..ContentBody::default()
        }
    }

    #[test]
    fn wechat_variant_fits_and_derives_digest() {
        let (v, errs) = build(&body(), &channel(ChannelKind::Wechat));
        assert!(errs.is_empty(), "{errs:?}");
        assert!(v.text.starts_with("<p>"));
        assert!(v.digest.as_ref().unwrap().chars().count() <= 128);
    }

    #[test]
    fn wechat_refuses_long_title_big_cover_and_missing_cover() {
        let mut b = body();
        b.title = "标".repeat(33);
        b.cover = Some(jpeg(65 * 1024));
        let (_, errs) = build(&b, &channel(ChannelKind::Wechat));
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["title", "cover"], "{errs:?}");
        assert!(errs[0].message.contains("33 字，上限 32 字"));
        b.title = "短标题".into();
        b.cover = None;
        let (_, errs) = build(&b, &channel(ChannelKind::Wechat));
        assert_eq!(errs[0].field, "cover");
    }

    #[test]
    fn weibo_variant_fits_140_with_link_and_tags() {
        let (v, errs) = build(&body(), &channel(ChannelKind::Weibo));
        assert!(errs.is_empty(), "{errs:?}");
        assert!(weibo_length(&v.text) <= 140, "{}", v.text);
        assert!(v.text.starts_with("【我院举行2026届毕业典礼】"));
        assert!(
            v.text
                .ends_with("#毕业季# https://www.xx.edu.cn/news/1.html"),
            "{}",
            v.text
        );
        assert_eq!(v.cover.as_ref().unwrap().bytes, 50 * 1024);
    }

    #[test]
    fn weibo_needs_a_link_under_the_safe_domain() {
        let mut b = body();
        b.link = Some("https://evil.example.com/x".into());
        let (_, errs) = build(&b, &channel(ChannelKind::Weibo));
        assert_eq!(errs[0].field, "link");
        b.link = None;
        assert_eq!(build(&b, &channel(ChannelKind::Weibo)).1[0].field, "link");
    }

    #[test]
    fn video_platforms_need_a_video() {
        for kind in [
            ChannelKind::Douyin,
            ChannelKind::Kuaishou,
            ChannelKind::Bilibili,
        ] {
            let mut b = body();
            b.cover = None;
            let (_, errs) = build(&b, &channel(kind));
            assert!(errs.iter().any(|e| e.field == "video"), "{kind}: {errs:?}");
            b.video = Some(MediaRef {
                path: "/tmp/v.mp4".into(),
                mime: "video/mp4".into(),
                bytes: 20 * MB,
            });
            let (v, errs) = build(&b, &channel(kind));
            assert!(errs.is_empty(), "{kind}: {errs:?}");
            assert!(v.text.ends_with("#毕业季"), "{kind}");
        }
    }

    #[test]
    fn an_override_replaces_the_derived_parts_and_is_held_to_the_limits() {
        let ch = channel(ChannelKind::Weibo);
        let mut b = body();
        b.overrides.insert(
            ch.id,
            crate::syndicate::VariantOverride {
                text: Some("毕业快乐！https://www.xx.edu.cn/news/1.html".into()),
                ..Default::default()
            },
        );
        let (v, errs) = build(&b, &ch);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(v.text, "毕业快乐！https://www.xx.edu.cn/news/1.html");
        // Other channels keep the derived variant.
        let mut site = channel(ChannelKind::Website);
        site.id = 2;
        let (w, _) = build(&b, &site);
        assert_ne!(w.text, v.text);
        b.overrides.get_mut(&ch.id).unwrap().text = Some("长".repeat(141));
        let (_, errs) = build(&b, &ch);
        assert_eq!(errs[0].field, "text", "{errs:?}");
        assert!(errs[0].message.contains("141 字，上限 140 字"));
    }

    #[test]
    fn weibo_length_counts_ascii_as_half() {
        assert_eq!(weibo_length("学院"), 2);
        assert_eq!(weibo_length("abc"), 2);
        assert_eq!(weibo_length("学a"), 2);
    }
}
