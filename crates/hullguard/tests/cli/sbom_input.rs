//! `hullguard sbom`: the SBOMs Syft (CycloneDX and SPDX) and hullguard write of app-mixed scan
//! to the image's own findings; malformed, partial, deep and oversized SBOMs are said so; big
//! SBOMs and `package.json` files are read in bounded memory.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::hostile::peak_rss_kib;
use crate::scan::db;
use crate::support::{RawEntry, Scratch, hullguard, image, of_kind, required, shared, tar, write_docker_archive};

fn app_mixed() -> String {
    format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"))
}

/// (ecosystem, package, installed version, advisory id) of every finding of a JSON report;
/// package names lowercased (Syft spells PyPI names as their purls do: `django`).
fn findings(out: &std::process::Output) -> BTreeSet<[String; 4]> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    of_kind(&report, "vulnerabilities")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_owned();
            [s("ecosystem"), s("package").to_lowercase(), s("installed"), s("id")]
        })
        .collect()
}

fn scan_sbom(path: &Path) -> std::process::Output {
    let db = db().to_str().unwrap();
    hullguard(Path::new("."), &["sbom", path.to_str().unwrap(), "--db", db, "-f", "json", "-q"])
}

/// Syft's CycloneDX and SPDX SBOMs of app-mixed, written now; `None` when Syft is not installed
/// (allowed outside CI).
fn syft_sboms(s: &Scratch) -> Option<(PathBuf, PathBuf)> {
    if !required("syft") {
        return None;
    }
    let single = s.path("app-mixed.oci.tar");
    let split = Command::new("python3")
        .arg(shared().join("images/tools/imgtool.py"))
        .args(["split", &image("bookworm-images.oci.tar"), "app-mixed", single.to_str().unwrap(), "--format", "oci"])
        .output()
        .unwrap();
    assert!(split.status.success(), "{}", String::from_utf8_lossy(&split.stderr));
    let (cdx, spdx) = (s.path("syft.cdx.json"), s.path("syft.spdx.json"));
    let syft = Command::new("syft")
        .args(["-q", &format!("oci-archive:{}", single.display())])
        .args(["-o", &format!("cyclonedx-json={}", cdx.display()), "-o", &format!("spdx-json={}", spdx.display())])
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap();
    assert!(syft.status.success(), "{}", String::from_utf8_lossy(&syft.stderr));
    Some((cdx, spdx))
}

#[test]
fn sboms_of_app_mixed_scan_to_the_image_findings() {
    let s = Scratch::new();
    let db = db().to_str().unwrap().to_owned();
    let from_image =
        findings(&hullguard(Path::new("."), &["image", "--no-cache", "--db", &db, &app_mixed(), "-f", "json", "-q"]));
    let debian = |set: &BTreeSet<[String; 4]>| set.iter().filter(|f| f[0] == "Debian:12").count();
    // 46 + the 37 CVEs that Debian changelog entries name beside the first (one finding each).
    assert_eq!(debian(&from_image), 83);
    // Our SPDX carries the source package (purl `upstream`): every Debian finding comes back.
    let ours = hullguard(Path::new("."), &["inventory", "--no-cache", &app_mixed(), "-f", "spdx-json", "-q"]);
    assert!(ours.status.success());
    std::fs::write(s.path("ours.spdx.json"), &ours.stdout).unwrap();
    assert_eq!(findings(&scan_sbom(&s.path("ours.spdx.json"))), from_image);
    let Some((cdx, spdx)) = syft_sboms(&s) else { return };
    // What Syft sees differently: it catalogs no Cargo.lock in an image (no crates.io
    // findings), and it reads runc's version (`v1.1.5+ds1`) where the build info has no module.
    let expected: BTreeSet<[String; 4]> = from_image.iter().filter(|f| f[0] != "crates.io").cloned().collect();
    for sbom in [cdx, spdx] {
        // Syft's SPDX names no OS package: the OS comes from its deb purls' `distro`.
        let (runc, rest): (BTreeSet<[String; 4]>, BTreeSet<[String; 4]>) =
            findings(&scan_sbom(&sbom)).into_iter().partition(|f| f[1] == "github.com/opencontainers/runc");
        assert_eq!(rest, expected, "{}", sbom.display());
        assert_eq!(runc.len(), 6, "{}", sbom.display());
    }
}

#[test]
fn malformed_partial_deep_and_oversized_sboms_are_said_so() {
    let s = Scratch::new();
    let run = |name: &str, doc: &str, extra: &[&str]| {
        std::fs::write(s.path(name), doc).unwrap();
        let mut args = vec!["sbom", name, "--list-packages", "-f", "json"];
        args.extend_from_slice(extra);
        let out = hullguard(s.dir.path(), &args);
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), out.stdout)
    };
    let (code, stderr, _) = run("bad.spdx.json", r#"{"spdxVersion": "SPDX-2.3", "packages": "oops"}"#, &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "hullguard: bad.spdx.json: $.packages: invalid type: string \"oops\", expected an array of packages at line 1 column 46\n"
    );
    let cdx = |components: &str| {
        format!(r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{components}]}}"#)
    };
    let (code, stderr, _) = run(
        "partial.cdx.json",
        &cdx(r#"{"type": "library", "name": "left-pad", "version": "1.0.0"}, {"type": "file", "name": "/etc/passwd"}"#),
        &[],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        "hullguard: warning: partial.cdx.json: cyclonedx: components[0] (name \"left-pad\", version \"1.0.0\"): no purl and no ecosystem; not scanned\n"
    );
    let mut nested = r#"{"name": "leaf", "version": "1", "purl": "pkg:npm/leaf@1"}"#.to_string();
    for i in 0..100 {
        nested = format!(r#"{{"name": "n{i}", "version": "1", "purl": "pkg:npm/n{i}@1", "components": [{nested}]}}"#);
    }
    let (code, stderr, stdout) = run("deep.cdx.json", &cdx(&nested), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let listed: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(listed["packages"].as_array().unwrap().len(), 101);
    let (code, stderr, _) = run("deep.cdx.json", &cdx(&nested), &["--max-sbom-size", "1000"]);
    assert_eq!(code, Some(2));
    assert_eq!(stderr, "hullguard: deep.cdx.json: larger than the SBOM size cap of 1000 bytes\n");
}

/// A CycloneDX document of `n` npm components (about 200 bytes each, as the issue's 1M / 200 MB).
fn big_cyclonedx(n: usize) -> String {
    let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":["#);
    for i in 0..n {
        let name = format!("pkg-{i:07}");
        let v = format!("1.0.{}", i % 100);
        doc.push_str(&format!(
            r#"{}{{"type":"library","bom-ref":"c{i}","name":"{name}","version":"{v}","purl":"pkg:npm/{name}@{v}","properties":[{{"name":"syft:location:0:path","value":"/n/{name}/package.json"}}]}}"#,
            if i == 0 { "" } else { ",\n" }
        ));
    }
    doc.push_str("]}\n");
    doc
}

/// Memory is judged by what the input adds over the same command on a ten-component SBOM (the
/// binary, the database and the allocator's arenas are a fixed cost that differs between machines).
/// The scan's inventory and matching take about 3.7 bytes per SBOM byte here (71.6 MB for 19.5 MB,
/// a debug build); the bound leaves room for a third more, not for a second copy of the document.
#[test]
fn big_sbom_is_read_in_bounded_memory() {
    if !required("/usr/bin/time") {
        return;
    }
    let s = Scratch::new();
    let doc = big_cyclonedx(100_000);
    std::fs::write(s.path("big.cdx.json"), &doc).unwrap();
    std::fs::write(s.path("small.cdx.json"), big_cyclonedx(10)).unwrap();
    let input_kib = doc.len() as u64 / 1024;
    for extra in [&[][..], &["--list-packages"][..]] {
        let peak = |file: &str| {
            let mut args = vec!["sbom", file, "--db", db().to_str().unwrap(), "-q"];
            args.extend_from_slice(extra);
            let (code, msg, rss) = peak_rss_kib(&s, &args);
            assert_eq!(code, 0, "{msg}");
            rss
        };
        let (base, rss) = (peak("small.cdx.json"), peak("big.cdx.json"));
        let growth = rss.saturating_sub(base);
        eprintln!("{extra:?}: {input_kib} KiB SBOM, peak RSS {rss} KiB, {growth} KiB over a ten-component SBOM");
        assert!(growth < 5 * input_kib, "{extra:?}: {growth} KiB more peak RSS for a {input_kib} KiB SBOM");
    }
}

#[test]
fn big_package_json_is_read_in_bounded_memory() {
    if !required("/usr/bin/time") {
        return;
    }
    let s = Scratch::new();
    // 20 MB of small objects and a big map, as a bundled manifest can be.
    let contributors: Vec<String> = (0..200_000)
        .map(|i| format!(r#"{{"name":"Person {i}","email":"p{i}@example.com","url":"https://example.com/{i}"}}"#))
        .collect();
    let dependencies: Vec<String> = (0..50_000).map(|i| format!(r#""dep-{i}":"^1.{i}.0""#)).collect();
    let manifest = format!(
        r#"{{"name":"big","version":"1.0.0","license":{{"type":"MIT"}},"contributors":[{}],"dependencies":{{{}}}}}"#,
        contributors.join(","),
        dependencies.join(",")
    );
    let layer = tar(&[RawEntry::file("app/node_modules/big/package.json", manifest.as_bytes())]);
    let archive = write_docker_archive(&[layer], "big:latest", &s.path("big.tar"));
    let spec = format!("docker-archive:{}", archive.display());
    let (code, msg, rss) = peak_rss_kib(&s, &["inventory", "--no-cache", &spec, "-f", "json", "-q"]);
    assert_eq!(code, 0, "{msg}");
    let input_kib = manifest.len() as u64 / 1024;
    eprintln!("{input_kib} KiB package.json, peak RSS {rss} KiB");
    assert!(rss < 5 * input_kib, "peak RSS {rss} KiB for a {input_kib} KiB package.json");
}

/// Issue "The scan must see what Docker sees", point 7: a scan that could not read something that
/// decides findings (a component naming no package) is incomplete: the report lists it in every
/// format, and the scan exits 2 unless `--allow-incomplete`.
#[test]
fn an_incomplete_scan_fails_unless_allowed_and_says_what_was_not_read() {
    let s = Scratch::new();
    let doc = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"type": "library", "name": "left-pad", "version": "1.0.0"},
        {"type": "library", "name": "minimist", "version": "1.2.0", "purl": "pkg:npm/minimist@1.2.0"}]}"#;
    std::fs::write(s.path("partial.cdx.json"), doc).unwrap();
    let db = db().to_str().unwrap().to_owned();
    let run = |extra: &[&str]| {
        let mut args = vec!["sbom", "partial.cdx.json", "--db", &db, "-q"];
        args.extend_from_slice(extra);
        hullguard(s.dir.path(), &args)
    };
    let unread = "partial.cdx.json: cyclonedx: components[0] (name \"left-pad\", version \"1.0.0\"): no purl and no ecosystem; not scanned";
    let out = run(&["-f", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("incomplete scan, 1 thing(s) not read"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["incomplete"], serde_json::json!([unread]));
    assert!(of_kind(&report, "vulnerabilities").iter().any(|f| f["package"] == "minimist"));
    let table = run(&[]);
    assert_eq!(table.status.code(), Some(2));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("INCOMPLETE SCAN: 1 thing not read") && text.contains(unread), "{text}");
    let sarif: Value = serde_json::from_slice(&run(&["-f", "sarif"]).stdout).unwrap();
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["toolExecutionNotifications"][0]["message"]["text"], unread);
    assert_eq!(run(&["-f", "json", "--allow-incomplete"]).status.code(), Some(0));
}
