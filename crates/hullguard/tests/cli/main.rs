//! End-to-end tests of the `hullguard` binary: one test binary, one module per area.

mod audit;
mod config;
mod daemon;
mod db_build;
mod db_update;
mod diff;
mod formats;
mod hostile;
mod images_made;
mod inspect;
mod inventory;
mod k8s;
mod memory;
mod policy;
mod reachability;
mod registry;
mod sbom_input;
mod scan;
mod server;
mod sources;
mod stages;
mod support;
mod terminal;
mod trust;
mod umoci;
mod why;
