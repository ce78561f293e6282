//! Parsers for package evidence inside binaries and archives: pure functions over bytes.

pub mod go;
pub mod java;
pub mod osdb;
