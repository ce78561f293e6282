//! One module per command.

pub mod audit;
pub mod checks;
pub mod compliance;
pub mod db;
pub mod diff;
pub mod inspect;
pub mod inventory;
pub mod manifest;
pub mod policy;
pub mod registry;
pub mod scan;
pub mod server;
pub mod trust;
pub mod watch;
pub mod why;
