//! `yuqing serve` as a library `Server` on a random port: the push API, the
//! scheduler, the search indexer and the notifier, with a real SQLite store
//! (and PostgreSQL for the notifier when `YUQING_TEST_DATABASE_URL` is set).

mod auth;
mod browser;
mod dashboard;
mod demo;
#[path = "../fixture_site/mod.rs"]
mod fixture_site;
mod helpers;
mod notify;
mod push;
mod robots;
mod schedule;
mod syndicate;
mod syndicate_kill;
mod syndicate_video;
mod syndicate_web;
