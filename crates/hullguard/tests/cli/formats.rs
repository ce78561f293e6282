//! The report formats on real scans: the JSON report against its documented schema
//! (docs/report.schema.json, python jsonschema), JUnit read back by junitparser, and GitLab's
//! container-scanning report field by field.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::scan::{db, scan};
use crate::support::{hullguard, of_kind, python_check, sha256};

/// The three kinds of findings of app-mixed, in `format`.
fn all_kinds(format: &str) -> Vec<u8> {
    let out = scan(&["--format", format, "--scanners", "vuln,misconfig,secret"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn json_report() -> Value {
    serde_json::from_slice(&all_kinds("json")).unwrap()
}

#[test]
fn json_report_matches_its_documented_schema() {
    let report = all_kinds("json");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/report.schema.json");
    // The schema must also reject what is not a report: an unknown field, a missing one, a
    // vulnerability without its package data, a secret with a vulnerability's data, an unknown
    // location type.
    let script = format!(
        "import copy, json, sys, jsonschema\n\
         schema = json.load(open({:?}))\n\
         jsonschema.Draft202012Validator.check_schema(schema)\n\
         v = jsonschema.Draft202012Validator(schema)\n\
         r = json.load(sys.stdin)\n\
         errors = [f'{{list(e.absolute_path)}}: {{e.message}}' for e in v.iter_errors(r)]\n\
         assert not errors, errors[:5]\n\
         def broken(change):\n    x = copy.deepcopy(r); change(x); return v.is_valid(x)\n\
         fs = r['findings']\n\
         first = lambda kind: next(i for i, f in enumerate(fs) if f['kind'] == kind)\n\
         counts = [sum(f['kind'] == k for f in fs) for k in ('vulnerability', 'misconfiguration', 'secret')]\n\
         print(*counts, [broken(c) for c in (\n\
             lambda x: x.update(extra=1), lambda x: x['findings'][0].pop('severity'),\n\
             lambda x: x['findings'][first('vulnerability')].pop('vulnerability'),\n\
             lambda x: x['findings'][first('secret')].update(vulnerability=fs[first('vulnerability')]['vulnerability']),\n\
             lambda x: x['findings'][first('misconfiguration')]['location'].update(type='line'))])\n",
        schema.display().to_string()
    );
    let Some(verdict) = python_check(&script, &report) else { return };
    let report: Value = serde_json::from_slice(&report).unwrap();
    let count = |kinds: &str| of_kind(&report, kinds).len();
    assert!(count("vulnerabilities") > 100 && count("misconfigurations") > 0 && count("secrets") > 0);
    assert_eq!(
        verdict,
        format!(
            "{} {} {} [False, False, False, False, False]",
            count("vulnerabilities"),
            count("misconfigurations"),
            count("secrets")
        )
    );

    // `fs` findings sit in files (lines and columns), which the image's do not; a vulnerable
    // package of a lockfile sits in the lockfile as a whole.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM debian:12\nRUN curl -fsSL https://get.example | sh\n").unwrap();
    std::fs::write(dir.path().join("deploy.env"), "AWS_ACCESS_KEY_ID=AKIAZ7QFT3LQW2RUMB5N\n").unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "PyYAML==5.3.1\n").unwrap();
    let args = ["fs", ".", "--db", db().to_str().unwrap(), "--scanners", "vuln,misconfig,secret", "-f", "json", "-q"];
    let out = hullguard(dir.path(), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let script = format!(
        "import json, sys, jsonschema\n\
         r = json.load(sys.stdin)\n\
         jsonschema.validate(r, json.load(open({:?})), cls=jsonschema.Draft202012Validator)\n\
         print(sorted({{(f['kind'], f['location']['type']) for f in r['findings']}}))\n",
        schema.display().to_string()
    );
    assert_eq!(
        python_check(&script, &out.stdout).unwrap(),
        "[('misconfiguration', 'file'), ('secret', 'file'), ('vulnerability', 'path')]"
    );

    // `config` and `dockerfile` write the same report, with the build files read.
    for command in ["config", "dockerfile"] {
        let out = hullguard(dir.path(), &[command, if command == "config" { "." } else { "Dockerfile" }, "-f", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let script = format!(
            "import json, sys, jsonschema\n\
             r = json.load(sys.stdin)\n\
             jsonschema.validate(r, json.load(open({:?})), cls=jsonschema.Draft202012Validator)\n\
             print(r['schema_version'], r['files'], sorted({{f['kind'] for f in r['findings']}}))\n",
            schema.display().to_string()
        );
        let files = if command == "config" { "./Dockerfile" } else { "Dockerfile" };
        assert_eq!(python_check(&script, &out.stdout).unwrap(), format!("2 ['{files}'] ['misconfiguration']"));
    }

    // `k8s` and `compose` write the same report, their findings located in manifest objects.
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\nspec:\n  containers:\n  - name: app\n    image: nginx\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "services:\n  web:\n    image: nginx\n    privileged: true\n")
        .unwrap();
    for (command, file) in [("k8s", "pod.yaml"), ("compose", "compose.yaml")] {
        let out = hullguard(dir.path(), &[command, file, "-f", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let script = format!(
            "import json, sys, jsonschema\n\
             r = json.load(sys.stdin)\n\
             jsonschema.validate(r, json.load(open({:?})), cls=jsonschema.Draft202012Validator)\n\
             print(r['schema_version'], sorted({{(f['kind'], f['location']['type']) for f in r['findings']}}))\n",
            schema.display().to_string()
        );
        assert_eq!(python_check(&script, &out.stdout).unwrap(), "2 [('misconfiguration', 'manifest')]", "{command}");
    }
}

/// What junitparser reads from a JUnit document: per suite its name, counts and testcases
/// (name, classname, and the failure's message, type and text).
fn junit_parsed(xml: &[u8]) -> Option<Value> {
    let script = "import json, sys\nfrom junitparser import JUnitXml, Failure\n\
                  doc = JUnitXml.fromstring(sys.stdin.buffer.read())\n\
                  out = [{'name': s.name, 'tests': s.tests, 'failures': s.failures, 'cases': [\n\
                      {'name': c.name, 'classname': c.classname, 'failure': [\n\
                          {'message': r.message, 'type': r.type, 'text': r.text} for r in c.result if isinstance(r, Failure)]}\n\
                      for c in s]} for s in doc]\n\
                  print(json.dumps({'tests': doc.tests, 'failures': doc.failures, 'suites': out}))\n";
    python_check(script, xml).map(|s| serde_json::from_str(&s).unwrap())
}

#[test]
fn junit_has_a_suite_per_ecosystem_and_kind_and_a_failing_testcase_per_finding() {
    let report = json_report();
    let Some(parsed) = junit_parsed(&all_kinds("junit")) else { return };
    let target = "app-mixed:latest";
    let mut want: BTreeMap<String, usize> = BTreeMap::new();
    for f in of_kind(&report, "vulnerabilities") {
        *want.entry(format!("vulnerabilities: {} ({target})", f["ecosystem"].as_str().unwrap())).or_default() += 1;
    }
    want.insert(format!("misconfigurations ({target})"), of_kind(&report, "misconfigurations").len());
    want.insert(format!("secrets ({target})"), of_kind(&report, "secrets").len());
    let suites = parsed["suites"].as_array().unwrap();
    let got: BTreeMap<String, usize> = suites
        .iter()
        .map(|s| {
            let cases = s["cases"].as_array().unwrap();
            assert_eq!(s["tests"], cases.len());
            assert_eq!(s["failures"], cases.len(), "every finding is a failure");
            assert!(cases.iter().all(|c| c["failure"].as_array().unwrap().len() == 1));
            (s["name"].as_str().unwrap().to_owned(), cases.len())
        })
        .collect();
    assert_eq!(got, want);
    let total: usize = want.values().sum();
    assert_eq!((parsed["tests"].as_u64(), parsed["failures"].as_u64()), (Some(total as u64), Some(total as u64)));

    // One testcase in full: PyYAML's CVE-2020-14343.
    let pyyaml = suites
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .find(|c| c["name"].as_str().unwrap().contains("CVE-2020-14343 PyYAML@"))
        .unwrap();
    let f = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == "CVE-2020-14343").unwrap();
    assert_eq!(pyyaml["name"], format!("[{}] CVE-2020-14343 PyYAML@5.3.1", f["severity"].as_str().unwrap()));
    assert_eq!(pyyaml["classname"], "/usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/METADATA");
    let failure = &pyyaml["failure"][0];
    assert_eq!(failure["message"], format!("CVE-2020-14343: {}", f["title"].as_str().unwrap()));
    assert_eq!(failure["type"], f["severity"]);
    let text = failure["text"].as_str().unwrap();
    for line in [
        "Package: PyYAML",
        "Installed version: 5.3.1",
        "Fixed version: 5.4",
        "Status: fixed",
        "Path: /usr/local/lib/python3.11/site-packages/PyYAML-5.3.1.dist-info/METADATA",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in {text}");
    }
}

#[test]
fn junit_passes_a_clean_scan_and_carries_hostile_names_intact() {
    let dir = tempfile::tempdir().unwrap();
    let name = "we<ird&\"\u{1}]]>.env";
    std::fs::write(dir.path().join(name), "AWS_ACCESS_KEY_ID=AKIAZ7QFT3LQW2RUMB5N\n").unwrap();
    let out = hullguard(
        dir.path(),
        &["fs", ".", "--db", db().to_str().unwrap(), "--scanners", "vuln,secret", "--format", "junit", "--quiet"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let Some(parsed) = junit_parsed(&out.stdout) else { return };
    let shown = "we<ird&\"\u{fffd}]]>.env:1";
    assert_eq!(
        parsed,
        json!({"tests": 2, "failures": 1, "suites": [
            {"name": "vulnerabilities (.)", "tests": 1, "failures": 0, "cases": [
                {"name": "no vulnerabilities in 0 packages", "classname": ".", "failure": []}]},
            {"name": "secrets (.)", "tests": 1, "failures": 1, "cases": [
                {"name": format!("[CRITICAL] aws-access-key-id {shown}"), "classname": shown, "failure": [{
                    "message": "aws-access-key-id: AWS access key ID",
                    "type": "CRITICAL",
                    "text": format!("AWS access key ID found in {}\nWhere: {shown}\nSeverity: CRITICAL\n\
                        Evidence: AWS_ACCESS_KEY_ID=AKIA*****\n\
                        Fix: Remove the secret from the file (and from every image layer holding it), revoke it and issue a new one",
                        &shown[..shown.len() - 2]),
                }]}]},
        ]})
    );
}

#[test]
fn gitlab_report_has_the_container_scanning_fields_and_stable_ids() {
    let report = json_report();
    let doc: Value = serde_json::from_slice(&all_kinds("gitlab")).unwrap();
    assert_eq!(doc["version"], "15.0.7");
    let scan = &doc["scan"];
    let tool = json!({"id": "hullguard", "name": "hullguard", "version": env!("CARGO_PKG_VERSION"), "vendor": {"name": "hullguard"}});
    assert_eq!((&scan["analyzer"], &scan["scanner"]), (&tool, &tool));
    assert_eq!((&scan["type"], &scan["status"]), (&json!("container_scanning"), &json!("success")));
    let time = |key: &str| {
        let t = scan[key].as_str().unwrap().to_owned();
        let shape: String = t.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
        assert_eq!(shape, "9999-99-99T99:99:99", "{key}: {t}");
        t
    };
    assert!(time("start_time") <= time("end_time"));
    assert_eq!(doc.as_object().unwrap().len(), 3, "version, scan, vulnerabilities");

    let vulns = doc["vulnerabilities"].as_array().unwrap();
    let findings = of_kind(&report, "vulnerabilities");
    assert_eq!(
        vulns.len(),
        findings.len(),
        "one per vulnerability finding; misconfigurations and secrets have no place"
    );
    let mut ids = std::collections::BTreeSet::new();
    for (v, f) in vulns.iter().zip(&findings) {
        let key = ["id", "package", "installed", "path"].map(|k| f[k].as_str().unwrap()).join("\0");
        let hex = &sha256(key.as_bytes())[..32];
        let id = format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]);
        assert_eq!(v["id"], id);
        assert!(ids.insert(id), "ids are unique");
        let severity = f["severity"].as_str().unwrap();
        assert_eq!(v["severity"], format!("{}{}", &severity[..1], severity[1..].to_lowercase()));
        assert_eq!(v["identifiers"][0]["value"], f["id"], "the primary identifier is the id shown");
        assert_eq!(v["location"]["operating_system"], "debian:12");
        assert_eq!(v["location"]["image"], "app-mixed:latest");
    }
    let pyyaml = vulns.iter().find(|v| v["identifiers"][0]["value"] == "CVE-2020-14343").unwrap();
    let f = findings.iter().find(|f| f["id"] == "CVE-2020-14343").unwrap();
    let mut identifiers = vec![json!({"type": "cve", "name": "CVE-2020-14343", "value": "CVE-2020-14343",
        "url": "https://nvd.nist.gov/vuln/detail/CVE-2020-14343"})];
    for alias in f["aliases"].as_array().unwrap() {
        let alias = alias.as_str().unwrap();
        let url = if alias.starts_with("GHSA-") {
            format!("https://github.com/advisories/{alias}")
        } else {
            format!("https://osv.dev/vulnerability/{alias}")
        };
        let kind = alias.split('-').next().unwrap().to_lowercase();
        identifiers.push(json!({"type": kind, "name": alias, "value": alias, "url": url}));
    }
    assert_eq!(
        pyyaml,
        &json!({
            "id": pyyaml["id"],
            "name": f["title"],
            "description": f["title"],
            "severity": pyyaml["severity"],
            "solution": "Upgrade PyYAML to 5.4 or later.",
            "identifiers": identifiers,
            "links": f["references"].as_array().unwrap().iter().map(|u| json!({"url": u})).collect::<Vec<_>>(),
            "location": {
                "dependency": {"package": {"name": "PyYAML"}, "version": "5.3.1"},
                "operating_system": "debian:12",
                "image": "app-mixed:latest",
            },
        })
    );
}
