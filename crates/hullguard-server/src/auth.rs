//! API tokens: random secrets shown once, stored as their SHA-256 (a 256-bit random secret needs
//! no slow hash), each with one scope. Scopes nest: `admin` can do what `scan` can, `scan` what
//! `read` can.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Read reports, images, findings, events, metrics.
    Read,
    /// Also submit scans.
    Scan,
    /// Also reload the database and create tokens.
    Admin,
}

impl Scope {
    /// The scope's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Scan => "scan",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "scan" => Ok(Scope::Scan),
            "admin" => Ok(Scope::Admin),
            other => Err(format!("unknown scope {other:?} (expected read, scan or admin)")),
        }
    }
}

/// The prefix of every token, so a leaked one is recognisable.
const PREFIX: &str = "hgt_";

/// A new random token: the prefix and 32 bytes from the OS's random source, in hex.
///
/// # Errors
///
/// When the OS gives no random bytes.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{PREFIX}{}", hex::encode(bytes)))
}

/// The stored form of a token.
#[must_use]
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who called: the token's row id, name and scope.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's row id (the rate limit's key).
    pub id: i64,
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
}
