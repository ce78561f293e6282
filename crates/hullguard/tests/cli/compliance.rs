//! `hullguard compliance`: every spec's control list and verdicts on fixtures (Kubernetes
//! manifests, the debian-base image with a Dockerfile, a host root and a container of the real
//! Docker Engine), bad input, and the HTML report read back through headless Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::scan::db;
use crate::support::{Scratch, hullguard, image, required};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/compliance").join(name).display().to_string()
}

fn debian_base() -> String {
    format!("oci-archive:{}:debian-base:latest", image("bookworm-images.oci.tar"))
}

fn run(args: &[&str]) -> Value {
    let out = hullguard(Path::new("."), &[&["compliance", "-q", "-f", "json"][..], args].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (total, pass, fail, manual, not-applicable) and the ids of the failing, manual and
/// not-applicable controls, in spec order.
type Verdicts = ((u64, u64, u64, u64, u64), [String; 3]);

fn verdicts(report: &Value) -> Verdicts {
    let s = &report["summary"];
    let n = |k: &str| s[k].as_u64().unwrap();
    let ids = |v: &str| {
        let controls = report["sections"].as_array().unwrap().iter().flat_map(|s| s["controls"].as_array().unwrap());
        controls.filter(|c| c["verdict"] == v).map(|c| c["id"].as_str().unwrap()).collect::<Vec<_>>().join(" ")
    };
    (
        (n("total"), n("pass"), n("fail"), n("manual"), n("not_applicable")),
        [ids("fail"), ids("manual"), ids("not-applicable")],
    )
}

fn want(counts: (u64, u64, u64, u64, u64), fail: &str, manual: &str, na: &str) -> Verdicts {
    (counts, [fail.to_owned(), manual.to_owned(), na.to_owned()])
}

#[test]
fn kubernetes_specs_on_a_hardened_pod_and_a_risky_workload() {
    let (restricted, risky) = (format!("k8s:{}", fixture("restricted.yaml")), format!("k8s:{}", fixture("risky.yaml")));
    let cis_manual = "5.1.9 5.1.13 5.2.1 5.3.1 5.5.1 5.7.1";
    assert_eq!(verdicts(&run(&["--spec", "cis-k8s", &restricted])), want((35, 28, 1, 6, 0), "5.3.2", cis_manual, ""));
    assert_eq!(
        verdicts(&run(&["--spec", "cis-k8s", &risky])),
        want(
            (35, 9, 20, 6, 0),
            "5.1.2 5.1.3 5.1.4 5.1.5 5.1.6 5.1.8 5.1.10 5.1.11 5.1.12 5.2.2 5.2.3 5.2.5 5.2.6 5.2.7 5.2.8 5.2.10 5.2.12 5.3.2 5.7.2 5.7.3",
            cis_manual,
            ""
        )
    );
    assert_eq!(verdicts(&run(&["--spec", "pss-restricted", &restricted])), want((18, 18, 0, 0, 0), "", "", ""));
    assert_eq!(
        verdicts(&run(&["--spec", "pss-restricted", &risky])),
        want(
            (18, 9, 9, 0, 0),
            "hostNamespaces privileged hostPathVolumes restrictedVolumes allowPrivilegeEscalation runAsNonRoot runAsUser seccompProfile_restricted capabilities_restricted",
            "",
            ""
        )
    );
    let nsa_manual = "NSA-17 NSA-18 NSA-23 NSA-24 NSA-26";
    assert_eq!(
        verdicts(&run(&["--spec", "nsa-k8s", &restricted])),
        want((26, 19, 1, 5, 1), "NSA-13", nsa_manual, "NSA-12")
    );
    assert_eq!(
        verdicts(&run(&["--spec", "nsa-k8s", &risky])),
        want(
            (26, 7, 13, 5, 1),
            "NSA-1 NSA-2 NSA-3 NSA-4 NSA-5 NSA-6 NSA-7 NSA-8 NSA-10 NSA-11 NSA-13 NSA-20 NSA-22",
            nsa_manual,
            "NSA-12"
        )
    );
    // The findings behind a failing control, with their place.
    let report = run(&["--spec", "pss-restricted", &risky]);
    let privileged = &report["sections"][0]["controls"][2];
    assert_eq!(privileged["id"], "privileged");
    let places: Vec<&str> =
        privileged["findings"].as_array().unwrap().iter().map(|f| f["place"].as_str().unwrap()).collect();
    assert_eq!(places.len(), 1);
    assert!(
        places[0].ends_with("Deployment/ops/agent spec.template.spec.containers[0].securityContext.privileged"),
        "{places:?}"
    );
}

#[test]
fn cis_docker_on_an_image_and_a_dockerfile_with_the_database_as_evidence() {
    let dockerfile = format!("dockerfile:{}", fixture("Dockerfile"));
    let report = run(&["--spec", "cis-docker", "--db", db().to_str().unwrap(), &debian_base(), &dockerfile]);
    let (counts, [fail, manual, na]) = verdicts(&report);
    assert_eq!(counts, (130, 1, 6, 5, 118));
    assert_eq!(fail, "4.1 4.4 4.6 4.7 4.8 4.10");
    assert_eq!(manual, "4.2 4.3 4.5 4.11 4.12");
    assert!(na.starts_with("1.1.1 ") && na.ends_with(" 8.2.1") && !na.contains(" 4."), "{na}");
    let section4 = &report["sections"][3];
    assert_eq!(section4["summary"]["pass"], 1);
    let control = |id: &str| section4["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    let ids = |c: &Value| {
        c["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&control("4.1")), ["HG-IMG-001", "HG-DF-003"]);
    assert_eq!(ids(&control("4.10")), ["HG-DF-029"]);
    assert_eq!(control("4.9")["verdict"], "pass");
    // 4.4: the fixable vulnerabilities of debian-base (16, all of unknown severity in this data).
    let vulns = ids(&control("4.4"));
    assert_eq!(vulns.len(), 16);
    assert!(vulns.iter().all(|v| v.starts_with("CVE-") || v.starts_with("DSA-") || v.starts_with("DLA-")), "{vulns:?}");
    // The evidence: both targets, when, and the database the image was matched against.
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.iter().map(|t| t["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["image", "dockerfile"]);
    assert_eq!(targets[0]["db"]["sources"].as_array().unwrap().len(), 18);
    assert!(targets[0]["db"]["built"].as_str().unwrap().ends_with('Z'));
    assert!(targets[1].get("db").is_none() && targets[1]["checked_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn soc2_and_hipaa_are_evidence_mappings() {
    let targets =
        [debian_base(), format!("dockerfile:{}", fixture("Dockerfile")), format!("k8s:{}", fixture("risky.yaml"))];
    let db = db().to_str().unwrap();
    let soc2 =
        run(&[&["--spec", "soc2", "--db", db][..], &targets.iter().map(String::as_str).collect::<Vec<_>>()].concat());
    assert_eq!(soc2["spec"]["kind"], "evidence-mapping");
    assert!(soc2["spec"]["statement"].as_str().unwrap().starts_with("An evidence mapping, not an attestation"));
    assert_eq!(
        verdicts(&soc2),
        want((13, 2, 6, 4, 1), "CC6.1 CC6.8 CC7.1 CC8.1 A1.2 C1.1", "CC6.2 CC6.3 CC7.3 CC7.4", "CC7.2")
    );
    let hipaa =
        run(&[&["--spec", "hipaa", "--db", db][..], &targets.iter().map(String::as_str).collect::<Vec<_>>()].concat());
    assert_eq!(hipaa["spec"]["kind"], "evidence-mapping");
    assert_eq!(
        verdicts(&hipaa),
        want(
            (11, 4, 3, 2, 2),
            "164.308(a)(4) 164.312(a)(1) 164.312(c)(1)",
            "164.308(a)(7) 164.312(a)(2)(iv)",
            "164.308(a)(1)(ii)(D) 164.312(b)"
        )
    );
    let out = hullguard(Path::new("."), &["compliance", "--spec", "hipaa", &format!("k8s:{}", fixture("risky.yaml"))]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Evidence mapping: the checks support these controls, they do not attest them."), "{text}");
    assert!(text.contains("11 controls: 1 pass, 3 fail, 2 manual, 5 not-applicable"), "{text}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    for (args, message) in [
        (
            vec!["--spec", "pci", "host"],
            "hullguard: unknown spec \"pci\" (expected one of cis-docker, cis-k8s, nsa-k8s, pss-restricted, soc2, hipaa)\n",
        ),
        (vec!["--spec", "cis-k8s", "k8s:/nonexistent/x.yaml"], "hullguard: /nonexistent/x.yaml: "),
        (
            vec!["--spec", "cis-docker", "host:/nonexistent"],
            "hullguard: host:/nonexistent: /nonexistent is not a directory\n",
        ),
    ] {
        let out = hullguard(Path::new("."), &[&["compliance"][..], &args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with(message) && err.lines().count() == 1, "{args:?}: {err}");
    }
}

fn engine_up() -> bool {
    Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success())
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().unwrap()
}

/// A risky container of this test, removed when dropped.
struct Risky(String);

impl Drop for Risky {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

#[test]
fn cis_docker_on_a_host_root_and_a_container_of_the_engine() {
    if !engine_up() {
        assert!(std::env::var("CI").is_err(), "the Docker Engine is required in CI");
        return;
    }
    if !docker(&["image", "inspect", "debian-base:latest"]).status.success() {
        assert!(docker(&["load", "-q", "-i", &image("bookworm-images.docker.tar")]).status.success());
    }
    let name = format!("hg-compliance-{}", std::process::id());
    let out = docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--cap-add",
        "SYS_ADMIN",
        "-v",
        "/var/run/docker.sock:/docker.sock",
        "debian-base",
        "sleep",
        "infinity",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _container = Risky(name.clone());
    // A host root with daemon.json writable by everyone (3.18) and /etc/docker as it should be.
    let root = Scratch::new();
    let etc = root.path("etc/docker");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("daemon.json"), br#"{"icc": false}"#).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(etc.join("daemon.json"), std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(&etc, std::fs::Permissions::from_mode(0o755)).unwrap();
    let host = format!("host:{}", root.path("").display());
    let report = run(&["--spec", "cis-docker", &host, &format!("containers:{name}")]);
    let verdict = |id: &str| {
        let controls = report["sections"].as_array().unwrap().iter().flat_map(|s| s["controls"].as_array().unwrap());
        controls.clone().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id}"))["verdict"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ids = ["3.5", "3.6", "3.17", "3.18", "5.5", "5.32", "C.5.3.3", "5.10", "4.1"];
    let got: Vec<String> = ids.iter().map(|id| verdict(id)).collect();
    assert_eq!(got, ["pass", "pass", "pass", "fail", "pass", "fail", "fail", "pass", "not-applicable"]);
    let kinds: Vec<&str> = report["targets"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["host", "containers"]);
    assert_eq!(report["summary"]["total"], 130);
}

/// The Chromium program of the Debian package.
fn chromium() -> Option<PathBuf> {
    required("chromium").then(|| PathBuf::from("chromium"))
}

#[test]
fn the_html_report_shows_the_json_counts_in_headless_chromium_offline() {
    let Some(chromium) = chromium() else { return };
    let dir = Scratch::new();
    let (html, json) = (dir.path("report.html"), dir.path("report.json"));
    let target = format!("k8s:{}", fixture("risky.yaml"));
    for (format, file) in [("html", &html), ("json", &json)] {
        let out = hullguard(
            Path::new("."),
            &["compliance", "--spec", "cis-k8s", &target, "-f", format, "-o", file.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"), "self-contained");
    // No network: every host resolves nowhere and the proxy is a closed loopback port.
    let offline = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ];
    let url = format!("file://{}", html.display());
    let profile = dir.path("profile");
    let user_dir = format!("--user-data-dir={}", profile.display());
    let out = Command::new(&chromium).args(offline).arg(&user_dir).args(["--dump-dom", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dom = String::from_utf8(out.stdout).unwrap();
    // The counts of the summary and of each section heading, as the browser's DOM has them.
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        Some(tag[start..][..tag[start..].find('"')?].to_owned())
    };
    for key in ["total", "pass", "fail", "manual", "not_applicable"] {
        let marker = format!("data-count=\"{key}\">");
        let at = dom.find(&marker).unwrap_or_else(|| panic!("no {key} count in the DOM")) + marker.len();
        let shown: u64 = dom[at..][..dom[at..].find('<').unwrap()].parse().unwrap();
        assert_eq!(shown, report["summary"][key].as_u64().unwrap(), "{key}");
    }
    let headings: Vec<&str> = dom.split("<h2 class=\"section\"").skip(1).map(|h| &h[..h.find('>').unwrap()]).collect();
    let sections = report["sections"].as_array().unwrap();
    assert_eq!(headings.len(), sections.len());
    for (h, s) in headings.iter().zip(sections) {
        assert_eq!(attr(h, "data-id").as_deref(), s["id"].as_str());
        for (a, k) in [
            ("data-pass", "pass"),
            ("data-fail", "fail"),
            ("data-manual", "manual"),
            ("data-not-applicable", "not_applicable"),
        ] {
            assert_eq!(attr(h, a).and_then(|v| v.parse::<u64>().ok()), s["summary"][k].as_u64(), "{h} {a}");
        }
    }
    let rows = dom.matches("<tr class=\"control\"").count() as u64;
    assert_eq!(rows, report["summary"]["total"].as_u64().unwrap());
    // A screenshot: a PNG of some size.
    let shot = dir.path("shot.png");
    let out = Command::new(&chromium)
        .args(offline)
        .arg(&user_dir)
        .args([&format!("--screenshot={}", shot.display()), "--window-size=1200,900", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "{} bytes", png.len());
}

#[test]
fn cis_docker_on_a_compose_file_decides_the_runtime_section() {
    let report = run(&["--spec", "cis-docker", &format!("compose:{}", fixture("compose.yaml"))]);
    let (counts, [fail, manual, _]) = verdicts(&report);
    assert_eq!(counts, (130, 10, 9, 5, 106));
    assert_eq!(fail, "5.4 5.5 5.8 5.11 5.12 5.14 5.26 5.27 5.29");
    assert_eq!(manual, "4.2 4.3 4.5 4.11 4.12", "controls without a check are manual whatever was scanned");
    assert_eq!(report["sections"][4]["summary"]["pass"], 10);
}
