//! How a SOURCE argument is resolved, and what its errors say: a bare name is an image
//! reference (never a folder that happens to share its name), a path is written as one.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Scratch, hullguard, image, required};

fn docker_up() -> bool {
    required("docker") && Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success())
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bare_name_is_an_image_even_beside_a_folder_of_that_name() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("app-mixed/etc")).unwrap();
    std::fs::create_dir_all(s.path("hullguard-no-such-image")).unwrap();
    if docker_up() {
        let out = Command::new("docker").args(["load", "-i", &image("bookworm-images.docker.tar")]).output().unwrap();
        assert!(out.status.success(), "docker load: {}", stderr(&out));
        let out = hullguard(s.dir.path(), &["inventory", "--no-cache", "app-mixed", "-f", "json", "-q"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["source"], "docker:app-mixed");
        assert!(doc["packages"].as_array().unwrap().len() > 100, "{doc}");
    }
    let out = hullguard(s.dir.path(), &["image", "--scanners", "misconfig", "hullguard-no-such-image"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    if docker_up() {
        assert_eq!(
            err,
            "hullguard: docker:hullguard-no-such-image: no such image in the Docker Engine; to scan the path \
             `hullguard-no-such-image` write ./hullguard-no-such-image (or dir:, oci:, docker-archive:)\n"
        );
    }
    assert!(!err.contains("0 packages"), "{err}");
}

#[test]
fn an_empty_root_filesystem_is_a_warning() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("app-mixed/etc")).unwrap();
    for spec in ["./app-mixed", "dir:app-mixed"] {
        let out = hullguard(s.dir.path(), &["inventory", "--no-cache", spec]);
        assert!(out.status.success(), "{}", stderr(&out));
        let shown = spec.strip_prefix("dir:").unwrap_or(spec);
        assert_eq!(
            stderr(&out),
            format!(
                "hullguard: warning: dir:{shown}: no OS release and no packages found; is this a root filesystem?\n"
            )
        );
    }
}

#[test]
fn a_missing_file_is_named_as_missing() {
    const MISSING: &str = "/nonexistent/file.tar";
    for args in [&["image", "--scanners", "misconfig", MISSING][..], &["inspect", MISSING], &["inventory", MISSING]] {
        let out = hullguard(Path::new("."), args);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(stderr(&out), format!("hullguard: {MISSING}: No such file or directory (os error 2)\n"));
    }
}

#[test]
fn engine_errors_name_the_host_and_registries() {
    let out = assert_cmd::Command::cargo_bin("hullguard")
        .unwrap()
        .args(["inspect", "docker:app-mixed"])
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("hullguard: docker:app-mixed: "), "{err}");
    assert!(err.contains("tcp://127.0.0.1:1"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    if !docker_up() {
        return;
    }
    // A name with a registry host is pulled from it; asked of the Engine, the hint says how.
    for reference in ["ghcr.io/hullguard/no-such-image:1", "localhost:5000/none"] {
        let out = hullguard(Path::new("."), &["inspect", &format!("docker:{reference}")]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!(
                "hullguard: docker:{reference}: no such image in the Docker Engine; to pull it from its registry \
                 write registry:{reference} (or leave out docker:)\n"
            )
        );
    }
}
