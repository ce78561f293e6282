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
    // Dependencies: one entry per package with edges, sorted by ref, every ref a component.
    let refs: std::collections::BTreeSet<&str> = components.iter().filter_map(|c| c["bom-ref"].as_str()).collect();
    let dependencies = doc["dependencies"].as_array().unwrap();
    let dep_refs: Vec<&str> = dependencies.iter().map(|d| d["ref"].as_str().unwrap()).collect();
    assert!(dep_refs.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    let targets: Vec<&str> =
        dependencies.iter().flat_map(|d| d["dependsOn"].as_array().unwrap()).map(|t| t.as_str().unwrap()).collect();
    assert!(dep_refs.iter().chain(&targets).all(|r| refs.contains(r)));
    assert_eq!(
        (dependencies.len(), targets.len()),
        (145, 446),
        "packages with edges, edges (100 and 274 dpkg, 3 Python)"
    );
    let goapp = dependencies
        .iter()
        .find(|d| d["ref"] == "pkg:golang/example.com/fixtures/goapp@%28devel%29|/usr/local/bin/goapp")
        .unwrap();
    assert_eq!(
        goapp["dependsOn"],
        serde_json::json!([
            "pkg:golang/github.com/dgrijalva/jwt-go@v3.2.0%2Bincompatible|/usr/local/bin/goapp",
            "pkg:golang/github.com/sirupsen/logrus@v1.9.0|/usr/local/bin/goapp",
            "pkg:golang/golang.org/x/net@v0.7.0|/usr/local/bin/goapp",
            "pkg:golang/golang.org/x/sys@v0.3.0|/usr/local/bin/goapp",
            "pkg:golang/gopkg.in/yaml.v2@v2.4.0|/usr/local/bin/goapp",
            "pkg:golang/stdlib@go1.19.8|/usr/local/bin/goapp"
        ])
    );
    let debug =
        dependencies.iter().find(|d| d["ref"] == "pkg:npm/debug@2.6.9|/app/node_modules/debug/package.json").unwrap();
    assert_eq!(debug["dependsOn"], serde_json::json!(["pkg:npm/ms@2.0.0|/app/node_modules/ms/package.json"]));
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
    let relationships = doc["relationships"].as_array().unwrap();
    let kind = |k: &str| relationships.iter().filter(|r| r["relationshipType"] == k).count();
    assert_eq!((kind("DESCRIBES"), kind("CONTAINS"), kind("DEPENDS_ON")), (1, packages.len() - 1, 446));
    assert_eq!(relationships.len(), packages.len() + 446);
    let id_of = |name: &str, version: &str| {
        packages.iter().find(|p| p["name"] == name && p["versionInfo"] == version).unwrap()["SPDXID"].clone()
    };
    let send_ms: Vec<&serde_json::Value> = relationships
        .iter()
        .filter(|r| r["relationshipType"] == "DEPENDS_ON" && r["spdxElementId"] == id_of("send", "0.17.1"))
        .map(|r| &r["relatedSpdxElement"])
        .filter(|t| **t == id_of("ms", "2.1.1") || **t == id_of("ms", "2.0.0"))
        .collect();
    assert_eq!(send_ms, [&id_of("ms", "2.1.1")], "send loads its nested ms");
    let script = "import sys, tempfile\nfrom spdx_tools.spdx.parser.parse_anything import parse_file\n\
                  from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document\n\
                  f = tempfile.NamedTemporaryFile(suffix='.spdx.json', delete=False); f.write(sys.stdin.buffer.read()); f.close()\n\
                  m = validate_full_spdx_document(parse_file(f.name))\nprint('\\n'.join(x.validation_message for x in m) or 'valid')\n";
    if let Some(verdict) = python_check(script, &out.stdout) {
        assert_eq!(verdict, "valid");
    }
}

#[test]
fn sbom_round_trip_and_foreign_sboms() {
    let s = crate::support::Scratch::new();
    let spec = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let direct = hullguard_json(&["inventory", &spec, "-f", "json", "-q"]);
    let edge_count = |d: &serde_json::Value| -> usize {
        d["packages"].as_array().unwrap().iter().filter_map(|p| p["depends_on"].as_array()).map(Vec::len).sum()
    };
    assert_eq!(edge_count(&direct), 446, "172 language (3 Python), 274 dpkg");
    for (format, file) in [("cyclonedx", "ours.cdx.json"), ("spdx-json", "ours.spdx.json")] {
        let out = hullguard(Path::new("."), &["inventory", &spec, "-f", format, "-q"]);
        std::fs::write(s.path(file), &out.stdout).unwrap();
        let back =
            hullguard_json(&["sbom", &s.path(file).display().to_string(), "--list-packages", "-f", "json", "-q"]);
        assert_eq!(back["warnings"], serde_json::json!([]), "{format}");
        if format == "cyclonedx" {
            // Lossless: every field of every package, and the OS.
            assert_eq!(back["packages"], direct["packages"], "{format}");
            assert_eq!(back["os"], direct["os"]);
        } else {
            // SPDX carries the source package in the purl's `upstream` qualifier: compare what
            // it carries, edges and source packages included.
            let key = |d: &serde_json::Value| -> Vec<String> {
                let mut v: Vec<String> = d["packages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {} {} {} {} {} {} {}",
                            p["purl"],
                            p["name"],
                            p["version"],
                            p["source_name"],
                            p["source_version"],
                            p["path"],
                            p["layer"],
                            p["diff_id"],
                            p["depends_on"]
                        )
                    })
                    .collect();
                v.sort();
                v
            };
            assert_eq!(edge_count(&back), 446);
            let (back, direct) = (key(&back), key(&direct));
            assert_eq!(back.len(), direct.len());
            let first_difference = back.iter().zip(&direct).find(|(a, b)| a != b);
            assert_eq!(first_difference, None, "{format}");
        }
    }
    let out = hullguard(s.dir.path(), &["sbom", "Cargo.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "hullguard: Cargo.toml: No such file or directory (os error 2)\n");
    std::fs::write(s.path("x.json"), b"{\"hello\": 1}").unwrap();
    let out = hullguard(s.dir.path(), &["sbom", "x.json"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "hullguard: x.json: neither a CycloneDX nor an SPDX JSON document\n"
    );

    // Syft's SBOMs of the same image read into the same packages (Syft names Go main packages
    // of GOPATH builds, which have no module: runc and gosu).
    if !crate::support::required("syft") {
        return;
    }
    let single = s.path("app-mixed.oci.tar");
    let split = std::process::Command::new("python3")
        .arg(crate::support::shared().join("images/tools/imgtool.py"))
        .args([
            "split",
            &image("bookworm-images.oci.tar"),
            "app-mixed",
            &single.display().to_string(),
            "--format",
            "oci",
        ])
        .output()
        .unwrap();
    assert!(split.status.success());
    let cdx = format!("cyclonedx-json={}", s.path("syft.cdx.json").display());
    let spdx = format!("spdx-json={}", s.path("syft.spdx.json").display());
    let syft = std::process::Command::new("syft")
        .args(["-q", &format!("oci-archive:{}", single.display()), "-o", &cdx, "-o", &spdx])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(syft.status.success());
    let read = |file: &str| {
        hullguard_json(&["sbom", &s.path(file).display().to_string(), "--list-packages", "-f", "json", "-q"])
    };
    let theirs = read("syft.cdx.json");
    // Syft's edges (dpkg Depends, Go main module → modules, …) come back from its CycloneDX
    // `dependencies` and its SPDX `DEPENDENCY_OF` relationships alike.
    let theirs_spdx = read("syft.spdx.json");
    let edges_of = |d: &serde_json::Value, name: &str| -> serde_json::Value {
        d["packages"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["depends_on"].clone()
    };
    for d in [&theirs, &theirs_spdx] {
        assert_eq!(edge_count(d), 285);
        assert_eq!(
            edges_of(d, "curl"),
            serde_json::json!(["libc6@2.36-9+deb12u14", "libcurl4@7.88.1-10+deb12u15", "zlib1g@1:1.2.13.dfsg-1"])
        );
        assert_eq!(edges_of(d, "example.com/fixtures/goapp"), edges_of(&direct, "example.com/fixtures/goapp"));
    }
    let count = |d: &serde_json::Value, eco: &str| {
        d["packages"].as_array().unwrap().iter().filter(|p| p["ecosystem"] == eco).count()
    };
    for (eco, n) in [("deb", 110), ("npm", 56), ("pypi", 8), ("maven", 5), ("golang", 11)] {
        assert_eq!(count(&theirs, eco), n, "{eco}");
    }
    let names = |d: &serde_json::Value, eco: &str| -> std::collections::BTreeSet<(String, String)> {
        d["packages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["ecosystem"] == eco)
            .map(|p| (p["name"].as_str().unwrap().to_ascii_lowercase(), p["version"].as_str().unwrap().to_string()))
            .collect()
    };
    for eco in ["deb", "npm", "pypi", "maven"] {
        assert_eq!(names(&theirs, eco), names(&direct, eco), "{eco}: Syft and hullguard agree");
    }
}

#[test]
fn layer_cache_reuses_shared_layers_and_still_verifies_blobs() {
    use crate::support::{Layer, OciArchive, RawEntry, Scratch};
    let s = Scratch::new();
    let cache = s.path("cache").display().to_string();
    let run = |spec: &str, extra: &[&str]| {
        let mut args = vec!["inventory", spec, "-f", "json", "-q"];
        args.extend_from_slice(extra);
        let out = assert_cmd::Command::cargo_bin("hullguard")
            .unwrap()
            .args(&args)
            .env("HULLGUARD_LOG", "info")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let base = format!("oci-archive:{}:debian-base", image("bookworm-images.oci.tar"));
    let app = format!("oci-archive:{}:app-mixed", image("bookworm-images.oci.tar"));
    let (_, _, log) = run(&base, &["--cache-dir", &cache]);
    assert!(log.contains("layer cache: 0 of 1 layers reused"), "{log}");
    let (code, warm, log) = run(&app, &["--cache-dir", &cache]);
    assert_eq!(code, Some(0));
    assert!(log.contains("layer cache: 1 of 10 layers reused"), "the shared base layer: {log}");
    let (_, cold, _) = run(&app, &["--no-cache"]);
    assert_eq!(warm, cold, "a cached layer gives the same inventory");
    let (_, _, log) = run(&app, &["--cache-dir", &cache]);
    // Every blob of that archive was proved on an earlier read and is unchanged on disk.
    assert!(log.contains("layer cache: 10 of 10 layers reused, 10 of their blobs unchanged since proved"), "{log}");

    // A cache hit never hides a tampered blob: a blob is hashed against the manifest again
    // whenever its file may have changed (a new inode, size, modification or change time).
    let layer = Layer::gzip(&[RawEntry::file("etc/os-release", b"ID=test\n")]);
    let good = OciArchive::new(vec![layer]).write(&s.path("good.tar")).display().to_string();
    let (code, _, log) = run(&good, &["--cache-dir", &cache]);
    assert!(code == Some(0) && log.contains("layer cache: 0 of 1 layers reused"), "{log}");
    let (_, _, log) = run(&good, &["--cache-dir", &cache]);
    assert!(log.contains("layer cache: 1 of 1 layers reused, 1 of their blobs unchanged"), "{log}");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options().append(true).open(&good).unwrap().set_modified(later).unwrap();
    let (code, _, log) = run(&good, &["--cache-dir", &cache]);
    assert!(code == Some(0) && log.contains("layer cache: 1 of 1 layers reused, 0 of their blobs unchanged"), "{log}");
    let mut bytes = std::fs::read(&good).unwrap();
    let blob = OciArchive::new(vec![Layer::gzip(&[RawEntry::file("etc/os-release", b"ID=test\n")])]).files[0].1.clone();
    let at = bytes.windows(blob.len()).position(|w| w == blob.as_slice()).unwrap();
    bytes[at + 20] ^= 0x55;
    // Rewritten in place, same size and path; and once more as a new file.
    std::fs::write(&good, &bytes).unwrap();
    let (code, _, log) = run(&good, &["--cache-dir", &cache]);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("digest mismatch: expected sha256:"), "{log}");
    std::fs::write(s.path("bad.tar"), &bytes).unwrap();
    let (code, _, log) = run(&s.path("bad.tar").display().to_string(), &["--cache-dir", &cache]);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("digest mismatch: expected sha256:"), "{log}");
}

#[test]
fn fs_inventories_lockfiles() {
    let inputs = crate::support::shared().join("images/inputs").display().to_string();
    let doc = hullguard_json(&["fs", &inputs, "--list-packages", "-f", "json", "-q"]);
    let packages = doc["packages"].as_array().unwrap();
    let count = |eco: &str| packages.iter().filter(|p| p["ecosystem"] == eco).count();
    assert_eq!((count("npm"), count("cargo"), count("golang")), (55, 46, 5));
    let logrus = packages.iter().find(|p| p["name"] == "github.com/sirupsen/logrus").unwrap();
    assert_eq!((logrus["version"].as_str(), logrus["path"].as_str()), (Some("v1.9.0"), Some("/goapp/go.mod")));
    assert_eq!(logrus["layer"], serde_json::Value::Null);
    // The lockfiles' edges: Cargo.lock (the workspace crate marked as the project) and
    // package-lock.json (Node's lookup: `send` loads its nested `ms`).
    let find = |name: &str, version: &str| {
        packages.iter().find(|p| p["name"] == name && p["version"] == version).unwrap_or_else(|| panic!("{name}"))
    };
    let rustapp = find("rustapp", "0.1.0");
    assert_eq!(rustapp["root_project"], true);
    assert_eq!(
        rustapp["depends_on"],
        serde_json::json!([
            "chrono@0.4.19",
            "hyper@0.14.9",
            "regex@1.5.4",
            "smallvec@1.6.0",
            "time@0.1.43",
            "tokio@1.8.0"
        ])
    );
    let edges = |eco: &str| -> usize {
        packages.iter().filter(|p| p["ecosystem"] == eco).filter_map(|p| p["depends_on"].as_array()).map(Vec::len).sum()
    };
    assert_eq!((edges("cargo"), edges("npm"), edges("golang")), (73, 85, 0));
    assert!(find("send", "0.17.1")["depends_on"].as_array().unwrap().contains(&serde_json::json!("ms@2.1.1")));
    assert_eq!(find("debug", "2.6.9")["depends_on"], serde_json::json!(["ms@2.0.0"]));

    let s = crate::support::Scratch::new();
    std::fs::create_dir_all(s.path("svc/node_modules/dep")).unwrap();
    std::fs::write(s.path("svc/requirements.txt"), "flask==2.0.1  # web\nrequests>=2\n-r other.txt\n").unwrap();
    std::fs::write(s.path("svc/node_modules/dep/package-lock.json"), "{}").unwrap();
    std::fs::write(s.path("svc/Gemfile.lock"), "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n\n")
        .unwrap();
    std::fs::write(s.path("composer.lock"), "not json").unwrap();
    let doc = hullguard_json(&["fs", &s.dir.path().display().to_string(), "--list-packages", "-f", "json", "-q"]);
    let got: Vec<(String, String, String)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["purl"].as_str().unwrap().into(),
                p["path"].as_str().unwrap().into(),
                p["ecosystem"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("pkg:pypi/flask@2.0.1".into(), "/svc/requirements.txt".into(), "pypi".into()),
            ("pkg:gem/rack@2.2.3".into(), "/svc/Gemfile.lock".into(), "gem".into()),
        ]
    );
    let warnings = doc["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().starts_with("/composer.lock: "), "{warnings:?}");
}

/// Issue "The scan must see what Docker sees", point 15: `--max-image-size` holds with a warm
/// cache too (cached layers count against it; one that would pass the cap is streamed, and the
/// cap says so as on a cold read).
#[test]
fn max_image_size_holds_with_a_warm_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let target = format!("oci-archive:{}:app-mixed", image("bookworm-images.oci.tar"));
    let run = |extra: &[&str]| {
        let mut args = vec!["inventory", &target, "--cache-dir", cache, "-q", "-f", "json"];
        args.extend_from_slice(extra);
        hullguard(Path::new("."), &args)
    };
    assert!(run(&[]).status.success(), "warming the cache");
    for _ in 0..2 {
        let out = run(&["--max-image-size", "50000000"]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("image expands beyond the 50000000 byte limit"), "{stderr}");
    }
    assert!(run(&[]).status.success(), "the cache still serves a scan within the cap");
}
