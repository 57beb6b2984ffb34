//! `yuqing serve` as a library `Server` on a random port: the push API, the
//! scheduler and the search indexer, with a real SQLite store.

mod auth;
#[path = "../fixture_site/mod.rs"]
mod fixture_site;
mod helpers;
mod push;
mod schedule;
