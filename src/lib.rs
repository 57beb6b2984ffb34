//! yuqing (舆情): public-opinion monitoring and content pipeline for Chinese colleges.

pub mod analyze;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crawl;
pub mod dedup;
pub mod demo;
pub mod model;
pub mod notify;
pub mod pipeline;
pub mod report;
pub mod review;
pub mod search;
pub mod server;
pub mod store;
pub mod syndicate;
pub mod web;
