//! The `yuqing` command line. `main.rs` only parses arguments and calls [`run`].

mod analyze;
mod bench;
mod channel;
mod crawl;
mod demo;
mod export;
mod extract;
mod latency;
mod media;
mod rules;
mod search;
mod serve;
mod user;

use crate::analyze::{AnalysisSettings, Analyzer};
use crate::config::Config;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use analyze::{AnalyzeOptions, AnalyzeSummary, analyze_stream};
pub use crawl::render_table as render_crawl_table;

#[derive(Debug, Parser)]
#[command(
    name = "yuqing",
    version,
    about = "舆情监测与内容发布 (public-opinion monitoring for colleges)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Demo: bundled sources on loopback, crawled and analysed, dashboard with demo users.
    Demo(demo::DemoArgs),
    /// Analyse posts: JSONL in, JSONL out (stdin/stdout by default).
    Analyze(AnalyzeArgs),
    /// Check rule files or try them on a text.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Measure the analyser's speed on a corpus (see docs/performance.md).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Full-text search of stored posts (catches the index up first).
    Search(search::SearchArgs),
    /// Automatic article extraction of one saved page, as JSON.
    Extract(extract::ExtractArgs),
    /// Export stored data.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Crawl the due (or the named) sources once and print a summary.
    Crawl(crawl::CrawlArgs),
    /// Run the scheduler and the API (push sources) until stopped.
    Serve(serve::ServeArgs),
    /// Manage user accounts (admin, monitor, commentator, publisher).
    User(user::UserArgs),
    /// Manage the media matrix's channel accounts.
    Channel(channel::ChannelArgs),
    /// The key that seals channel secrets.
    #[command(subcommand, name = "secret-key")]
    SecretKey(channel::SecretKeyCommand),
    /// Uploaded media: remove what no content refers to.
    Media(media::MediaArgs),
}

#[derive(Debug, clap::Args)]
pub struct AnalysisPaths {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG")]
    pub config: Option<PathBuf>,
    /// Rules folder (overrides the configuration).
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Dictionaries folder (overrides the configuration).
    #[arg(long)]
    pub dictionaries: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub paths: AnalysisPaths,
    /// Input JSONL file; '-' or absent for stdin.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Output JSONL file; '-' or absent for stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Add the explanations of sentiment and risk and the match spans.
    #[arg(long)]
    pub explain: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rules folder; errors as FILE:LINE:COL: message.
    Check {
        /// Rules folder (default: the configured one, ./rules).
        dir: Option<PathBuf>,
        #[arg(long, env = "YUQING_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Show which rules fire on a text, and why.
    Test(rules::RulesTestArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::Rules(RulesCommand::Check { dir, config }) => rules::check(dir, config),
        Command::Rules(RulesCommand::Test(args)) => rules::test(args),
        Command::Bench(cmd) => bench::run(cmd),
        Command::Search(args) => search::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Export(cmd) => export::run(cmd),
        Command::Crawl(args) => crawl::run(args),
        Command::Serve(args) => serve::run(args),
        Command::User(args) => user::run(args),
        Command::Channel(args) => channel::run(args),
        Command::SecretKey(cmd) => channel::secret_key(cmd),
        Command::Media(args) => media::run(args),
    }
}

/// For the commands that work on the store: the configuration (no folder
/// overrides), a one-thread runtime, and the store opened on it.
pub(crate) fn with_store<T>(
    config: Option<PathBuf>,
    f: impl AsyncFnOnce(Config, crate::store::Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let config = load_config(&AnalysisPaths {
        config,
        rules: None,
        dictionaries: None,
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(async move {
        let store = crate::store::Store::open(
            config.database_url.as_ref().map(|s| s.expose()),
            &config.data_dir,
        )
        .await
        .context("无法打开数据库")?;
        f(config, store).await
    })
}

/// The configuration with command-line overrides of its folders.
pub(crate) fn load_config(paths: &AnalysisPaths) -> anyhow::Result<Config> {
    let mut config =
        Config::load(paths.config.as_deref()).context("配置文件无效 (invalid configuration)")?;
    if let Some(r) = &paths.rules {
        config.rules_dir = r.clone();
    }
    if let Some(d) = &paths.dictionaries {
        config.dictionaries_dir = d.clone();
    }
    Ok(config)
}

pub(crate) fn load_analyzer(
    dictionaries: &Path,
    rules: &Path,
    settings: AnalysisSettings,
) -> anyhow::Result<Analyzer> {
    Analyzer::load(dictionaries, rules, settings).with_context(|| {
        format!(
            "无法加载分析器 (dictionaries: {}, rules: {})",
            dictionaries.display(),
            rules.display()
        )
    })
}
