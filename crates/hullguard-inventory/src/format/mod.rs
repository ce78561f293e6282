//! Parsers for package evidence inside binaries and archives: pure functions over bytes.

pub mod cargo_auditable;
pub mod go;
pub mod go_symbols;
pub mod java;
pub mod osdb;
