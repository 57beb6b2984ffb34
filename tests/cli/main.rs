//! End-to-end tests of the `yuqing` binary, run as a user would run it.

mod analyze;
mod bench;
mod channel;
mod demo;
mod extract;
mod helpers;
mod rules;
mod search;
mod user;
