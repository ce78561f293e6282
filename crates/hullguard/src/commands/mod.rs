//! One module per command.

pub mod config;
pub mod inspect;
pub mod inventory;
