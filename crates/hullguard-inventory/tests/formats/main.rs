//! The binary and archive parsers (Go build info, Java archives) on real and hostile input.

mod go_hostile;
mod java_hostile;
mod real_image;
mod support;
