//! app-mixed's Go binaries and jars, read with hullguard's own image reader, and its truth file.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

use hullguard_image::{EntryKind, EntryVisitor, LayerEntry, ReadOptions, SourceSpec, read_image};
use serde_json::Value;

/// The shared data folder.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from)
}

/// app-mixed's truth file.
pub fn truth() -> &'static Value {
    static TRUTH: OnceLock<Value> = OnceLock::new();
    TRUTH.get_or_init(|| {
        serde_json::from_slice(&std::fs::read(shared_dir().join("images/app-mixed.truth.json")).unwrap()).unwrap()
    })
}

/// Keeps the content of Go binaries and jars.
#[derive(Default)]
struct Grab(HashMap<String, Vec<u8>>);

impl EntryVisitor for Grab {
    type Output = HashMap<String, Vec<u8>>;
    fn entry(&mut self, e: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        if e.kind == EntryKind::File && (e.path.starts_with("usr/local/bin/") || e.path.ends_with(".jar")) {
            let mut buf = Vec::new();
            content.read_to_end(&mut buf).unwrap();
            self.0.insert(format!("/{}", e.path), buf);
        }
        Ok(())
    }
    fn finish(self) -> Self::Output {
        self.0
    }
}

/// `/usr/local/bin/*` and every `*.jar` of app-mixed, by absolute path.
pub fn app_mixed_files() -> &'static HashMap<String, Vec<u8>> {
    static FILES: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let spec =
            format!("oci-archive:{}:app-mixed:latest", shared_dir().join("images/bookworm-images.oci.tar").display());
        let source = SourceSpec::parse(&spec).unwrap().open(None, &hullguard_image::Limits::default()).unwrap();
        let image = read_image(source.as_ref(), &ReadOptions::default(), Grab::default).unwrap();
        image.layers.iter().flat_map(|l| l.output.iter().map(|(k, v)| (k.clone(), v.clone()))).collect()
    })
}
