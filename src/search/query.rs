//! What users type, made into what tantivy's query parser reads, and its
//! errors made into messages users can act on.

use super::{FIELD_NAMES, SearchError};
use regex::Regex;
use std::sync::LazyLock;
use tantivy::query::QueryParserError;

/// Chinese names of fields, as users write them (`来源:weibo`).
const ALIASES: &[(&str, &str)] = &[
    ("标题", "title"),
    ("正文", "text"),
    ("内容", "text"),
    ("来源", "source"),
    ("渠道", "channel"),
    ("平台", "channel"),
    ("类别", "category"),
    ("分类", "category"),
    ("风险等级", "level"),
    ("等级", "level"),
    ("情感", "sentiment"),
    ("发布时间", "published"),
    ("时间", "published"),
    ("风险", "risk"),
    ("事件", "event_id"),
];

static ALIAS: LazyLock<Regex> = LazyLock::new(|| {
    let names: Vec<&str> = ALIASES.iter().map(|(zh, _)| *zh).collect();
    Regex::new(&format!(r"(^|[\s(+\-])({}):", names.join("|"))).expect("valid regex")
});

/// Full-width ASCII (`：`, `（`, `＂`, `ＡＮＤ`) to half-width, case kept so
/// that `AND`/`OR`/`NOT` stay operators; then Chinese field names to ours.
/// Words are folded further (case) by the tokenizer, as at indexing.
pub(crate) fn prepare(query: &str) -> String {
    let folded: String = query
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '“' | '”' => '"',
            c => c,
        })
        .collect();
    ALIAS
        .replace_all(&folded, |caps: &regex::Captures<'_>| {
            let field = ALIASES
                .iter()
                .find(|(zh, _)| *zh == &caps[2])
                .map_or("", |(_, en)| *en);
            format!("{}{field}:", &caps[1])
        })
        .into_owned()
}

pub(crate) fn explain(e: &QueryParserError) -> SearchError {
    use QueryParserError as E;
    let hint = match e {
        E::SyntaxError(_) => "语法错误，请检查引号、括号以及 AND/OR/NOT 的写法".to_string(),
        E::FieldDoesNotExist(f) => {
            format!("没有名为“{f}”的字段，可用字段：{}", FIELD_NAMES.join(", "))
        }
        E::ExpectedInt(_) => "该字段需要整数，例如 risk:[60 TO 100]".to_string(),
        E::DateFormatError(_) => {
            "日期格式应为 RFC 3339，例如 published:[2026-03-01T00:00:00Z TO 2026-03-31T00:00:00Z]"
                .to_string()
        }
        E::AllButQueryForbidden => {
            "不能只有排除条件（NOT 或 -），请至少给出一个要查找的词".to_string()
        }
        E::RangeMustNotHavePhrase => "范围查询的上下界不能是短语".to_string(),
        _ => "无法解析查询".to_string(),
    };
    SearchError::Query {
        hint,
        detail: e.to_string(),
    }
}
