//! Image trust: cosign-compatible keys ([`key`]), the signature formats cosign writes
//! ([`payload`] for the legacy simple-signing scheme, [`bundle`] for Sigstore bundles v0.3),
//! finding and pushing them in a registry ([`registry`]), and the trust policy ([`policy`]) that
//! the CI gate and the admission webhook evaluate.

pub mod bundle;
mod error;
pub mod key;
pub mod payload;
pub mod policy;
pub mod registry;

pub use error::{Error, Result};
pub use key::{PrivateKey, PublicKey};
