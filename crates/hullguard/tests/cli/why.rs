//! `hullguard why` end to end: exact chains for an npm, a Cargo, a dpkg and a Python package of
//! app-mixed, and dev-only packages of a project tree.

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

    // Python: Requires-Dist edges within site-packages (installed with --no-deps, so click,
    // itsdangerous and MarkupSafe are absent and have no edge).
    let werkzeug = why("Werkzeug");
    assert_eq!(chains(&werkzeug), [["Flask@1.1.2", "Werkzeug@1.0.1"]]);
    assert_eq!(chains(&why("urllib3")), [["requests@2.25.0", "urllib3@1.26.4"]]);
    let jinja2 = why("Jinja2");
    assert_eq!(
        (strings(&jinja2["dependents"]), jinja2["dev_only"].as_bool()),
        (vec!["Flask@1.1.2".into()], Some(false))
    );

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

/// A project tree: `app` needs `lib` at run time and `kit` (which brings `assert` and shares
/// `util` with `lib`) only to develop, as its lockfile's root entry says.
fn project_with_dev_dependencies(root: &Path) {
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "app/package-lock.json",
        r#"{"name": "app", "lockfileVersion": 3, "packages": {"": {"name": "app", "version": "1.0.0",
           "dependencies": {"lib": "1"}, "devDependencies": {"kit": "2"}}}}"#,
    );
    write("app/package.json", r#"{"name": "app", "version": "1.0.0"}"#);
    let manifest = |name: &str, version: &str, deps: &str| {
        write(
            &format!("app/node_modules/{name}/package.json"),
            &format!(r#"{{"name": "{name}", "version": "{version}", "dependencies": {{{deps}}}}}"#),
        );
    };
    manifest("lib", "1.0.0", r#""util": "1""#);
    manifest("kit", "2.0.0", r#""util": "1", "assert": "3""#);
    manifest("util", "1.1.0", "");
    manifest("assert", "3.0.0", "");
}

#[test]
fn dev_only_packages_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    project_with_dev_dependencies(tmp.path());
    let spec = format!("dir:{}", tmp.path().display());
    let dev_only = |name: &str| {
        let doc = hullguard_json(&["why", name, &spec, "-f", "json", "-q"]);
        doc["matches"][0]["dev_only"].as_bool().unwrap()
    };
    let got: Vec<(&str, bool)> = ["lib", "kit", "util", "assert"].into_iter().map(|n| (n, dev_only(n))).collect();
    assert_eq!(got, [("lib", false), ("kit", true), ("util", false), ("assert", true)]);
    let out = hullguard(Path::new("."), &["why", "assert", &spec, "-q"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "assert 3.0.0 (npm, /app/node_modules/assert/package.json)\n  \
         added by layer 0\n  \
         depended on by 1: kit 2.0.0\n  \
         only a development or build dependency: every chain passes a project's dev dependencies\n  \
         chain: app 1.0.0 > kit 2.0.0 > assert 3.0.0\n"
    );
}

#[test]
fn cargo_dev_and_build_dependencies_from_the_project_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = tmp.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    // app needs serde at run time, proptest to test and cc to build; proptest brings serde too.
    write(
        "src/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n\
         [dev-dependencies]\nproptest = \"1\"\n[build-dependencies]\ncc = \"1\"\n",
    );
    let registry = "source = \"registry+https://github.com/rust-lang/crates.io-index\"";
    write(
        "src/app/Cargo.lock",
        &format!(
            "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"cc\", \"proptest\", \"serde\"]\n\n\
             [[package]]\nname = \"cc\"\nversion = \"1.2.0\"\n{registry}\n\n\
             [[package]]\nname = \"proptest\"\nversion = \"1.5.0\"\n{registry}\ndependencies = [\"bitflags\", \"serde\"]\n\n\
             [[package]]\nname = \"bitflags\"\nversion = \"2.6.0\"\n{registry}\n\n\
             [[package]]\nname = \"serde\"\nversion = \"1.0.200\"\n{registry}\n"
        ),
    );
    let spec = format!("dir:{}", tmp.path().display());
    let dev_only = |name: &str| {
        let doc = hullguard_json(&["why", name, &spec, "-f", "json", "-q", "--no-cache"]);
        doc["matches"][0]["dev_only"].as_bool().unwrap()
    };
    let got: Vec<(&str, bool)> =
        ["serde", "proptest", "cc", "bitflags"].into_iter().map(|n| (n, dev_only(n))).collect();
    assert_eq!(got, [("serde", false), ("proptest", true), ("cc", true), ("bitflags", true)]);
}
