//! End-to-end tests of the `hullguard` binary: one test binary, one module per area.

mod config;
mod daemon;
mod db_build;
mod db_update;
mod hostile;
mod images_made;
mod inspect;
mod inventory;
mod memory;
mod scan;
mod support;
mod umoci;
