//! The query language: lexer, parser and AST.
//!
//! Grammar, loosest binding first (precedence NOT > NEAR > AND > OR):
//!
//! ```text
//! or    := and ( ("OR" | "|") and )*
//! and   := near ( ["AND"] near )*          adjacency means AND
//! near  := unary [ "NEAR/n" unary ]        no chaining
//! unary := ("NOT" | "-" | "!" | "+" | field ":") unary | primary
//! primary := word | "phrase" | /regex/ | "(" or ")"
//! ```
//!
//! Offsets in errors are byte offsets into the query source; the loader maps
//! them to positions in the TOML file.

use crate::analyze::normalize::normalize_term;
use crate::model::Field;
use std::fmt;
use std::ops::Range;

/// Longest NEAR distance accepted, in characters.
pub const MAX_NEAR: u32 = 10_000;

/// A set of fields, as bits indexed by `Field as usize` order in [`Field::ALL`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldMask(pub(crate) u8);

impl FieldMask {
    pub const ALL: FieldMask = FieldMask(0b1111);

    pub fn single(field: Field) -> Self {
        FieldMask(1 << field_index(field))
    }

    pub fn contains(self, field: Field) -> bool {
        self.0 & (1 << field_index(field)) != 0
    }

    pub fn union(self, other: FieldMask) -> Self {
        FieldMask(self.0 | other.0)
    }

    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl fmt::Debug for FieldMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.fields().map(Field::as_str).collect();
        write!(f, "{}", names.join("|"))
    }
}

pub(crate) fn field_index(field: Field) -> usize {
    match field {
        Field::Title => 0,
        Field::Text => 1,
        Field::Author => 2,
        Field::Source => 3,
    }
}

pub(crate) fn parse_field(name: &str) -> Option<Field> {
    match name {
        "title" => Some(Field::Title),
        "text" => Some(Field::Text),
        "author" => Some(Field::Author),
        "source" => Some(Field::Source),
        _ => None,
    }
}

/// A parsed query. Leaves carry their field scope: `None` means "the rule's
/// default fields"; an explicit prefix always wins over an outer one.
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// A word or phrase, already normalised like document text.
    Term {
        text: String,
        fields: Option<FieldMask>,
        span: Range<usize>,
    },
    Regex {
        pattern: String,
        fields: Option<FieldMask>,
        span: Range<usize>,
    },
    And(Vec<Ast>),
    Or(Vec<Ast>),
    Not(Box<Ast>),
    /// Both sides are a term or an OR-group of terms (checked by the parser).
    Near {
        left: Box<Ast>,
        right: Box<Ast>,
        distance: u32,
    },
}

impl Ast {
    /// Leaves of a NEAR operand: one term, or the terms of an OR-group.
    pub(crate) fn term_leaves(&self) -> Vec<&Ast> {
        match self {
            Ast::Term { .. } => vec![self],
            Ast::Or(children) => children.iter().flat_map(|c| c.term_leaves()).collect(),
            _ => Vec::new(),
        }
    }

    fn set_default_fields(&mut self, mask: FieldMask) {
        match self {
            Ast::Term { fields, .. } | Ast::Regex { fields, .. } => {
                if fields.is_none() {
                    *fields = Some(mask);
                }
            }
            Ast::And(cs) | Ast::Or(cs) => cs.iter_mut().for_each(|c| c.set_default_fields(mask)),
            Ast::Not(c) => c.set_default_fields(mask),
            Ast::Near { left, right, .. } => {
                left.set_default_fields(mask);
                right.set_default_fields(mask);
            }
        }
    }

    /// Fill in the rule's field scope for leaves without an explicit prefix.
    pub fn with_default_fields(mut self, mask: FieldMask) -> Ast {
        self.set_default_fields(mask);
        self
    }
}

/// A query syntax error at a byte offset of the query source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
    /// Offset of the '(' an error about a missing ')' refers to; the loader
    /// appends " opened at LINE:COL".
    pub opened_at: Option<usize>,
}

impl ParseError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            offset,
            message: message.into(),
            opened_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Word(String),
    Phrase(String),
    Regex(String),
    And,
    Or,
    Not,
    /// `-` or `!` prefix.
    Minus,
    /// `+` prefix.
    Must,
    Near(u32),
    Field(Field),
    Eof,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    /// The source text of the token, for messages.
    text: String,
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Characters that end a word.
fn is_delim(c: char) -> bool {
    is_space(c) || matches!(c, '(' | ')' | '|' | '"' | '（' | '）' | '｜' | '“' | '”')
}

fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut toks = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        let c = rest.chars().next().expect("non-empty");
        let clen = c.len_utf8();
        if is_space(c) {
            i += clen;
            continue;
        }
        let start = i;
        let simple = match c {
            '(' | '（' => Some(Tok::LParen),
            ')' | '）' => Some(Tok::RParen),
            '|' | '｜' => Some(Tok::Or),
            '+' => Some(Tok::Must),
            '-' | '!' => Some(Tok::Minus),
            _ => None,
        };
        if let Some(tok) = simple {
            toks.push(Token {
                tok,
                start,
                text: c.to_string(),
            });
            i += clen;
            continue;
        }
        if c == '"' || c == '“' {
            let close = if c == '"' { '"' } else { '”' };
            let (phrase, end) = lex_delimited(src, i + clen, close, true).ok_or_else(|| {
                ParseError::new(
                    start,
                    format!("unterminated quoted phrase: missing closing '{close}'"),
                )
            })?;
            if phrase.trim().is_empty() {
                return Err(ParseError::new(start, "empty quoted phrase"));
            }
            toks.push(Token {
                tok: Tok::Phrase(normalize_term(&phrase)),
                start,
                text: src[start..end].to_string(),
            });
            i = end;
            continue;
        }
        if c == '/' {
            let (pattern, end) = lex_delimited(src, i + 1, '/', false)
                .ok_or_else(|| ParseError::new(start, "unterminated regex: missing closing '/'"))?;
            if pattern.is_empty() {
                return Err(ParseError::new(start, "empty regex '//'"));
            }
            toks.push(Token {
                tok: Tok::Regex(pattern),
                start,
                text: src[start..end].to_string(),
            });
            i = end;
            continue;
        }
        // A word runs to the next delimiter. A delimiter that starts nothing
        // (a closing '”' without its '“') would give an empty word and no
        // progress: it is an error.
        let len = rest.find(is_delim).unwrap_or(rest.len());
        if len == 0 {
            return Err(ParseError::new(
                start,
                format!("unexpected '{c}' (a closing quote without its opening one?)"),
            ));
        }
        let word = &rest[..len];
        if let Some(colon) = word.find(':') {
            let name = &word[..colon];
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic()) {
                let lower = name.to_ascii_lowercase();
                let Some(field) = parse_field(&lower) else {
                    return Err(ParseError::new(
                        start,
                        format!(
                            "unknown field prefix '{name}:' (expected title:, text:, author: or source:; quote the term if the colon belongs to it)"
                        ),
                    ));
                };
                toks.push(Token {
                    tok: Tok::Field(field),
                    start,
                    text: word[..=colon].to_string(),
                });
                i += colon + 1;
                continue;
            }
        }
        let tok = match word {
            "AND" => Tok::And,
            "OR" => Tok::Or,
            "NOT" => Tok::Not,
            _ if word == "NEAR" || word.starts_with("NEAR/") => {
                let digits = word.strip_prefix("NEAR/").unwrap_or("");
                let n = digits
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= MAX_NEAR && digits.bytes().all(|b| b.is_ascii_digit()));
                match n {
                    Some(n) => Tok::Near(n),
                    None => {
                        return Err(ParseError::new(
                            start,
                            format!(
                                "'{word}': NEAR needs a distance in characters from 0 to {MAX_NEAR}, e.g. NEAR/5"
                            ),
                        ));
                    }
                }
            }
            _ => Tok::Word(normalize_term(word)),
        };
        toks.push(Token {
            tok,
            start,
            text: word.to_string(),
        });
        i += len;
    }
    toks.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        text: "end of query".to_string(),
    });
    Ok(toks)
}

/// Read up to an unescaped `close`; returns the content and the offset after
/// `close`. In phrases `\"` and `\\` are escapes; in regexes only `\/` is
/// unescaped (other escapes belong to the regex syntax).
fn lex_delimited(src: &str, from: usize, close: char, phrase: bool) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = src[from..].char_indices();
    while let Some((off, c)) = chars.next() {
        if c == close {
            return Some((out, from + off + c.len_utf8()));
        }
        if c == '\\' {
            match chars.next() {
                Some((_, n)) if n == close || (phrase && n == '\\') => out.push(n),
                Some((_, n)) => {
                    out.push('\\');
                    out.push(n);
                }
                None => return None,
            }
        } else {
            out.push(c);
        }
    }
    None
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

/// Parse a query. Regexes are only checked for syntax here; the compiler
/// builds them.
pub fn parse(src: &str) -> Result<Ast, ParseError> {
    if src.trim().is_empty() {
        return Err(ParseError::new(0, "empty query"));
    }
    let toks = lex(src)?;
    let mut p = Parser { toks, pos: 0 };
    let ast = p.or_expr()?;
    let t = p.peek();
    match t.tok {
        Tok::Eof => Ok(ast),
        Tok::RParen => Err(ParseError::new(t.start, "unmatched ')'")),
        _ => Err(ParseError::new(t.start, format!("unexpected '{}'", t.text))),
    }
}

/// Can this token start an operand?
fn starts_operand(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::LParen
            | Tok::Word(_)
            | Tok::Phrase(_)
            | Tok::Regex(_)
            | Tok::Not
            | Tok::Minus
            | Tok::Must
            | Tok::Field(_)
    )
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.toks[self.pos]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn or_expr(&mut self) -> Result<Ast, ParseError> {
        let mut items = vec![self.and_expr()?];
        while self.peek().tok == Tok::Or {
            let op = self.bump();
            if !starts_operand(&self.peek().tok) {
                return Err(dangling_after(&op));
            }
            items.push(self.and_expr()?);
        }
        Ok(flatten(items, true))
    }

    fn and_expr(&mut self) -> Result<Ast, ParseError> {
        let mut items = vec![self.near_expr()?];
        loop {
            let t = self.peek();
            if t.tok == Tok::And {
                let op = self.bump();
                if !starts_operand(&self.peek().tok) {
                    return Err(dangling_after(&op));
                }
                items.push(self.near_expr()?);
            } else if starts_operand(&t.tok) {
                items.push(self.near_expr()?);
            } else {
                break;
            }
        }
        Ok(flatten(items, false))
    }

    fn near_expr(&mut self) -> Result<Ast, ParseError> {
        let left_start = self.peek().start;
        let left = self.unary()?;
        let Tok::Near(distance) = self.peek().tok else {
            return Ok(left);
        };
        let op = self.bump();
        if !starts_operand(&self.peek().tok) {
            return Err(near_sides(&op));
        }
        let right_start = self.peek().start;
        let right = self.unary()?;
        for (side, start) in [(&left, left_start), (&right, right_start)] {
            if side.term_leaves().is_empty()
                || matches!(side, Ast::Or(cs) if cs.iter().any(|c| !matches!(c, Ast::Term{..})))
            {
                return Err(ParseError::new(
                    start,
                    format!(
                        "{} operands must be words, phrases or OR-groups of them like (a | b)",
                        op.text
                    ),
                ));
            }
        }
        if let Tok::Near(_) = self.peek().tok {
            return Err(ParseError::new(
                self.peek().start,
                "NEAR cannot be chained; write (a NEAR/n b) AND (b NEAR/n c)",
            ));
        }
        Ok(Ast::Near {
            left: Box::new(left),
            right: Box::new(right),
            distance,
        })
    }

    fn unary(&mut self) -> Result<Ast, ParseError> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Not | Tok::Minus | Tok::Must | Tok::Field(_) => {
                self.bump();
                if !starts_operand(&self.peek().tok) {
                    let what = match t.tok {
                        Tok::Field(_) => format!("field prefix '{}'", t.text),
                        _ => format!("'{}'", t.text),
                    };
                    return Err(ParseError::new(
                        t.start,
                        format!("{what} must be followed by a term or a (group)"),
                    ));
                }
                let inner = self.unary()?;
                Ok(match t.tok {
                    Tok::Not | Tok::Minus => Ast::Not(Box::new(inner)),
                    Tok::Field(f) => inner.with_default_fields(FieldMask::single(f)),
                    _ => inner,
                })
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Ast, ParseError> {
        let t = self.bump();
        let span = t.start..t.start + t.text.len();
        match t.tok {
            Tok::Word(text) | Tok::Phrase(text) => Ok(Ast::Term {
                text,
                fields: None,
                span,
            }),
            Tok::Regex(pattern) => {
                if let Err(e) = build_regex(&pattern) {
                    return Err(ParseError::new(t.start, format!("invalid regex: {e}")));
                }
                Ok(Ast::Regex {
                    pattern,
                    fields: None,
                    span,
                })
            }
            Tok::LParen => {
                if self.peek().tok == Tok::RParen {
                    return Err(ParseError::new(t.start, "empty parentheses '()'"));
                }
                if self.peek().tok == Tok::Eof {
                    return Err(ParseError {
                        offset: self.peek().start,
                        message: format!("expected ')' to close '{}'", t.text),
                        opened_at: Some(t.start),
                    });
                }
                let inner = self.or_expr()?;
                let close = self.peek();
                if close.tok != Tok::RParen {
                    return Err(ParseError {
                        offset: close.start,
                        message: format!("expected ')' to close '{}'", t.text),
                        opened_at: Some(t.start),
                    });
                }
                self.bump();
                Ok(inner)
            }
            Tok::And | Tok::Or => Err(ParseError::new(
                t.start,
                format!("dangling operator '{}': expected a term before it", t.text),
            )),
            Tok::Near(_) => Err(near_sides(&t)),
            Tok::RParen => Err(ParseError::new(t.start, "unmatched ')'")),
            Tok::Eof => Err(ParseError::new(t.start, "unexpected end of query")),
            Tok::Not | Tok::Minus | Tok::Must | Tok::Field(_) => {
                unreachable!("handled by unary")
            }
        }
    }
}

fn dangling_after(op: &Token) -> ParseError {
    ParseError::new(
        op.start,
        format!("dangling operator '{}': expected a term after it", op.text),
    )
}

fn near_sides(op: &Token) -> ParseError {
    ParseError::new(op.start, format!("{} needs a term on both sides", op.text))
}

/// Regexes run on normalised text; the size limit keeps one careless
/// pattern from taking the memory of the whole rule set.
pub(crate) fn build_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "pattern too large (over 1 MiB compiled)".to_string()
            }
            other => regex_error_kind(&other.to_string()),
        })
}

/// regex-syntax messages span several lines with a caret diagram; keep the
/// line that names the problem.
pub(crate) fn regex_error_kind(full: &str) -> String {
    full.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| full.lines().last().unwrap_or(full))
        .trim()
        .to_string()
}

fn flatten(mut items: Vec<Ast>, or: bool) -> Ast {
    if items.len() == 1 {
        return items.pop().expect("one item");
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Ast::Or(cs) if or => out.extend(cs),
            Ast::And(cs) if !or => out.extend(cs),
            other => out.push(other),
        }
    }
    if or { Ast::Or(out) } else { Ast::And(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compact rendering for assertions.
    fn show(ast: &Ast) -> String {
        match ast {
            Ast::Term { text, fields, .. } => match fields {
                Some(m) => format!("{m:?}:{text}"),
                None => text.clone(),
            },
            Ast::Regex {
                pattern, fields, ..
            } => match fields {
                Some(m) => format!("{m:?}:/{pattern}/"),
                None => format!("/{pattern}/"),
            },
            Ast::And(cs) => format!(
                "(and {})",
                cs.iter().map(show).collect::<Vec<_>>().join(" ")
            ),
            Ast::Or(cs) => format!("(or {})", cs.iter().map(show).collect::<Vec<_>>().join(" ")),
            Ast::Not(c) => format!("(not {})", show(c)),
            Ast::Near {
                left,
                right,
                distance,
            } => format!("(near{distance} {} {})", show(left), show(right)),
        }
    }

    fn p(src: &str) -> String {
        show(&parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}")))
    }

    fn err(src: &str) -> (usize, String) {
        let e = parse(src).expect_err(src);
        (e.offset, e.message)
    }

    #[test]
    fn precedence_not_near_and_or() {
        assert_eq!(p("a b | c"), "(or (and a b) c)");
        assert_eq!(p("a AND b OR c AND d"), "(or (and a b) (and c d))");
        assert_eq!(p("a OR b c"), "(or a (and b c))");
        assert_eq!(p("a NEAR/3 b c"), "(and (near3 a b) c)");
        assert_eq!(p("NOT a b"), "(and (not a) b)");
        assert_eq!(p("(a | b) c"), "(and (or a b) c)");
        assert_eq!(p("a | b | c"), "(or a b c)");
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            p("+食堂 +腹泻 -演练 !演习"),
            "(and 食堂 腹泻 (not 演练) (not 演习))"
        );
        assert_eq!(p("食堂|饭堂"), "(or 食堂 饭堂)");
        assert_eq!(p("食堂 -(检查 合格)"), "(and 食堂 (not (and 检查 合格)))");
        assert_eq!(p("（食堂｜饭堂） 腹泻"), "(and (or 食堂 饭堂) 腹泻)");
    }

    #[test]
    fn hyphen_inside_word_is_literal() {
        assert_eq!(p("covid-19"), "covid-19");
    }

    #[test]
    fn phrases_are_normalised() {
        assert_eq!(p("\"ＷｉＦｉ 断了\" 宿舍"), "(and wifi 断了 宿舍)");
        assert_eq!(p("“校园 贷”"), "校园 贷");
        assert_eq!(p(r#""say \"hi\"""#), "say \"hi\"");
        assert_eq!(p("ABC"), "abc");
    }

    #[test]
    fn near_forms() {
        assert_eq!(p("食堂 NEAR/10 腹泻"), "(near10 食堂 腹泻)");
        assert_eq!(
            p("(食堂|饭堂) NEAR/5 (腹泻|呕吐)"),
            "(near5 (or 食堂 饭堂) (or 腹泻 呕吐))"
        );
        assert_eq!(p("title:食堂 NEAR/0 腹泻"), "(near0 title:食堂 腹泻)");
    }

    #[test]
    fn regex_and_fields() {
        assert_eq!(p(r"/\d+万/"), r"/\d+万/");
        assert_eq!(p(r"/a\/b/"), "/a/b/");
        assert_eq!(
            p("title:食堂 text:(a | b)"),
            "(and title:食堂 (or text:a text:b))"
        );
        assert_eq!(p("title:(a text:b)"), "(and title:a text:b)");
        assert_eq!(p("TITLE:\"x y\""), "title:x y");
        assert_eq!(p("source:/weibo/"), "source:/weibo/");
        assert_eq!(p("标题:食堂"), "标题:食堂");
    }

    #[test]
    fn lowercase_operators_are_words() {
        assert_eq!(p("a and b"), "(and a and b)");
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(err("   "), (0, "empty query".into()));
        assert_eq!(
            err("a \"b c"),
            (2, "unterminated quoted phrase: missing closing '\"'".into())
        );
        assert_eq!(err("a \"\""), (2, "empty quoted phrase".into()));
        assert_eq!(
            err("a /b("),
            (2, "unterminated regex: missing closing '/'".into())
        );
        assert_eq!(err("a //"), (2, "empty regex '//'".into()));
        assert!(err("a /b(/").1.starts_with("invalid regex: "));
        assert_eq!(err("(a b"), (4, "expected ')' to close '('".into()));
        assert_eq!(parse("(a b").unwrap_err().opened_at, Some(0));
        assert_eq!(err("a b)"), (3, "unmatched ')'".into()));
        assert_eq!(
            err("a AND"),
            (
                2,
                "dangling operator 'AND': expected a term after it".into()
            )
        );
        assert_eq!(
            err("a | | b"),
            (2, "dangling operator '|': expected a term after it".into())
        );
        assert_eq!(
            err("OR a"),
            (
                0,
                "dangling operator 'OR': expected a term before it".into()
            )
        );
        assert_eq!(
            err("a NEAR/3"),
            (2, "NEAR/3 needs a term on both sides".into())
        );
        assert_eq!(
            err("NEAR/3 a"),
            (0, "NEAR/3 needs a term on both sides".into())
        );
        assert!(
            err("a NEAR b")
                .1
                .starts_with("'NEAR': NEAR needs a distance")
        );
        assert!(
            err("a NEAR/x b")
                .1
                .starts_with("'NEAR/x': NEAR needs a distance")
        );
        assert_eq!(
            err("a NEAR/2 (b c)"),
            (
                9,
                "NEAR/2 operands must be words, phrases or OR-groups of them like (a | b)".into()
            )
        );
        assert_eq!(
            err("a NEAR/2 b NEAR/2 c"),
            (
                11,
                "NEAR cannot be chained; write (a NEAR/n b) AND (b NEAR/n c)".into()
            )
        );
        assert!(
            err("body:食堂")
                .1
                .starts_with("unknown field prefix 'body:'")
        );
        assert_eq!(
            err("a title:"),
            (
                2,
                "field prefix 'title:' must be followed by a term or a (group)".into()
            )
        );
        assert_eq!(
            err("a -"),
            (2, "'-' must be followed by a term or a (group)".into())
        );
        assert_eq!(err("a ()"), (2, "empty parentheses '()'".into()));
    }

    #[test]
    fn multibyte_offsets() {
        // '(' at byte 0, end of query at byte 7 (two 3-byte chars + '(').
        let e = parse("(食堂").unwrap_err();
        assert_eq!((e.offset, e.opened_at), (7, Some(0)));
    }
}
