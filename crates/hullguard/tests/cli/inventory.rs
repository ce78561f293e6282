//! `hullguard inventory` end to end.

use std::path::Path;

use crate::support::{hullguard, hullguard_json, image, python_check};

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

#[test]
fn cyclonedx_is_valid_deterministic_and_complete() {
    let spec = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let run = || {
        let out = hullguard(Path::new("."), &["inventory", &spec, "-f", "cyclonedx", "-q"]);
        assert!(out.status.success());
        out.stdout
    };
    let first = run();
    assert_eq!(first, run(), "byte-identical on every run");
    let doc: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    assert_eq!(doc["metadata"]["component"]["name"], "app-mixed:latest");
    let components = doc["components"].as_array().unwrap();
    assert_eq!(components.len(), 1 + 110 + 8 + 56 + 46 + 9 + 5, "os + dpkg + python + npm + cargo + go + maven");
    assert_eq!(components[0]["type"], "operating-system");
    let jinja = components.iter().find(|c| c["name"] == "Jinja2").unwrap();
    assert_eq!(jinja["purl"], "pkg:pypi/jinja2@2.11.2");
    let props: Vec<(&str, &str)> = jinja["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    assert!(props.contains(&("hullguard:layer:index", "3")));
    assert!(props.contains(&(
        "hullguard:layer:diff_id",
        "sha256:48eb2435ddfc192b481c0620495560109a279959eb7cb7a888556f980e8fdc25"
    )));
    let script = "import sys\nfrom cyclonedx.validation.json import JsonStrictValidator\nfrom cyclonedx.schema import SchemaVersion\n\
                  e = JsonStrictValidator(SchemaVersion.V1_6).validate_str(sys.stdin.read())\nprint(e or 'valid')\n";
    if let Some(verdict) = python_check(script, &first) {
        assert_eq!(verdict, "valid");
    }
}

#[test]
fn spdx_is_valid_and_complete() {
    let spec = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let out = hullguard(Path::new("."), &["inventory", &spec, "-f", "spdx-json", "-q"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["creationInfo"]["created"], "2026-11-01T00:00:00Z");
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2 + 110 + 8 + 56 + 46 + 9 + 5, "image + os + dpkg + python + npm + cargo + go + maven");
    let curl = packages.iter().find(|p| p["name"] == "curl").unwrap();
    assert_eq!(
        curl["sourceInfo"],
        "layer 1 (sha256:9fc6bbf75e0037fc9de011ffcd0150bd62ff1040280412fc399bbf720ec5bf40) at /var/lib/dpkg/status"
    );
    assert_eq!(
        curl["externalRefs"][0]["referenceLocator"],
        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64&distro=debian-12"
    );
    assert_eq!(doc["relationships"].as_array().unwrap().len(), packages.len());
    let script = "import sys, tempfile\nfrom spdx_tools.spdx.parser.parse_anything import parse_file\n\
                  from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document\n\
                  f = tempfile.NamedTemporaryFile(suffix='.spdx.json', delete=False); f.write(sys.stdin.buffer.read()); f.close()\n\
                  m = validate_full_spdx_document(parse_file(f.name))\nprint('\\n'.join(x.validation_message for x in m) or 'valid')\n";
    if let Some(verdict) = python_check(script, &out.stdout) {
        assert_eq!(verdict, "valid");
    }
}
