//! `yuqing media sweep`: remove uploaded media (covers, images, videos)
//! that no content version or publication job refers to. `yuqing serve`
//! runs the same sweep daily with a one-day grace.

use super::with_store;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct MediaArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: MediaCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MediaCommand {
    /// Remove media nothing refers to.
    Sweep {
        /// Keep files changed within this many hours (drafts being written).
        #[arg(long, default_value_t = 24)]
        older_than_hours: u64,
        /// List what would be removed; remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(args: MediaArgs) -> anyhow::Result<ExitCode> {
    with_store(args.config, async move |config, store| {
        let MediaCommand::Sweep {
            older_than_hours,
            dry_run,
        } = args.command;
        let grace = std::time::Duration::from_secs(older_than_hours * 3600);
        let swept =
            crate::syndicate::media::sweep_unused(&store, &config.data_dir, grace, dry_run).await?;
        for f in &swept.files {
            println!("{f}");
        }
        let mb = swept.bytes as f64 / (1024.0 * 1024.0);
        let verb = if dry_run { "可清理" } else { "已清理" };
        eprintln!(
            "{verb} {} 个未使用的媒体文件，共 {mb:.1} MB",
            swept.files.len()
        );
        Ok(ExitCode::SUCCESS)
    })
}
