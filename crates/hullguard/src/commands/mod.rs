//! One module per command.

pub mod config;
pub mod db;
pub mod image_checks;
pub mod inspect;
pub mod inventory;
pub mod scan;
