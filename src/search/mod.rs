//! Full-text search over stored posts: a tantivy index in `data_dir/index`
//! with a jieba tokenizer. The index is derived data: the store is the
//! source of truth, and [`catch_up`] brings the index up to date from it
//! (see `docs/search.md`).

mod catch_up;
mod query;
pub mod tokenizer;

#[cfg(test)]
mod tests;

use crate::model::StoredPost;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

pub use catch_up::{CatchUp, WATERMARK_KEY, Watermark, catch_up, catch_up_with, rebuild};
pub use tokenizer::JiebaTokenizer;

/// Memory budget of the index writer (tantivy splits it between its threads).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// A file beside tantivy's own: a random id for this index, so a watermark
/// saved for one index is never applied to another (a deleted or copied
/// index directory starts from scratch).
const INDEX_ID_FILE: &str = "yuqing-index-id";
/// Snippet length in characters.
const SNIPPET_CHARS: usize = 120;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("无法打开搜索索引 {}: {source}", path.display())]
    Open { path: PathBuf, source: TantivyError },
    #[error("搜索索引 {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("查询语句有误：{hint}（{detail}）")]
    Query { hint: String, detail: String },
    #[error("搜索索引正被另一个进程更新，请稍后再试")]
    Busy,
    #[error("搜索索引出错: {0}")]
    Index(#[from] TantivyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Filters applied on top of a query.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// At most this many hits (0 means the default, 20).
    pub limit: usize,
    /// Published (or, without a publication date, fetched) at or after.
    pub since: Option<DateTime<Utc>>,
    /// Published before.
    pub until: Option<DateTime<Utc>>,
}

/// One post that matched, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub post_id: i64,
    pub title: String,
    /// A fragment of the text with the matched words in `<b>…</b>`; the rest
    /// is HTML-escaped.
    pub snippet_html: String,
    pub score: f32,
    pub source: String,
    pub channel: String,
    /// Risk level (`none` … `critical`), empty if the post has no analysis.
    pub level: String,
    /// The event cluster the post belongs to.
    pub event_id: i64,
    pub published: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    post_id: Field,
    title: Field,
    text: Field,
    source: Field,
    channel: Field,
    category: Field,
    level: Field,
    sentiment: Field,
    published: Field,
    risk: Field,
    event_id: Field,
}

/// Field names as users type them in queries.
pub const FIELD_NAMES: [&str; 11] = [
    "title",
    "text",
    "source",
    "channel",
    "category",
    "level",
    "sentiment",
    "published",
    "risk",
    "event_id",
    "post_id",
];

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let jieba = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer::JIEBA)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let raw = || {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer::RAW_LOWER)
                .set_index_option(IndexRecordOption::Basic),
        )
    };
    let fields = Fields {
        post_id: b.add_u64_field("post_id", INDEXED | FAST | STORED),
        title: b.add_text_field("title", jieba.clone()),
        text: b.add_text_field("text", jieba),
        source: b.add_text_field("source", raw().set_stored()),
        channel: b.add_text_field("channel", raw().set_stored()),
        category: b.add_text_field("category", raw().set_stored()),
        level: b.add_text_field("level", raw().set_stored()),
        sentiment: b.add_text_field("sentiment", raw()),
        published: b.add_date_field(
            "published",
            DateOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored()
                .set_precision(DateTimePrecision::Seconds),
        ),
        risk: b.add_u64_field("risk", INDEXED | FAST),
        event_id: b.add_u64_field("event_id", INDEXED | FAST | STORED),
    };
    (b.build(), fields)
}

/// The search index of one node.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    writer: Option<IndexWriter>,
    fields: Fields,
    id: String,
    tokenizer: JiebaTokenizer,
}

impl SearchIndex {
    /// Open the index in `dir`, creating it (and `dir`) if needed. An index
    /// written with another schema (an older version of yuqing) is derived
    /// data: it is discarded and recreated empty, and the next catch-up
    /// fills it from the store.
    pub fn open_or_create(dir: &Path, tokenizer: JiebaTokenizer) -> Result<Self, SearchError> {
        let io = |source| SearchError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema();
        let open = |schema: Schema| -> Result<Index, TantivyError> {
            let mmap = MmapDirectory::open(dir)?;
            Index::open_or_create(mmap, schema)
        };
        let index = match open(schema.clone()) {
            Ok(index) => index,
            Err(TantivyError::SchemaError(message)) => {
                tracing::warn!(dir = %dir.display(), %message, "search index has another schema; recreating it");
                std::fs::remove_dir_all(dir).map_err(io)?;
                std::fs::create_dir_all(dir).map_err(io)?;
                open(schema).map_err(|source| SearchError::Open {
                    path: dir.to_path_buf(),
                    source,
                })?
            }
            Err(source) => {
                return Err(SearchError::Open {
                    path: dir.to_path_buf(),
                    source,
                });
            }
        };
        index
            .tokenizers()
            .register(tokenizer::JIEBA, tokenizer.clone());
        index.tokenizers().register(
            tokenizer::RAW_LOWER,
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .build(),
        );
        let id = index_id(dir).map_err(io)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            writer: None,
            fields,
            id,
            tokenizer,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The random id of this index directory (see [`Watermark`]).
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn tokenizer(&self) -> &JiebaTokenizer {
        &self.tokenizer
    }

    /// The writer, taken on first use: only one process may write an index.
    fn writer(&mut self) -> Result<&mut IndexWriter, SearchError> {
        if self.writer.is_none() {
            let writer = self.index.writer(WRITER_MEMORY).map_err(|e| match e {
                TantivyError::LockFailure(..) => SearchError::Busy,
                e => SearchError::Index(e),
            })?;
            self.writer = Some(writer);
        }
        Ok(self.writer.as_mut().expect("just set"))
    }

    /// Add or replace posts (by post id): re-indexing a post is harmless, so
    /// a catch-up interrupted after a commit can simply run again.
    /// Nothing is visible to searches before [`SearchIndex::commit`].
    pub fn index_posts(&mut self, posts: &[StoredPost]) -> Result<(), SearchError> {
        let f = self.fields;
        let writer = self.writer()?;
        for post in posts {
            writer.delete_term(Term::from_field_u64(f.post_id, post.id as u64));
            writer.add_document(to_document(&f, post))?;
        }
        Ok(())
    }

    /// Remove every document (for a rebuild); visible after the commit.
    pub fn clear(&mut self) -> Result<(), SearchError> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Make the indexed posts durable and visible to searches.
    pub fn commit(&mut self) -> Result<(), SearchError> {
        if let Some(writer) = self.writer.as_mut() {
            writer.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Drop the uncommitted changes (tests simulate a crash with this).
    pub fn rollback(&mut self) -> Result<(), SearchError> {
        if let Some(writer) = self.writer.as_mut() {
            writer.rollback()?;
        }
        Ok(())
    }

    /// Number of posts visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// How many indexed documents carry `post_id` (0 or 1 unless broken).
    pub fn count_post(&self, post_id: i64) -> Result<usize, SearchError> {
        let q = tantivy::query::TermQuery::new(
            Term::from_field_u64(self.fields.post_id, post_id as u64),
            IndexRecordOption::Basic,
        );
        Ok(self.reader.searcher().search(&q, &Count)?)
    }

    /// A read handle for searches from other tasks (the web server): it
    /// sees each commit of this index.
    pub fn reader(&self) -> SearchReader {
        SearchReader {
            index: self.index.clone(),
            reader: self.reader.clone(),
            fields: self.fields,
        }
    }

    /// Run a query (syntax in `docs/search.md`), best hits first.
    pub fn search(&self, query: &str, opts: SearchOptions) -> Result<Vec<SearchHit>, SearchError> {
        self.reader().search(query, opts)
    }
}

/// Searches over a [`SearchIndex`]; cheap to clone, shares its reloads.
#[derive(Clone)]
pub struct SearchReader {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl SearchReader {
    /// The query as parsed (for snippets), the query with the options'
    /// filters, and whether the query text was empty.
    fn build_query(
        &self,
        query: &str,
        opts: &SearchOptions,
    ) -> Result<(Box<dyn Query>, BooleanQuery, bool), SearchError> {
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let text = query::prepare(query);
        let empty = text.trim().is_empty();
        let parsed: Box<dyn Query> = if empty {
            Box::new(AllQuery)
        } else {
            parser.parse_query(&text).map_err(|e| query::explain(&e))?
        };
        let mut clauses = vec![(Occur::Must, parsed.box_clone())];
        if opts.since.is_some() || opts.until.is_some() {
            use std::ops::Bound;
            let term = |t: DateTime<Utc>| Term::from_field_date(f.published, to_tantivy_date(t));
            let lower = opts
                .since
                .map_or(Bound::Unbounded, |t| Bound::Included(term(t)));
            let upper = opts
                .until
                .map_or(Bound::Unbounded, |t| Bound::Excluded(term(t)));
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        Ok((parsed, BooleanQuery::new(clauses), empty))
    }

    /// The event clusters of the best `opts.limit` hits, without loading
    /// the documents or making snippets: what narrowing the alert queue
    /// needs. Read from the `event_id` fast field; sorted, distinct.
    pub fn search_events(&self, query: &str, opts: SearchOptions) -> Result<Vec<i64>, SearchError> {
        let (_, full, empty) = self.build_query(query, &opts)?;
        let searcher = self.reader.searcher();
        let limit = if opts.limit == 0 { 20 } else { opts.limit };
        let top: Vec<tantivy::DocAddress> = if empty {
            let newest = TopDocs::with_limit(limit)
                .order_by_fast_field::<tantivy::DateTime>("published", tantivy::Order::Desc);
            let docs = searcher.search(&full, &newest)?;
            docs.into_iter().map(|(_, addr)| addr).collect()
        } else {
            let docs = searcher.search(&full, &TopDocs::with_limit(limit).order_by_score())?;
            docs.into_iter().map(|(_, addr): (f32, _)| addr).collect()
        };
        let mut columns = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            columns.push(segment.fast_fields().u64("event_id")?);
        }
        let mut events: Vec<i64> = top
            .into_iter()
            .filter_map(|addr| columns[addr.segment_ord as usize].first(addr.doc_id))
            .map(|e| e as i64)
            .collect();
        events.sort_unstable();
        events.dedup();
        Ok(events)
    }

    /// Run a query (syntax in `docs/search.md`), best hits first.
    pub fn search(&self, query: &str, opts: SearchOptions) -> Result<Vec<SearchHit>, SearchError> {
        let f = self.fields;
        let (parsed, full, empty) = self.build_query(query, &opts)?;
        let searcher = self.reader.searcher();
        let limit = if opts.limit == 0 { 20 } else { opts.limit };
        let top: Vec<(f32, tantivy::DocAddress)> = if empty {
            // Nothing to rank by: newest first, score 0.
            let newest = TopDocs::with_limit(limit)
                .order_by_fast_field::<tantivy::DateTime>("published", tantivy::Order::Desc);
            let docs = searcher.search(&full, &newest)?;
            docs.into_iter().map(|(_, addr)| (0.0, addr)).collect()
        } else {
            searcher.search(&full, &TopDocs::with_limit(limit).order_by_score())?
        };
        let mut snippets = SnippetGenerator::create(&searcher, &*parsed, f.text)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);

        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let str_of = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let mut snippet = snippets.snippet_from_doc(&doc);
            let snippet_html = if snippet.is_empty() {
                // Matched in the title or by a filter only: the text's start.
                let text = str_of(f.text);
                let start: String = text.chars().take(SNIPPET_CHARS).collect();
                html_escape::encode_text(&start).into_owned()
            } else {
                snippet.set_snippet_prefix_postfix("<b>", "</b>");
                snippet.to_html()
            };
            hits.push(SearchHit {
                post_id: doc
                    .get_first(f.post_id)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as i64,
                title: str_of(f.title),
                snippet_html,
                score,
                source: str_of(f.source),
                channel: str_of(f.channel),
                level: str_of(f.level),
                event_id: doc
                    .get_first(f.event_id)
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as i64,
                published: doc
                    .get_first(f.published)
                    .and_then(|v| v.as_datetime())
                    .and_then(|d| DateTime::from_timestamp(d.into_timestamp_secs(), 0)),
            });
        }
        Ok(hits)
    }
}

fn to_tantivy_date(t: DateTime<Utc>) -> tantivy::DateTime {
    tantivy::DateTime::from_timestamp_secs(t.timestamp())
}

fn to_document(f: &Fields, post: &StoredPost) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.post_id, post.id as u64);
    doc.add_text(f.title, &post.title);
    doc.add_text(f.text, &post.text);
    doc.add_text(f.source, &post.source);
    doc.add_text(f.channel, post.channel.as_str());
    doc.add_date(
        f.published,
        to_tantivy_date(post.published_at.unwrap_or(post.fetched_at)),
    );
    doc.add_u64(f.event_id, post.event_id as u64);
    if let Some(a) = &post.analysis {
        let categories: BTreeSet<&str> = a.hits.iter().map(|h| h.category.as_str()).collect();
        for c in categories {
            doc.add_text(f.category, c);
        }
        doc.add_text(f.level, a.risk.level.as_str());
        doc.add_text(f.sentiment, a.sentiment.label.as_str());
        doc.add_u64(f.risk, u64::from(a.risk.score));
    }
    doc
}

/// The id in `dir`, created on first use.
fn index_id(dir: &Path) -> std::io::Result<String> {
    let path = dir.join(INDEX_ID_FILE);
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => return Ok(id.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let id = format!(
        "{:016x}",
        xxhash_rust::xxh3::xxh3_64(
            format!("{nanos}:{}:{}", std::process::id(), dir.display()).as_bytes()
        )
    );
    std::fs::write(&path, &id)?;
    Ok(id)
}
