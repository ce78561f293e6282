//! The same image read from its OCI archive, its docker archive and the Docker Engine (after
//! `docker load`) gives the identical config digest, diff_ids and merged file listing.

use std::process::Command;

use serde_json::Value;

use crate::support::{hullguard_json, image, required};

fn docker_up() -> bool {
    if !required("docker") {
        return false;
    }
    let ok = Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success());
    assert!(ok || std::env::var("CI").is_err(), "the Docker Engine must be running in CI");
    ok
}

fn docker_load(archive: &str) {
    let out = Command::new("docker").args(["load", "-i", archive]).output().unwrap();
    assert!(out.status.success(), "docker load: {}", String::from_utf8_lossy(&out.stderr));
}

fn identity(spec: &str) -> (Value, Vec<Value>, Value) {
    let summary = hullguard_json(&["inspect", spec, "--format", "json", "--quiet"]);
    let files = hullguard_json(&["inspect", spec, "--files", "--format", "json", "--quiet"]);
    let diff_ids = summary["layers"].as_array().unwrap().iter().map(|l| l["diff_id"].clone()).collect();
    (summary["config_digest"].clone(), diff_ids, files["files"].clone())
}

#[test]
fn engine_archives_and_oci_agree() {
    if !docker_up() {
        return;
    }
    docker_load(&image("secrets-layers.docker.tar"));
    docker_load(&image("bookworm-images.docker.tar"));
    let cases = [
        (
            "docker:secrets-layers:latest".to_string(),
            format!("oci-archive:{}", image("secrets-layers.oci.tar")),
            format!("docker-archive:{}", image("secrets-layers.docker-uncompressed.tar")),
        ),
        (
            "app-mixed:latest".to_string(),
            format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar")),
            format!("docker-archive:{}:app-mixed:latest", image("bookworm-images.docker.tar")),
        ),
    ];
    for (engine, oci, archive) in cases {
        let from_engine = identity(&engine);
        assert_eq!(from_engine, identity(&oci), "{engine} vs {oci}");
        assert_eq!(from_engine, identity(&archive), "{engine} vs {archive}");
        assert!(from_engine.2.as_array().unwrap().len() > 10);
    }
    // By image id too.
    let by_id = hullguard_json(&["inspect", "docker:5ae8db8239a1", "-f", "json", "-q"]);
    assert_eq!(by_id["config_digest"], "sha256:5ae8db8239a10e2ca49f467e5b9af088033958bd4987fd5ab875844f55d09df0");
    assert_eq!(by_id["names"], serde_json::json!(["secrets-layers:latest"]));
}

#[test]
fn engine_errors_are_one_line() {
    if !docker_up() {
        return;
    }
    let out = crate::support::hullguard(std::path::Path::new("."), &["inspect", "docker:hullguard-no-such-image:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hullguard: docker:hullguard-no-such-image:0: no such image in the Docker Engine\n"
    );
    let out = assert_cmd::Command::cargo_bin("hullguard")
        .unwrap()
        .args(["inspect", "docker:secrets-layers:latest"])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "hullguard: docker:secrets-layers:latest: cannot reach the Docker Engine at unix:///nonexistent/docker.sock"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
}
