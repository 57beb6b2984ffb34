//! The article title: `<title>` minus the site suffix, checked against the
//! page's headings and `og:title`.

use super::density::collapse_space as normalize_space;

/// Separators between an article title and the site name in `<title>`.
const SEPARATORS: &[&str] = &[" - ", " – ", " — ", "——", "_", "|", "｜", " -- ", "－", "—"];

/// `<title>` split into parts at site separators, e.g.
/// `"学校召开工作会议_新闻网_XX学院"` → `["学校召开工作会议", "新闻网", "XX学院"]`.
pub fn title_parts(title: &str) -> Vec<String> {
    let mut parts = vec![normalize_space(title)];
    for sep in SEPARATORS {
        parts = parts
            .iter()
            .flat_map(|p| {
                p.split(sep)
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty())
            .collect();
    }
    parts
}

/// `<title>` without the site name: the part with the most Chinese
/// characters (article titles are longer than site and column names, and
/// "Powered by Discuz!" is not a title); on a tie the first.
pub fn clean_title(title: &str) -> String {
    let weight = |p: &str| {
        p.chars()
            .map(|c| if super::density::is_cjk(c) { 2 } else { 1 })
            .sum::<usize>()
    };
    let mut best = String::new();
    for p in title_parts(title) {
        if weight(&p) > weight(&best) {
            best = p;
        }
    }
    best
}

fn comparable(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '…' | '.' | '。' | '"' | '“' | '”'))
        .collect()
}

/// Choose among headings (`h1`–`h3`, elements classed `title`) in page order,
/// `og:title` and `<title>`.
pub fn choose_title(
    doc_title: Option<&str>,
    og_title: Option<&str>,
    headings: &[String],
) -> String {
    let cleaned = doc_title.map(clean_title).unwrap_or_default();
    let full = doc_title.map(comparable).unwrap_or_default();
    let reference = comparable(&cleaned);
    // A heading equal to a part of <title>: the earliest part wins, since
    // sites put the article first and their own name (often also the logo
    // heading) last. Covers short titles the length rules below miss.
    let parts: Vec<String> = doc_title
        .map(title_parts)
        .unwrap_or_default()
        .iter()
        .map(|p| comparable(p))
        .collect();
    let exact = headings
        .iter()
        .filter_map(|h| {
            parts
                .iter()
                .position(|p| !p.is_empty() && *p == comparable(h))
                .map(|k| (k, h))
        })
        .min_by_key(|(k, _)| *k);
    if let Some((k, h)) = exact
        && (k == 0 || parts.len() > 1 && parts[..k].iter().all(|p| p.chars().count() < 4))
    {
        return h.clone();
    }
    // A heading that matches the cleaned <title> (either may be truncated) is
    // the best: it is what the reader sees, in full.
    if !reference.is_empty() {
        let mut best: Option<&String> = None;
        for h in headings {
            let c = comparable(h);
            if c.chars().count() < 4 {
                continue;
            }
            // Site-name headings (a logo in <h1>) are in <title> too, but are
            // shorter than the article title: the longest match wins.
            let matches = c == reference
                || (c.chars().count() >= 6 && full.contains(&c))
                || (reference.chars().count() >= 6 && c.contains(&reference))
                || (reference.chars().count() >= 8 && c.starts_with(&reference));
            if matches && best.is_none_or(|b| h.chars().count() > b.chars().count()) {
                best = Some(h);
            }
        }
        if let Some(h) = best {
            return h.clone();
        }
    }
    if let Some(og) = og_title.map(normalize_space).filter(|s| !s.is_empty()) {
        let og_clean = clean_title(&og);
        if og_clean.chars().count() >= 4 {
            return og_clean;
        }
    }
    if !cleaned.is_empty() {
        return cleaned;
    }
    headings.first().cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffixes_are_removed() {
        assert_eq!(
            clean_title("学校召开2024年工作会议_新闻网_东湖理工学院"),
            "学校召开2024年工作会议"
        );
        assert_eq!(
            clean_title("我校学子在全国大赛中获佳绩 - 南屏师范学院新闻网"),
            "我校学子在全国大赛中获佳绩"
        );
        assert_eq!(
            clean_title("关于开展安全检查的通知|通知公告|某某职业技术学院"),
            "关于开展安全检查的通知"
        );
        assert_eq!(clean_title("综合新闻 —— 图书馆新馆开放"), "图书馆新馆开放");
        assert_eq!(clean_title("只有标题"), "只有标题");
    }

    #[test]
    fn heading_matching_title_wins() {
        let headings = vec![
            "东湖理工学院新闻网".to_string(),
            "学校召开2024年工作会议 部署全年重点任务".to_string(),
        ];
        assert_eq!(
            choose_title(
                Some("学校召开2024年工作会议 部署全年重点任务_东湖理工学院新闻网"),
                None,
                &headings
            ),
            "学校召开2024年工作会议 部署全年重点任务"
        );
    }

    #[test]
    fn truncated_title_uses_full_heading() {
        let headings = vec!["关于做好2024年上半年校园安全隐患排查整治工作的通知".to_string()];
        assert_eq!(
            choose_title(
                Some("关于做好2024年上半年校园安全隐患排查..._通知公告"),
                None,
                &headings
            ),
            headings[0]
        );
    }

    #[test]
    fn short_title_before_a_longer_site_name() {
        let headings = vec!["校园论坛".to_string(), "求助帖".to_string()];
        assert_eq!(
            choose_title(Some("求助帖_校园论坛"), None, &headings),
            "求助帖"
        );
    }

    #[test]
    fn og_title_when_headings_do_not_match() {
        assert_eq!(
            choose_title(
                Some("新闻网"),
                Some("春季运动会开幕 - 学院新闻"),
                &["首页".to_string()]
            ),
            "春季运动会开幕"
        );
    }
}
