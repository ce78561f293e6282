//! SBOM output. Each format serialises private wire structs, never the domain types.

mod cyclonedx;
mod read;
mod spdx;

pub use cyclonedx::to_cyclonedx;
pub use read::{MAX_DEPTH, read_sbom};
pub use spdx::to_spdx;

/// Default cap on the size of an SBOM read (1 GiB).
pub const MAX_SBOM_BYTES: u64 = 1 << 30;

/// What the SBOM describes.
pub struct Subject<'a> {
    /// Display name (`app-mixed:latest`, or the source string).
    pub name: &'a str,
    /// The image id (config digest), when there is one.
    pub config_digest: Option<&'a str>,
    /// The layers' diff_ids, base first.
    pub diff_ids: Vec<&'a str>,
    /// When the image was created (RFC 3339), if it says.
    pub created: Option<&'a str>,
}

/// A deterministic RFC 4122 UUID (version 5 layout) from the SHA-256 of `seed`, so the same
/// image gives the same document identifier on every run.
pub(crate) fn stable_uuid(seed: &str) -> String {
    let digest = hullguard_image::Digest::of(seed.as_bytes());
    let mut h: Vec<char> = digest.hex()[..32].chars().collect();
    h[12] = '5';
    h[16] = match h[16] {
        '0' | '4' | '8' | 'c' => '8',
        '1' | '5' | '9' | 'd' => '9',
        '2' | '6' | 'a' | 'e' => 'a',
        _ => 'b',
    };
    let h: String = h.into_iter().collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}
