//! What reaches the terminal: control characters from images escaped in every human-readable
//! output and warning (JSON keeps them), repeated warnings merged, tables fitted to `COLUMNS`,
//! `NO_COLOR`, counts in words, and `-o FILE` for every command that prints a report.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::support::{Layer, OciArchive, RawEntry, Scratch, hullguard, image};

const EVIL_NAME: &str = "evil\x1b]0;pwned\x07";
const DIST: &str = "usr/lib/python3/dist-packages";

/// An image whose package name, version, paths, ENV and labels carry terminal escapes, and a
/// METADATA without a Name (a warning naming a path with a newline and an ESC in it).
fn hostile_image(s: &Scratch) -> String {
    let metadata = format!("Metadata-Version: 2.1\nName: {EVIL_NAME}\nVersion: 1.0\x1b[2J\n");
    let entries = [
        RawEntry::file(&format!("{DIST}/evil.dist-info/METADATA"), metadata.as_bytes()),
        RawEntry::file(
            &format!("{DIST}/x\nhullguard: error: forged\x1b[1A.dist-info/METADATA"),
            b"Metadata-Version: 2.1\nVersion: 1\n",
        ),
        RawEntry::file("srv/my app/.env", b"AWS_ACCESS_KEY_ID=AKIAZ7QFT3LQW2RUMB5N\n"),
    ];
    let mut arch = OciArchive::new(vec![Layer::gzip(&entries)]);
    arch.config["config"]["Env"] = json!(["PATH=/usr/bin", "MOTD=\x1b[2Jhi\nthere"]);
    arch.config["config"]["Labels"] = json!({"title": "\x1b]0;owned\x07"});
    arch.write(&s.path("hostile.tar")).display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_controls(what: &str, out: &str) {
    assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{what}: {out:?}");
}

#[test]
fn escapes_from_the_image_never_reach_the_terminal() {
    let s = Scratch::new();
    let archive = hostile_image(&s);
    let out = hullguard(s.dir.path(), &["inventory", "--no-cache", &archive]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_no_controls("inventory table", &stdout);
    assert!(stdout.contains("evil\\x1b]0;pwned\\x07"), "{stdout}");
    assert!(stdout.contains("1.0\\x1b[2J"), "{stdout}");
    assert_no_controls("warnings", &stderr);
    assert_eq!(stderr.lines().filter(|l| l.contains("forged")).count(), 1, "{stderr}");
    assert!(stderr.contains("/x\\nhullguard: error: forged\\x1b[1A.dist-info/METADATA"), "{stderr}");
    assert!(stderr.lines().all(|l| l.starts_with("hullguard: warning: ")), "{stderr}");

    let json: Value =
        serde_json::from_slice(&hullguard(s.dir.path(), &["inventory", "--no-cache", &archive, "-f", "json"]).stdout)
            .unwrap();
    assert!(json["packages"].as_array().unwrap().iter().any(|p| p["name"] == EVIL_NAME), "{json}");

    let out = hullguard(s.dir.path(), &["inspect", &archive]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_no_controls("inspect", &stdout);
    assert!(stdout.contains("MOTD=\\x1b[2Jhi\\nthere"), "{stdout}");
    assert!(stdout.contains("title=\\x1b]0;owned\\x07"), "{stdout}");
    let out = hullguard(s.dir.path(), &["inspect", &archive, "--files"]);
    assert_no_controls("inspect --files", &text(&out.stdout));
    assert!(text(&out.stdout).contains("/x\\nhullguard: error: forged\\x1b[1A.dist-info"));

    let out = hullguard(s.dir.path(), &["image", "--no-cache", "--scanners", "misconfig,secret", &archive]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_no_controls("image table", &text(&out.stdout));
    assert_no_controls("image warnings", &text(&out.stderr));
}

#[test]
fn errors_are_escaped_too() {
    let s = Scratch::new();
    let out = hullguard(s.dir.path(), &["inspect", "oci-archive:/nonexistent/\x1b[2Jx\ny.tar"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "hullguard: /nonexistent/\\x1b[2Jx\\ny.tar: No such file or directory (os error 2)\n"
    );
}

#[test]
fn sarif_uris_are_percent_encoded() {
    let s = Scratch::new();
    let archive = hostile_image(&s);
    let out = hullguard(s.dir.path(), &["image", "--no-cache", "--scanners", "secret", &archive, "-f", "sarif"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["srv/my%20app/.env"]);
}

/// A jar that nests 300 jars 3 deep: every innermost one is over the depth cap.
fn nested_jar_flood(s: &Scratch) -> String {
    fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, data) in entries {
            w.start_file(name.as_str(), opts).unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }
    let mut jar = zip_of(&[("META-INF/MANIFEST.MF".to_owned(), b"Manifest-Version: 1.0\n".to_vec())]);
    for _ in 0..8 {
        jar = zip_of(&[("inner.jar".to_owned(), jar)]);
    }
    let wide: Vec<(String, Vec<u8>)> = (0..300).map(|i| (format!("lib/part{i}.jar"), jar.clone())).collect();
    let layer = Layer::gzip(&[RawEntry::file("app/flood.jar", &zip_of(&wide))]);
    OciArchive::new(vec![layer]).write(&s.path("flood.tar")).display().to_string()
}

#[test]
fn repeated_warnings_are_merged() {
    let s = Scratch::new();
    let archive = nested_jar_flood(&s);
    let out = hullguard(s.dir.path(), &["inventory", "--no-cache", &archive, "-f", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 300, "every warning stays in the JSON report");
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    let problem = warnings[0].as_str().unwrap().split_once(": ").unwrap().1;
    assert_eq!(lines[3], format!("hullguard: warning: … and 297 more: {problem}"));
}

fn scan_table(extra: &[&str], env: &[(&str, &str)]) -> String {
    let db = crate::scan::db().to_str().unwrap().to_owned();
    let target = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let mut cmd = Command::cargo_bin("hullguard").unwrap();
    cmd.args(["image", "--no-cache", "--db", &db, &target]).args(extra).env_remove("COLUMNS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn table_fits_columns() {
    for width in ["80", "120"] {
        let table = scan_table(&[], &[("COLUMNS", width)]);
        let width: usize = width.parse().unwrap();
        for line in table.lines() {
            assert!(line.chars().count() <= width, "{width}: {line}");
        }
        assert!(table.contains(" CVE-2020-14343 "), "ids are never cut: {table}");
    }
    let wide = scan_table(&[], &[]);
    assert!(wide.lines().any(|l| l.chars().count() > 120), "no COLUMNS, not a terminal: full rows");
    let target = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let out = Command::cargo_bin("hullguard")
        .unwrap()
        .args(["inventory", "--no-cache", "-q", &target])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    let inventory = text(&out.stdout);
    assert!(inventory.lines().count() > 200, "{inventory}");
    for line in inventory.lines() {
        assert!(line.chars().count() <= 80, "inventory: {line}");
    }
    assert!(inventory.contains("…/lib/snakeyaml-1.33.jar\n"), "paths keep their end: {inventory}");
}

#[test]
fn misconfig_only_scan_reports_no_package_counts() {
    let target = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let out = hullguard(Path::new("."), &["image", "--no-cache", "--scanners", "misconfig", &target]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(!table.contains("0 vulnerabilities") && !table.contains("packages"), "{table}");
    let n = table.lines().nth(1).unwrap();
    assert!(n.ends_with("misconfigurations, 0 secrets") || n.ends_with("misconfiguration, 0 secrets"), "{table}");
}

#[test]
fn every_report_command_writes_to_output_file() {
    let s = Scratch::new();
    let db = crate::scan::db().to_str().unwrap().to_owned();
    let archive = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let tree = s.path("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("requirements.txt"), "PyYAML==5.3.1\n").unwrap();
    std::fs::write(tree.join("Dockerfile"), "FROM debian\nRUN apt-get install -y curl\n").unwrap();
    let sbom = s.path("sbom.json");
    let out = hullguard(
        s.dir.path(),
        &["inventory", "--no-cache", &archive, "-f", "cyclonedx", "-o", sbom.to_str().unwrap()],
    );
    assert!(out.status.success() && out.stdout.is_empty(), "{}", text(&out.stderr));
    let tree = tree.to_str().unwrap().to_owned();
    let sbom = sbom.to_str().unwrap().to_owned();
    let cases: [(&str, Vec<&str>, &str); 7] = [
        ("inspect", vec!["inspect", &archive], "Image "),
        ("inventory", vec!["inventory", "--no-cache", &archive], "(Debian GNU/Linux 12 (bookworm), "),
        ("fs", vec!["fs", &tree, "--list-packages"], "PyYAML"),
        ("sbom", vec!["sbom", &sbom, "--list-packages"], "PyYAML"),
        ("checks", vec!["checks", "list"], "HG-DF-001"),
        ("config", vec!["config", &tree], "Dockerfile:1"),
        ("db", vec!["db", "info", "--db", &db], "advisories"),
    ];
    for (name, mut args, want) in cases {
        let file = s.path(&format!("{name}.out"));
        args.extend(["-o", file.to_str().unwrap()]);
        let out = hullguard(s.dir.path(), &args);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert!(out.stdout.is_empty(), "{name}: {}", text(&out.stdout));
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(written.contains(want), "{name}: {written}");
    }
}

#[test]
fn html_summary_in_severity_order() {
    let html = scan_table(&["--format", "template", "--template", "@html"], &[]);
    let meta = html.split("<div class=\"meta\">").nth(1).unwrap().split("</div>").next().unwrap();
    let at = |sev: &str| meta.find(&format!("&nbsp;{sev} ")).unwrap_or(usize::MAX);
    assert!(at("CRITICAL") < at("HIGH") && at("HIGH") < at("MEDIUM") && at("MEDIUM") < at("LOW"), "{meta}");
    assert!(html.contains("overflow-wrap: anywhere"), "long cells wrap");
}

/// Runs `hullguard ARGS` on a pseudo-terminal (util-linux `script`), returning what it printed.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    if !crate::support::required("script") {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("hullguard");
    let line = std::iter::once(bin.display().to_string())
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"]).env_remove("NO_COLOR").env("COLUMNS", "200");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    Some(text(&out.stdout))
}

#[test]
fn colours_only_on_a_terminal_without_no_color() {
    let db = crate::scan::db().to_str().unwrap().to_owned();
    let target = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let args = ["image", "--no-cache", "-q", "--db", &db, &target];
    let Some(coloured) = on_terminal(&args, &[]) else { return };
    assert!(coloured.contains("\x1b[1;31mCRITICAL\x1b[0m"), "{coloured}");
    let plain = on_terminal(&args, &[("NO_COLOR", "1")]).unwrap();
    assert!(!plain.contains('\x1b'), "{plain}");
    assert!(plain.contains("CRITICAL"), "{plain}");
}
