//! The OS package database parsers (rpmdb in all three backends, apk) on the real databases in
//! `shared/images/osdb` and on hostile input.

mod common;
mod fixtures;
mod generated;
mod hostile;
