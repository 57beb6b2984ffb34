//! The crawler against a local fixture site, with a real SQLite store and
//! the real analyser.

mod cli;
mod failures;
mod feeds;
#[path = "../fixture_site/mod.rs"]
mod fixture_site;
mod helpers;
mod html;
mod import;
mod json_api;
mod kill;
