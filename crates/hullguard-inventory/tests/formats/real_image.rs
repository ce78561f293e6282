//! Parses the Go binaries and Java archives of the real `app-mixed` image and compares the
//! results with the image's ground truth.

use std::collections::BTreeMap;

use crate::support;
use hullguard_inventory::format::go::parse_go_buildinfo;
use hullguard_inventory::format::java::{Evidence, JarLimits, parse_jar};
use serde_json::Value;

fn opt_str(v: &Value) -> Option<&str> {
    v.as_str()
}

#[test]
fn go_binaries_match_truth() {
    let files = support::app_mixed_files();
    let items = support::truth()["packages"]["go_binaries"]["items"].as_array().expect("go items");
    assert_eq!(items.len(), 3);
    for item in items {
        let path = item["path"].as_str().expect("path");
        let info = parse_go_buildinfo(&files[path])
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .unwrap_or_else(|| panic!("{path}: no build info"));
        assert_eq!(info.go_version, item["go_version"].as_str().unwrap(), "{path}");
        assert_eq!(info.path, item["main_package"].as_str().unwrap(), "{path}");
        assert_eq!(info.main.as_ref().map(|m| m.path.as_str()), opt_str(&item["main_module"]), "{path}");
        assert_eq!(info.main.as_ref().map(|m| m.version.as_str()), opt_str(&item["main_version"]), "{path}");
        if let Some(main) = &info.main {
            assert!(main.replace.is_none(), "{path}");
        }
        let expected: Vec<(&str, &str, Option<&str>)> = item["deps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["path"].as_str().unwrap(), d["version"].as_str().unwrap(), opt_str(&d["sum"])))
            .collect();
        let got: Vec<(&str, &str, Option<&str>)> =
            info.deps.iter().map(|d| (d.path.as_str(), d.version.as_str(), d.sum.as_deref())).collect();
        assert_eq!(got, expected, "{path}");
        assert!(info.deps.iter().all(|d| d.replace.is_none()), "{path}");
        let settings: BTreeMap<&str, &str> = info.settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(settings.len(), info.settings.len(), "{path}: duplicate settings");
        let expected: BTreeMap<&str, &str> = item["build_settings"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        assert_eq!(settings, expected, "{path}");
    }
}

#[test]
fn java_archives_match_truth() {
    let files = support::app_mixed_files();
    let items = support::truth()["packages"]["java"]["items"].as_array().expect("java items");
    let mut expected: Vec<(String, Option<String>, String, String)> = items
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_owned(),
                i["group_id"].as_str().map(str::to_owned),
                i["artifact_id"].as_str().unwrap().to_owned(),
                i["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    expected.sort();
    let mut got = Vec::new();
    for outer in items.iter().filter(|i| i["nested_in"].is_null()) {
        let path = outer["path"].as_str().unwrap();
        let scan = parse_jar(&files[path], path, &JarLimits::default()).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(scan.warnings, vec![], "{path}");
        for pkg in scan.packages {
            assert_eq!(pkg.source, Evidence::PomProperties, "{}", pkg.path);
            got.push((pkg.path, pkg.group_id, pkg.artifact_id, pkg.version));
        }
    }
    got.sort();
    assert_eq!(got, expected);
}
