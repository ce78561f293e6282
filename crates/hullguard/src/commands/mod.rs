//! One module per command.

pub mod audit;
pub mod checks;
pub mod db;
pub mod inspect;
pub mod inventory;
pub mod manifest;
pub mod scan;
pub mod watch;
