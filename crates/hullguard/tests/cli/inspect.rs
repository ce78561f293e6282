//! `hullguard inspect` on the real shared images: output content, formats, exit codes.

use std::path::Path;

use serde_json::Value;

use crate::support::{Scratch, hullguard, hullguard_json, image};

fn stderr_line(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "exactly one error line, got: {err}");
    err.trim_end().to_string()
}

#[test]
fn json_summary_of_app_mixed() {
    let spec = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let doc = hullguard_json(&["inspect", &spec, "--format", "json"]);
    assert_eq!(doc["config_digest"], "sha256:e628990d62adc26e8692323cb92e1042f5c6b91b10eb1a4b747e6a993542aac4");
    assert_eq!(doc["manifest_digest"], "sha256:a31946e35b5df1bd5890bdd33beb273e1027f8a1b94d3a301dad4298d7a63b77");
    assert_eq!(doc["platform"], "linux/amd64");
    let layers = doc["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 10);
    assert_eq!(layers[0]["digest"], "sha256:c9710b76af6abc98c11e1a2a352bc7ca905554966de3a7a2aa65563298c46941");
    assert_eq!(layers[0]["diff_id"], "sha256:5c903e763b41bc8a59c675409d9a51225ea7fae15dfeb1ddbe93cc2ddfe26b4b");
    assert_eq!(layers[0]["size"], 28_187_897);
    assert_eq!(layers[0]["uncompressed_size"], 77_557_760);
    assert_eq!(layers[3]["compression"], "zstd");
    assert_eq!(layers[3]["media_type"], "application/vnd.oci.image.layer.v1.tar+zstd");
    assert_eq!(layers[9]["whiteouts"], 2);
    assert_eq!(layers[9]["files"], 0);
    assert_eq!(layers[6]["files"], 3);
    assert_eq!(doc["config"]["exposed_ports"], serde_json::json!(["22/tcp", "8080/tcp"]));
    assert_eq!(doc["config"]["healthcheck"], Value::Null);
    assert_eq!(doc["history"].as_array().unwrap().len(), 16);
    // The fake AWS secret in ENV and in history is masked everywhere.
    let text = doc.to_string();
    assert!(!text.contains("yytVNcaKQUY6vCPe6fSt"), "secret leaked");
    assert!(doc["config"]["env"].as_array().unwrap().contains(&Value::from("AWS_SECRET_ACCESS_KEY=yytV*****")));
    assert_eq!(doc["history"][5]["created_by"], "ENV AWS_DEFAULT_REGION=eu-west-1 AWS_SECRET_ACCESS_KEY=yytV*****");
}

#[test]
fn table_summary_of_secrets_layers() {
    let out = hullguard(Path::new("."), &["inspect", &image("secrets-layers.oci.tar")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "Config      sha256:5ae8db8239a10e2ca49f467e5b9af088033958bd4987fd5ab875844f55d09df0",
        "Manifest    sha256:09b787514df9212309d812b632fce8496cfb67f1cd1a6a68140406d1aa4f1803",
        "User        1000:1000",
        "Healthcheck CMD /app/run --health",
        "Cmd         /app/run",
    ] {
        assert!(text.lines().any(|l| l == line), "missing line {line:?} in\n{text}");
    }
    let layer_rows: Vec<&str> = text.lines().filter(|l| l.starts_with(|c: char| c.is_ascii_digit())).collect();
    assert_eq!(layer_rows.len(), 4);
    assert!(layer_rows[2].starts_with("2    sha256:0656da9aebfd sha256:4c73377b560c"), "{}", layer_rows[2]);
}

#[test]
fn files_merged_and_per_layer() {
    let src = image("secrets-layers.docker.tar");
    let merged = hullguard_json(&["inspect", &src, "--files", "-f", "json"]);
    let files = merged["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "/app",
            "/app/build",
            "/app/build/README",
            "/app/config",
            "/app/config/app.yaml",
            "/app/run",
            "/app/uploads",
            "/root",
            "/root/.aws",
            "/root/.aws/credentials",
            "/tmp",
            "/usr",
            "/usr/bin",
            "/usr/bin/fakesu"
        ]
    );
    let fakesu = files.iter().find(|f| f["path"] == "/usr/bin/fakesu").unwrap();
    assert_eq!(
        (fakesu["mode"].as_str(), fakesu["uid"].as_u64(), fakesu["layer"].as_u64()),
        (Some("4755"), Some(0), Some(2))
    );
    let out = hullguard(Path::new("."), &["inspect", &src, "--files", "--layer", "1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "d0755     0:0              0   1 /app\n\
         d0755     0:0              0   1 /app/build\n\
         w0644     0:0              0   1 /app/build/.wh..wh..opq hides lower contents of /app/build\n\
         -0644     0:0             21   1 /app/build/README\n\
         d0755     0:0              0   1 /app/config\n\
         w0644     0:0              0   1 /app/config/.wh..env deletes /app/config/.env\n"
    );
}

#[test]
fn bundle_without_a_name_lists_the_images() {
    let s = Scratch::new();
    let out = hullguard(s.dir.path(), &["inspect", &format!("oci-archive:{}", image("bookworm-images.oci.tar"))]);
    assert_eq!(out.status.code(), Some(2));
    let line = stderr_line(&out);
    assert!(
        line.ends_with("the layout holds 2 images (debian-base:latest, app-mixed:latest); name one, e.g. oci-archive:")
            || line.contains("the layout holds 2 images (debian-base:latest, app-mixed:latest)"),
        "{line}"
    );
    let out = hullguard(
        s.dir.path(),
        &["inspect", &format!("docker-archive:{}:nope:1", image("bookworm-images.docker.tar"))],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_line(&out)
            .ends_with("no image named \"nope:1\"; the archive holds: debian-base:latest, app-mixed:latest")
    );
    assert!(s.files().is_empty());
}

#[test]
fn platform_selection() {
    let src = image("secrets-layers.oci.tar");
    let out = hullguard(Path::new("."), &["inspect", &src, "--platform", "linux/arm64"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).ends_with("no image for platform linux/arm64; available: linux/amd64"), "{:?}", out);
    let doc = hullguard_json(&["inspect", &src, "--platform", "linux/amd64", "-f", "json"]);
    assert_eq!(doc["platform"], "linux/amd64");
    let out = hullguard(Path::new("."), &["inspect", &src, "--platform", "linux"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_line(&out), "hullguard: linux: platform must be os/arch[/variant], e.g. linux/amd64");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let out = hullguard(Path::new("."), &["inspect", "/nonexistent/image.tar"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_line(&out), "hullguard: /nonexistent/image.tar: No such file or directory (os error 2)");
    let out = hullguard(Path::new("."), &["inspect", "oci-archive:/nonexistent/x.tar"]);
    assert_eq!(stderr_line(&out), "hullguard: /nonexistent/x.tar: No such file or directory (os error 2)");
    let out = hullguard(Path::new("."), &["inspect", &image("secrets-layers.oci.tar"), "--files", "--layer", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).ends_with("no layer 9; the image has 4 layers (0-3)"));
}

#[test]
fn rootfs_directory() {
    let s = Scratch::new();
    let root = s.path("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/os-release"), "ID=test\n").unwrap();
    std::os::unix::fs::symlink("/etc/os-release", root.join("os-release")).unwrap();
    let spec = format!("dir:{}", root.display());
    let doc = hullguard_json(&["inspect", &spec, "--files", "-f", "json"]);
    let rows: Vec<(String, String, u64)> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["type"].as_str().unwrap().to_string(),
                f["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("/etc".into(), "dir".into(), 0),
            ("/etc/os-release".into(), "file".into(), 8),
            ("/os-release".into(), "symlink".into(), 0)
        ]
    );
}

#[test]
fn multi_platform_index_and_oci_directory() {
    use crate::support::{Layer, OciArchive, RawEntry};
    use serde_json::json;
    let s = Scratch::new();
    // Two single-platform images plus an attestation entry, under one index.
    let mut arch = OciArchive::new(Vec::new());
    let mut entries = Vec::new();
    for (arch_name, file) in [("amd64", "amd"), ("arm64", "arm")] {
        let layer = Layer::gzip(&[RawEntry::file(file, arch_name.as_bytes())]);
        let (ld, ln) = arch.add_blob(layer.blob.clone());
        let config = json!({"architecture": arch_name, "os": "linux", "config": {},
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]}, "history": [{"created_by": format!("COPY {file}")}]});
        let (cd, cn) = arch.add_blob(serde_json::to_vec(&config).unwrap());
        let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cn},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": ln}]});
        let (md, mn) = arch.add_blob(serde_json::to_vec(&manifest).unwrap());
        entries.push(json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": mn,
            "platform": {"os": "linux", "architecture": arch_name}}));
    }
    let mut attestation = entries[0].clone();
    attestation["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    entries.insert(0, attestation);
    arch.manifest["config"]["digest"] = json!("unused");
    arch.index =
        json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries});
    let path = arch.write(&s.path("multi.tar")).display().to_string();
    let files = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["inspect", path.as_str(), "--files", "-f", "json"];
        args.extend_from_slice(extra);
        let doc = hullguard_json(&args);
        doc["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(files(&[]), ["/amd"], "default: the host platform (amd64)");
    assert_eq!(files(&["--platform", "linux/arm64"]), ["/arm"]);
    let out = hullguard(s.dir.path(), &["inspect", &path, "--platform", "linux/s390x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).ends_with("no image for platform linux/s390x; available: linux/amd64, linux/arm64"));

    // The same layout unpacked to a directory reads as `oci:DIR`.
    let dir = s.path("layout");
    std::fs::create_dir(&dir).unwrap();
    let st = std::process::Command::new("tar")
        .arg("-xf")
        .arg(image("bookworm-images.oci.tar"))
        .arg("-C")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let doc = hullguard_json(&["inspect", &format!("oci:{}:debian-base", dir.display()), "-f", "json"]);
    assert_eq!(doc["config_digest"], "sha256:08467f03494edd665e3455049b4db90121eb28305cb49058138f854a7f8bf335");
    let out = hullguard(s.dir.path(), &["inspect", "--input", &dir.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "two images: needs a name");
    assert!(stderr_line(&out).contains("the layout holds 2 images (debian-base:latest, app-mixed:latest)"));
}
