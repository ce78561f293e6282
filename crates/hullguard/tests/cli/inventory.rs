//! `hullguard inventory` end to end.

use std::path::Path;

use crate::support::{hullguard, hullguard_json, image};

#[test]
fn json_inventory_of_app_mixed() {
    let spec = format!("docker-archive:{}:app-mixed:latest", image("bookworm-images.docker.tar"));
    let doc = hullguard_json(&["inventory", &spec, "-f", "json", "-q"]);
    assert_eq!(doc["os"]["id"], "debian");
    assert_eq!(doc["os"]["version_id"], "12");
    let packages = doc["packages"].as_array().unwrap();
    let count = |eco: &str| packages.iter().filter(|p| p["ecosystem"] == eco).count();
    assert_eq!((count("deb"), count("pypi"), count("npm")), (110, 8, 56));
    let curl = packages.iter().find(|p| p["name"] == "curl").unwrap();
    assert_eq!(curl["version"], "7.88.1-10+deb12u15");
    assert_eq!(curl["layer"], 1);
    assert_eq!(curl["diff_id"], "sha256:9fc6bbf75e0037fc9de011ffcd0150bd62ff1040280412fc399bbf720ec5bf40");
    assert_eq!(curl["purl"], "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64&distro=debian-12");
    let django = packages.iter().find(|p| p["name"] == "Django").unwrap();
    assert_eq!(django["purl"], "pkg:pypi/django@3.2");
    assert!(!packages.iter().any(|p| p["name"] == "six"));
    assert_eq!(doc["warnings"], serde_json::json!([]));
}

#[test]
fn table_inventory_of_secrets_layers_has_no_packages() {
    let out = hullguard(Path::new("."), &["inventory", &image("secrets-layers.oci.tar")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().next().unwrap().ends_with("secrets-layers.oci.tar  (unknown, 0 packages)"), "{text}");
    assert_eq!(text.lines().count(), 3);
}
