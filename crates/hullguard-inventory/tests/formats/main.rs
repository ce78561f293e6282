//! The binary and archive parsers (Go build info, cargo auditable data, Java archives) on real and hostile input.

mod cargo_auditable;
mod go_hostile;
mod go_stripped;
mod go_symbols;
mod java_hostile;
mod real_image;
mod support;
