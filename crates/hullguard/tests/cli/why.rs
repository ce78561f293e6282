//! `hullguard why` end to end on app-mixed: exact chains for an npm, a Cargo and a dpkg package.

use std::path::Path;

use crate::support::{hullguard, hullguard_json, image};

fn app_mixed() -> String {
    format!("oci-archive:{}:app-mixed", image("bookworm-images.oci.tar"))
}

#[test]
fn chains_layers_and_dependents_of_npm_cargo_and_dpkg_packages() {
    let spec = app_mixed();
    let why = |name: &str| {
        let doc = hullguard_json(&["why", name, &spec, "-f", "json", "-q"]);
        assert_eq!(doc["matches"].as_array().unwrap().len(), 1, "{name}");
        doc["matches"][0].clone()
    };
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
    };
    let chains =
        |m: &serde_json::Value| -> Vec<Vec<String>> { m["chains"].as_array().unwrap().iter().map(strings).collect() };

    let mime_db = why("mime-db");
    assert_eq!(
        chains(&mime_db),
        [["mixed-app@1.0.0", "express@4.17.1", "accepts@1.3.8", "mime-types@2.1.35", "mime-db@1.52.0"]]
    );
    assert_eq!(strings(&mime_db["dependents"]), ["mime-types@2.1.35"]);
    assert_eq!((mime_db["layer"].as_u64(), mime_db["removable"].as_bool()), (Some(5), Some(false)));
    assert_eq!(mime_db["created_by"], "COPY --from=nodebuild /app/node_modules ./node_modules # buildkit");

    let autocfg = why("autocfg");
    assert_eq!(chains(&autocfg), [["rustapp@0.1.0", "tokio@1.8.0", "autocfg@1.5.1"]]);
    assert_eq!(strings(&autocfg["dependents"]), ["num-traits@0.2.19", "tokio@1.8.0"]);
    assert_eq!(autocfg["path"], "/src/rustapp/Cargo.lock");

    let nghttp2 = why("libnghttp2-14");
    let curl = "7.88.1-10+deb12u15";
    assert_eq!(
        chains(&nghttp2),
        [[format!("curl@{curl}"), format!("libcurl4@{curl}"), "libnghttp2-14@1.52.0-1+deb12u3".into()]]
    );
    assert_eq!(strings(&nghttp2["dependents"]), [format!("libcurl4@{curl}")]);
    assert_eq!(nghttp2["created_by"], "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit");

    let out = hullguard(Path::new("."), &["why", "curl", &spec, "-q"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "curl 7.88.1-10+deb12u15 (deb, /var/lib/dpkg/status)\n  \
         added by layer 1: RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit\n  \
         nothing depends on it: removing it should be safe\n"
    );
}

#[test]
fn a_package_the_image_lacks_exits_1() {
    let out = hullguard(Path::new("."), &["why", "nonesuch", &app_mixed(), "-q"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "no package named nonesuch in app-mixed:latest\n");
    assert!(out.stdout.is_empty());
}
