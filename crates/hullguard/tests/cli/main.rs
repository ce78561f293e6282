//! End-to-end tests of the `hullguard` binary: one test binary, one module per area.

mod audit;
mod config;
mod daemon;
mod db_build;
mod db_update;
mod formats;
mod hostile;
mod images_made;
mod inspect;
mod inventory;
mod k8s;
mod memory;
mod registry;
mod sbom_input;
mod scan;
mod sources;
mod support;
mod terminal;
mod trust;
mod umoci;
