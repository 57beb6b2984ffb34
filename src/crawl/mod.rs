//! Collection: charset handling and automatic article extraction (fetching
//! and scheduling arrive with the crawler).

pub mod charset;
pub mod extract;
