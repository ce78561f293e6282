//! Reachability of Go findings: real Go binaries built here (one calls the vulnerable
//! `net/netip.Addr.IsLoopback` of GO-2024-2887, one imports `net/netip` without calling it),
//! app-mixed's stripped Go binaries, `--reachability off|report|gate`, the OpenVEX and
//! CycloneDX output and the round trip of our VEX through `--vex`; hostile Go tables.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::scan::{db, scan, scan_json};
use crate::support::hullguard;

/// Builds `main.go` with `source` in a module of its own under `dir` into `out`, offline, with
/// the installed toolchain; `None` (test skipped) without Go outside CI.
fn go_build(dir: &Path, name: &str, source: &str, ldflags: &str, out: &Path) -> Option<()> {
    if Command::new("go").arg("version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "go is required in CI but missing");
        eprintln!("skipping: go not installed");
        return None;
    }
    let module = dir.join(name);
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(module.join("go.mod"), format!("module example.com/{name}\n\ngo 1.19\n")).unwrap();
    std::fs::write(module.join("main.go"), source).unwrap();
    let built = Command::new("go")
        .args(["build", "-trimpath", "-ldflags", ldflags, "-o"])
        .arg(out)
        .arg(".")
        .current_dir(&module)
        .env("GOCACHE", dir.join("cache"))
        .env("GOPATH", dir.join("gopath"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(built.status.success(), "go build: {}", String::from_utf8_lossy(&built.stderr));
    Some(())
}

/// A program that parses an address and prints `a.<method>()`: `IsLoopback` calls the vulnerable
/// function, `String` imports the same package and never calls the vulnerable functions.
fn program(method: &str) -> String {
    format!(
        r#"package main

import (
	"fmt"
	"net/netip"
	"os"
)

func main() {{
	a, err := netip.ParseAddr(os.Args[len(os.Args)-1])
	if err != nil {{
		fmt.Println(err)
		return
	}}
	fmt.Println(a.{method}())
}}
"#
    )
}

/// A root filesystem with the two programs (and `calls` stripped, `-s -w`) in `usr/local/bin`.
fn go_rootfs(dir: &Path) -> Option<PathBuf> {
    let root = dir.join("rootfs");
    let bin = root.join("usr/local/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let (calls, imports) = (program("IsLoopback"), program("String"));
    go_build(dir, "calls", &calls, "", &bin.join("calls"))?;
    go_build(dir, "calls", &calls, "-s -w", &bin.join("calls-stripped"))?;
    go_build(dir, "imports", &imports, "", &bin.join("imports"))?;
    Some(root)
}

/// Scans `root` (a `dir:` image) with `extra` arguments.
fn scan_dir(root: &Path, extra: &[&str]) -> std::process::Output {
    let target = format!("dir:{}", root.display());
    let db = db().to_str().unwrap().to_owned();
    let mut args = vec!["image", "--no-cache", "--scanners", "vuln", "--db", &db, &target];
    args.extend_from_slice(extra);
    hullguard(Path::new("."), &args)
}

fn json_of(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The vulnerability findings of a report as they are in it (not flattened).
fn vulns(report: &Value) -> Vec<&Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["kind"] == "vulnerability").collect()
}

/// The finding of advisory `advisory` at `path`.
fn finding<'a>(report: &'a Value, advisory: &str, path: &str) -> &'a Value {
    vulns(report)
        .into_iter()
        .find(|f| {
            f["location"]["path"] == path
                && f["vulnerability"]["advisories"].as_array().unwrap().iter().any(|a| a == advisory)
        })
        .unwrap_or_else(|| panic!("no {advisory} at {path}"))
}

fn verdict(f: &Value) -> (&str, Vec<&str>) {
    let r = &f["vulnerability"]["reachability"];
    (r["verdict"].as_str().unwrap(), r["evidence"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect())
}

#[test]
fn a_called_vulnerable_function_is_reachable_an_uncalled_one_not_present() {
    let dir = tempfile::tempdir().unwrap();
    let Some(root) = go_rootfs(dir.path()) else { return };
    let report = json_of(&scan_dir(&root, &["--format", "json"]));
    for path in ["/usr/local/bin/calls", "/usr/local/bin/calls-stripped"] {
        let f = finding(&report, "GO-2024-2887", path);
        assert_eq!(verdict(f), ("reachable", vec!["net/netip.Addr.IsLoopback"]), "{path}");
        assert_eq!(f["vulnerability"]["reachability"]["detail"], "symbol present: net/netip.Addr.IsLoopback");
    }
    let f = finding(&report, "GO-2024-2887", "/usr/local/bin/imports");
    assert_eq!(verdict(f), ("not_affected", vec![]));
    let r = &f["vulnerability"]["reachability"];
    assert_eq!(r["justification"], "vulnerable_code_not_present");
    assert_eq!(
        r["detail"],
        "vulnerable code not present: package net/netip linked in, none of its vulnerable functions \
         (net/netip.Addr.IsGlobalUnicast, net/netip.Addr.IsInterfaceLocalMulticast, \
         net/netip.Addr.IsLinkLocalMulticast and 3 more)"
    );
    // A record naming a whole package (GO-2023-1840: `runtime`): module level only.
    for path in ["/usr/local/bin/calls", "/usr/local/bin/imports"] {
        assert_eq!(verdict(finding(&report, "GO-2023-1840", path)), ("package_present", vec!["runtime"]));
    }
    // Every Go finding carries a verdict; both programs have the same stdlib findings.
    let per_path = |p: &str| -> BTreeSet<String> {
        vulns(&report).iter().filter(|f| f["location"]["path"] == p).map(|f| f["id"].as_str().unwrap().into()).collect()
    };
    assert_eq!(per_path("/usr/local/bin/calls"), per_path("/usr/local/bin/imports"));
    assert!(vulns(&report).iter().all(|f| f["vulnerability"]["reachability"]["verdict"].is_string()));

    // Off: no verdicts at all.
    let off = json_of(&scan_dir(&root, &["--format", "json", "--reachability", "off"]));
    assert_eq!(vulns(&off).len(), vulns(&report).len());
    assert!(vulns(&off).iter().all(|f| f["vulnerability"].get("reachability").is_none()));

    // The table shows the not-affected findings apart.
    let table = scan_dir(&root, &[]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("\nGo, not affected: vulnerable code not present ("), "{text}");
}

/// A finding as (id, path).
type Key = (String, String);

/// The findings of `report` as (id, path), and those the `not_affected` statements of our VEX
/// cover: every finding of the same id and purl `not_affected`.
fn not_affected_groups(report: &Value) -> (BTreeSet<Key>, BTreeSet<Key>) {
    let key = |f: &Value| (f["id"].as_str().unwrap().to_owned(), f["location"]["path"].as_str().unwrap().to_owned());
    let all: BTreeSet<(String, String)> = vulns(report).into_iter().map(key).collect();
    let group =
        |f: &Value| (f["id"].as_str().unwrap().to_owned(), f["vulnerability"]["purl"].as_str().unwrap().to_owned());
    let mixed: BTreeSet<(String, String)> = vulns(report)
        .into_iter()
        .filter(|f| f["vulnerability"]["reachability"]["verdict"] != "not_affected")
        .map(group)
        .collect();
    let cleared = vulns(report).into_iter().filter(|f| !mixed.contains(&group(f))).map(key).collect();
    (all, cleared)
}

#[test]
fn our_openvex_fed_back_suppresses_exactly_the_not_affected_findings() {
    let dir = tempfile::tempdir().unwrap();
    let Some(root) = go_rootfs(dir.path()) else { return };
    let report = json_of(&scan_dir(&root, &["--format", "json"]));
    let vex = dir.path().join("out.openvex.json");
    let out = scan_dir(&root, &["--format", "openvex", "--output", vex.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&std::fs::read(&vex).unwrap()).unwrap();
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    let statements = doc["statements"].as_array().unwrap();
    let status_of = |id: &str| -> &str {
        statements.iter().find(|s| s["vulnerability"]["name"] == id).unwrap()["status"].as_str().unwrap()
    };
    // GO-2024-2887 is reachable in `calls`: the stdlib purl is affected, for `imports` too.
    let f = finding(&report, "GO-2024-2887", "/usr/local/bin/imports");
    assert_eq!(status_of(f["id"].as_str().unwrap()), "affected");
    let na = statements.iter().find(|s| s["status"] == "not_affected").expect("a not_affected statement");
    assert_eq!(na["justification"], "vulnerable_code_not_present");
    assert!(na["products"][0]["subcomponents"][0]["@id"].as_str().unwrap().starts_with("pkg:golang/stdlib@"));

    let (all, cleared) = not_affected_groups(&report);
    assert!(!cleared.is_empty() && cleared.len() < all.len(), "{} of {}", cleared.len(), all.len());
    let back = json_of(&scan_dir(&root, &["--format", "json", "--vex", vex.to_str().unwrap()]));
    let (left, _) = not_affected_groups(&back);
    let gone: BTreeSet<(String, String)> = all.difference(&left).cloned().collect();
    assert_eq!(gone, cleared);
    assert_eq!(back["suppressed"].as_array().unwrap().len(), cleared.len());
    assert!(
        back["suppressed"].as_array().unwrap().iter().all(|s| s["reason"]
            .as_str()
            .unwrap()
            .starts_with("vex: not_affected (vulnerable_code_not_present) from ")),
        "{}",
        back["suppressed"]
    );

    // CycloneDX: the same verdicts as `analysis`.
    let out = scan_dir(&root, &["--format", "cyclonedx"]);
    let bom = json_of(&out);
    let analyses: Vec<&Value> = bom["vulnerabilities"].as_array().unwrap().iter().map(|v| &v["analysis"]).collect();
    assert!(analyses.iter().any(|a| a["state"] == "not_affected" && a["justification"] == "code_not_present"));
    let loopback = bom["vulnerabilities"].as_array().unwrap().iter().find(|v| v["id"] == f["id"]).unwrap();
    assert_eq!(loopback["analysis"]["state"], "exploitable");
    assert!(
        loopback["analysis"]["detail"]
            .as_str()
            .unwrap()
            .contains("/usr/local/bin/calls: symbol present: net/netip.Addr.IsLoopback"),
        "{}",
        loopback["analysis"]
    );
}

#[test]
fn app_mixed_go_binaries_get_verdicts_from_their_stripped_tables() {
    let report = scan_json(&[]);
    let go: Vec<&Value> = vulns(&report).into_iter().filter(|f| f["vulnerability"]["ecosystem"] == "Go").collect();
    let mut counts: std::collections::BTreeMap<(&str, &str), usize> = std::collections::BTreeMap::new();
    for f in &go {
        *counts.entry((f["location"]["path"].as_str().unwrap(), verdict(f).0)).or_default() += 1;
    }
    let (goapp, gosu, runc) = ("/usr/local/bin/goapp", "/usr/local/bin/gosu", "/usr/local/bin/runc");
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        [
            ((goapp, "not_affected"), 89),
            ((goapp, "package_present"), 1),
            ((goapp, "reachable"), 9),
            ((gosu, "not_affected"), 77),
            ((gosu, "package_present"), 1),
            ((gosu, "reachable"), 2),
            ((runc, "not_affected"), 75),
            ((runc, "package_present"), 1),
            ((runc, "reachable"), 4),
        ]
    );
    // Every finding whose code is linked in, with its functions. goapp's main.go calls
    // html.Parse (whose parser reaches the named insertion modes); gosu and runc look up
    // their commands with exec.LookPath and read directories; runc dials netlink/unix
    // sockets and checks addresses; GO-2023-1840 names the whole `runtime`.
    let mut linked: Vec<(String, String, Vec<String>)> = go
        .iter()
        .filter(|f| verdict(f).0 != "not_affected")
        .map(|f| {
            let advisory = f["vulnerability"]["advisories"][0].as_str().unwrap();
            let evidence = verdict(f).1.into_iter().map(str::to_owned).collect();
            (f["location"]["path"].as_str().unwrap().to_owned(), advisory.to_owned(), evidence)
        })
        .collect();
    let html = "golang.org/x/net/html";
    let parse = |more: &[&'static str]| -> Vec<String> {
        [format!("{html}.Parse"), format!("{html}.ParseWithOptions")]
            .into_iter()
            .chain(more.iter().map(|m| format!("{html}.{m}")))
            .collect()
    };
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    let expected: Vec<(&str, &str, Vec<String>)> = vec![
        (goapp, "GO-2024-3333", parse(&["htmlIntegrationPoint", "inBodyIM", "inTableIM", "parseDoctype"])),
        (goapp, "GO-2025-3595", parse(&["Tokenizer.Next", "Tokenizer.readStartTag"])),
        (goapp, "GO-2026-4440", parse(&["parser.parse"])),
        (goapp, "GO-2026-4441", parse(&["inRowIM"])),
        (goapp, "GO-2026-5028", parse(&["parser.parse"])),
        (goapp, "GO-2026-5029", parse(&["parser.parse"])),
        (goapp, "GO-2026-5030", parse(&["parser.parse"])),
        (goapp, "GO-2026-5027", parse(&["parser.parse"])),
        (goapp, "GO-2026-5025", parse(&["parser.parse"])),
        (goapp, "GO-2023-1840", owned(&["runtime"])),
        (gosu, "GO-2023-1840", owned(&["runtime"])),
        (gosu, "GO-2025-3956", owned(&["os/exec.LookPath"])),
        (gosu, "GO-2026-4602", owned(&["os.File.ReadDir", "os.File.Readdir"])),
        (
            runc,
            "GO-2024-2887",
            owned(&[
                "net/netip.Addr.IsGlobalUnicast",
                "net/netip.Addr.IsInterfaceLocalMulticast",
                "net/netip.Addr.IsLinkLocalMulticast",
                "net/netip.Addr.IsLoopback",
                "net/netip.Addr.IsMulticast",
                "net/netip.Addr.IsPrivate",
            ]),
        ),
        (runc, "GO-2023-1840", owned(&["runtime"])),
        (runc, "GO-2025-3956", owned(&["os/exec.LookPath"])),
        (runc, "GO-2026-4602", owned(&["os.File.ReadDir", "os.File.Readdir", "os.ReadDir"])),
        (
            runc,
            "GO-2026-4971",
            owned(&[
                "net.Dial",
                "net.Dialer.Dial",
                "net.Dialer.DialContext",
                "net.Resolver.LookupPort",
                "net.Resolver.lookupPort",
            ]),
        ),
    ];
    let mut expected: Vec<(String, String, Vec<String>)> =
        expected.into_iter().map(|(p, a, e)| (p.to_owned(), a.to_owned(), e)).collect();
    linked.sort();
    expected.sort();
    assert_eq!(linked, expected);
    // Cleared, checked by hand: goapp parses HTML but never renders it (GO-2023-1988 names
    // `Render`, `render1`); it signs a token but never checks an audience (GO-2020-0017 names
    // `MapClaims.VerifyAudience`).
    for (advisory, path, detail) in [
        (
            "GO-2023-1988",
            goapp,
            "vulnerable code not present: package golang.org/x/net/html linked in, none of its vulnerable \
             functions (golang.org/x/net/html.Render, golang.org/x/net/html.render1)",
        ),
        (
            "GO-2020-0017",
            goapp,
            "vulnerable code not present: package github.com/dgrijalva/jwt-go linked in, none of its vulnerable \
             functions (github.com/dgrijalva/jwt-go.MapClaims.VerifyAudience)",
        ),
        // filepath.Join is linked into runc, but GO-2023-2185 is Windows' path parsing.
        ("GO-2023-2185", runc, "vulnerable code not present: built only for windows, this binary is for linux/amd64"),
    ] {
        let f = finding(&report, advisory, path);
        assert_eq!(verdict(f).0, "not_affected", "{advisory}");
        assert_eq!(f["vulnerability"]["reachability"]["detail"], detail, "{advisory}");
    }
}

#[test]
fn the_gate_ignores_not_affected_findings_only_with_reachability_gate() {
    // Every finding of app-mixed but the Go ones that reachability clears, ignored by id: with
    // `gate`, nothing is left to trip `--fail-on low`; with `report`, the cleared ones trip it.
    let report = scan_json(&[]);
    let dir = tempfile::tempdir().unwrap();
    let ignore = dir.path().join("ignore");
    let findings = report["findings"].as_array().unwrap();
    let others: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f["vulnerability"]["reachability"]["verdict"] != "not_affected")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let cleared = findings.iter().filter(|f| !others.contains(f["id"].as_str().unwrap())).count();
    assert!(cleared > 0, "findings cleared in every binary they are in");
    std::fs::write(&ignore, others.iter().map(|id| format!("{id}\n")).collect::<String>()).unwrap();
    let ignorefile = ignore.to_str().unwrap();
    let gate =
        scan(&["--ignorefile", ignorefile, "--fail-on", "unknown", "--reachability", "gate", "--allow-incomplete"]);
    assert_eq!(gate.status.code(), Some(0), "{}", String::from_utf8_lossy(&gate.stderr));
    let report_mode = scan(&["--ignorefile", ignorefile, "--fail-on", "unknown", "--allow-incomplete"]);
    assert_eq!(report_mode.status.code(), Some(1), "{}", String::from_utf8_lossy(&report_mode.stderr));
}

#[test]
fn hostile_go_tables_are_warnings_naming_the_file() {
    let goapp = crate::support::image_files(
        &format!("oci-archive:{}:app-mixed:latest", crate::support::image("bookworm-images.oci.tar")),
        |p| p == "usr/local/bin/goapp",
    )
    .remove("usr/local/bin/goapp")
    .expect("goapp in app-mixed");
    // The Go 1.18 table header (go1.19.8: magic 0xfffffff0, instruction size 1, 8-byte words).
    let header: &[u8] = &[0xf0, 0xff, 0xff, 0xff, 0, 0, 1, 8];
    let at = goapp.windows(8).position(|w| w == header).expect("goapp's pclntab");
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("rootfs/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let mut forged = goapp.clone();
    forged[at + 8..at + 16].copy_from_slice(&(u64::MAX / 4).to_le_bytes());
    let mut truncated = goapp.clone();
    truncated[at + 8 + 56..at + 8 + 64].copy_from_slice(&u64::from(u32::MAX).to_le_bytes());
    let mut missing = goapp.clone();
    missing[at..at + 4].fill(0);
    for (name, bytes) in [("forged", &forged), ("truncated", &truncated), ("missing", &missing)] {
        std::fs::write(bin.join(name), bytes).unwrap();
        let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(bin.join(name), executable).unwrap();
    }
    let out = scan_dir(&dir.path().join("rootfs"), &["--format", "json"]);
    let report = json_of(&out);
    let warnings: Vec<&str> = report["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    let mine: Vec<&&str> = warnings.iter().filter(|w| w.contains("go-symbols")).collect();
    assert_eq!(
        mine,
        [
            &"/bin/forged: go-symbols: pclntab function count 4611686018427387903 does not fit its 759432-byte table (limit 1048576 functions)",
            &"/bin/missing: go-symbols: no pclntab (Go function table) found",
            &"/bin/truncated: go-symbols: pclntab truncated while reading function table",
        ],
        "{warnings:?}"
    );
    // The modules are still found; their findings are `unknown`, not cleared.
    let f = finding(&report, "GO-2023-1988", "/bin/forged");
    assert_eq!(verdict(f).0, "unknown");
    assert_eq!(f["vulnerability"]["reachability"]["detail"], "the binary's functions were not read");
}

/// Uses more of the standard library than `calls`: URL parsing, XML, zip, templates, an HTTP
/// client and server, so that many advisories name functions it links.
const WEB: &str = r#"package main

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
)

func main() {
	u, err := url.Parse(os.Args[len(os.Args)-1])
	if err != nil {
		fmt.Println(err)
		return
	}
	var v struct{ Name string }
	_ = xml.NewDecoder(os.Stdin).Decode(&v)
	if r, err := zip.OpenReader(filepath.Clean(u.Path)); err == nil {
		r.Close()
	}
	page := template.Must(template.New("p").Parse(`<a href="{{.}}">x</a>`))
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _ = page.Execute(w, u.String()) })
	resp, err := http.Get(u.String())
	if err == nil {
		resp.Body.Close()
	}
	fmt.Println(http.ListenAndServe("127.0.0.1:0", nil))
}
"#;

/// Writes the vulnerability database layout the Debian govulncheck snapshot reads
/// (`GOVULNDB=file://…`) from the OSV records of `Go.zip` into `dir`: `index.json` (module →
/// newest `modified`), `<module>.json` (the records affecting it; capitals escaped `!` + lower
/// case, as in module paths) and `ID/<id>.json`.
fn legacy_govulndb(dir: &Path) {
    let zip_path = crate::support::shared().join("vulndata/osv/Go.zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    std::fs::create_dir_all(dir.join("ID")).unwrap();
    let mut by_module: std::collections::BTreeMap<String, Vec<Value>> = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        if !archive.name_for_index(i).unwrap().unwrap().ends_with(".json") {
            continue;
        }
        let mut entry = archive.by_index(i).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        let record: Value = serde_json::from_str(&text).unwrap();
        std::fs::write(dir.join("ID").join(format!("{}.json", record["id"].as_str().unwrap())), &text).unwrap();
        let modules: BTreeSet<&str> =
            record["affected"].as_array().unwrap().iter().filter_map(|a| a["package"]["name"].as_str()).collect();
        for module in modules {
            by_module.entry(module.to_owned()).or_default().push(record.clone());
        }
    }
    let mut index = serde_json::Map::new();
    for (module, records) in &by_module {
        let newest = records.iter().filter_map(|r| r["modified"].as_str()).max().unwrap();
        index.insert(module.clone(), Value::from(newest));
        let escaped: String = module
            .chars()
            .map(|c| if c.is_ascii_uppercase() { format!("!{}", c.to_ascii_lowercase()) } else { c.to_string() })
            .collect();
        let path = dir.join(format!("{escaped}.json"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec(records).unwrap()).unwrap();
    }
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// govulncheck's findings for `binary` (binary mode, offline): advisory id → the vulnerable
/// functions it found (`net/netip.Addr.IsLoopback`); `Err(stderr)` when it refuses the binary.
fn govulncheck(db: &Path, binary: &Path) -> Result<std::collections::BTreeMap<String, BTreeSet<String>>, String> {
    let out = Command::new("govulncheck")
        .arg("-json")
        .arg(binary)
        .env("GOVULNDB", format!("file://{}", db.display()))
        .output()
        .unwrap();
    if !out.status.success() && out.stdout.is_empty() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found = std::collections::BTreeMap::new();
    for vuln in doc["Vulns"].as_array().into_iter().flatten() {
        let functions: &mut BTreeSet<String> = found.entry(vuln["OSV"]["id"].as_str().unwrap().to_owned()).or_default();
        for package in vuln["Modules"].as_array().unwrap().iter().flat_map(|m| m["Packages"].as_array().unwrap()) {
            for stack in package["CallStacks"].as_array().into_iter().flatten() {
                functions.insert(format!(
                    "{}.{}",
                    package["Path"].as_str().unwrap(),
                    stack["Symbol"].as_str().unwrap()
                ));
            }
        }
    }
    Ok(found)
}

#[test]
fn govulncheck_flags_exactly_what_we_find_linked_in() {
    if !crate::support::required("govulncheck") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(root) = go_rootfs(dir.path()) else { return };
    go_build(dir.path(), "web", WEB, "", &root.join("usr/local/bin/web")).unwrap();
    let db = dir.path().join("govulndb");
    legacy_govulndb(&db);
    let report = json_of(&scan_dir(&root, &["--format", "json"]));
    // Ours per binary: GO advisory → (verdict, evidence).
    let ours = |path: &str| -> std::collections::BTreeMap<String, (String, BTreeSet<String>)> {
        vulns(&report)
            .into_iter()
            .filter(|f| f["location"]["path"] == path)
            .flat_map(|f| {
                let (verdict, evidence) = verdict(f);
                let evidence: BTreeSet<String> = evidence.into_iter().map(str::to_owned).collect();
                f["vulnerability"]["advisories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |a| (a.as_str().unwrap().to_owned(), (verdict.to_owned(), evidence.clone())))
            })
            .collect()
    };
    let mut summary = Vec::new();
    for name in ["calls", "imports", "web"] {
        let path = format!("/usr/local/bin/{name}");
        let theirs = govulncheck(&db, &root.join(&path[1..])).unwrap();
        let ours = ours(&path);
        let count = |v: &str| ours.values().filter(|(verdict, _)| verdict == v).count();
        // Every advisory govulncheck reports is one of our findings, `reachable` with the same
        // functions or `package_present` for the package it found them in.
        for (id, functions) in &theirs {
            let (verdict, evidence) = ours.get(id).unwrap_or_else(|| panic!("{name}: {id} not among our findings"));
            match verdict.as_str() {
                "reachable" => assert_eq!(evidence, functions, "{name}: {id}"),
                "package_present" => assert!(
                    functions.iter().all(|f| evidence.iter().any(|p| f.starts_with(&format!("{p}.")))),
                    "{name}: {id}: {functions:?} outside {evidence:?}"
                ),
                other => panic!("{name}: govulncheck reports {id}, we say {other}"),
            }
        }
        // And every one we find linked in, govulncheck reports.
        let linked: BTreeSet<&String> =
            ours.iter().filter(|(_, (v, _))| v == "reachable" || v == "package_present").map(|(id, _)| id).collect();
        assert_eq!(linked, theirs.keys().collect(), "{name}");
        summary.push(format!(
            "{name}: {} Go findings; govulncheck reports {}; hullguard reachable {}, package_present {}, not_affected {}, unknown {}",
            ours.len(),
            theirs.len(),
            count("reachable"),
            count("package_present"),
            count("not_affected"),
            count("unknown")
        ));
    }
    // Stripped: govulncheck refuses; our verdicts are those of the unstripped build.
    let stripped = govulncheck(&db, &root.join("usr/local/bin/calls-stripped")).unwrap_err();
    assert!(stripped.ends_with(r#"reading go.func.*: no symbol "go.func.*""#), "{stripped}");
    assert_eq!(ours("/usr/local/bin/calls-stripped"), ours("/usr/local/bin/calls"));
    summary.push(format!("calls-stripped: govulncheck: {stripped}; hullguard: the verdicts of calls"));
    eprintln!("{}", summary.join("\n"));
}
