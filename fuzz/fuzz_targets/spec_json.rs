//! JSON wire formats read from images: OCI index / manifest, image config, Docker's
//! `manifest.json`, plus the string parsers for platforms and digests.
#![no_main]

use hullguard_image::spec::{DockerArchiveEntry, ImageConfig, Index, Manifest};
use hullguard_image::{Digest, Platform};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(index) = serde_json::from_slice::<Index>(data) {
        for d in &index.manifests {
            // Exercise the accessors on a digest that passed validation.
            let _ = (d.digest.hex(), d.digest.short(), d.digest.to_string());
        }
    }
    if let Ok(manifest) = serde_json::from_slice::<Manifest>(data) {
        for d in std::iter::once(&manifest.config).chain(&manifest.layers) {
            let _ = (d.digest.hex(), d.digest.short());
        }
    }
    if let Ok(config) = serde_json::from_slice::<ImageConfig>(data) {
        let _ = config.layer_created_by();
        let platform = config.platform();
        let _ = platform.accepts(&Platform::host());
        let _ = serde_json::to_vec(&config);
    }
    let _ = serde_json::from_slice::<Vec<DockerArchiveEntry>>(data);

    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(p) = Platform::parse(s) {
            let shown = p.to_string();
            let again = Platform::parse(&shown).expect("a parsed platform re-parses from its Display form");
            assert_eq!(again, p);
            let _ = p.accepts(&p);
        }
        if let Ok(d) = Digest::parse(s) {
            assert_eq!(d.as_str(), s);
            let _ = (d.hex(), d.short());
        }
        let _ = Digest::from_hex(s);
    }
});
