//! Parses real lockfiles from the shared test inputs, read in place.
//!
//! The directory comes from `HULLGUARD_SHARED` (default: `shared/` beside the
//! repositories); run with `HULLGUARD_SHARED=/work/shared`.

use std::path::PathBuf;

use hullguard_lockfile::{Format, Locked, detect, parse};

fn shared_input(relative: &str) -> Vec<u8> {
    let root = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    let path = root.join("images/inputs").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn find<'a>(list: &'a [Locked], name: &str, version: &str) -> &'a Locked {
    list.iter().find(|l| l.name == name && l.version == version).unwrap_or_else(|| panic!("{name} {version} missing"))
}

#[test]
fn rustapp_cargo_lock() {
    let format = detect("rustapp/Cargo.lock").expect("detected");
    assert_eq!(format, Format::CargoLock);
    let list = parse(format, &shared_input("rustapp/Cargo.lock")).expect("parses");
    assert_eq!(list.len(), 46);
    assert_eq!((list[0].name.as_str(), list[0].version.as_str()), ("aho-corasick", "0.7.20"));
    let last = list.last().expect("non-empty");
    assert_eq!((last.name.as_str(), last.version.as_str()), ("winapi-x86_64-pc-windows-gnu", "0.4.0"));
    for (name, version) in [("chrono", "0.4.19"), ("time", "0.1.43"), ("bytes", "1.12.2")] {
        let l = find(&list, name, version);
        assert!(!l.dev);
        assert_eq!(l.direct, None);
    }
    let root = find(&list, "rustapp", "0.1.0");
    assert!(root.local);
    assert_eq!(
        root.dependencies,
        ["chrono@0.4.19", "hyper@0.14.9", "regex@1.5.4", "smallvec@1.6.0", "time@0.1.43", "tokio@1.8.0"]
    );
    assert_eq!(
        find(&list, "chrono", "0.4.19").dependencies,
        ["libc@0.2.191", "num-integer@0.1.47", "num-traits@0.2.19", "time@0.1.43", "winapi@0.3.9"]
    );
    assert_eq!(list.iter().filter(|l| l.local).count(), 1);
}

#[test]
fn npm_package_lock_v3() {
    let format = detect("npm/package-lock.json").expect("detected");
    assert_eq!(format, Format::PackageLock);
    let list = parse(format, &shared_input("npm/package-lock.json")).expect("parses");
    assert_eq!(list.len(), 55);
    assert!(list.iter().all(|l| !l.dev));
    for name in ["axios", "express", "lodash", "minimist", "node-fetch"] {
        let direct: Vec<_> = list.iter().filter(|l| l.name == name).collect();
        assert_eq!(direct.len(), 1, "{name}");
        assert_eq!(direct[0].direct, Some(true), "{name}");
    }
    assert_eq!(find(&list, "lodash", "4.17.15").direct, Some(true));
    assert_eq!(find(&list, "express", "4.17.1").direct, Some(true));
    assert_eq!(find(&list, "accepts", "1.3.8").direct, Some(false));
    // `ms` is installed twice: hoisted 2.0.0 and 2.1.1 nested under `send`.
    assert_eq!(find(&list, "ms", "2.0.0").direct, Some(false));
    assert_eq!(find(&list, "ms", "2.1.1").direct, Some(false));
    // `send` loads its nested `ms`, `debug` the hoisted one.
    let send = &find(&list, "send", "0.17.1").dependencies;
    assert_eq!(send.len(), 13);
    assert!(send.contains(&"ms@2.1.1".to_owned()) && send.contains(&"debug@2.6.9".to_owned()), "{send:?}");
    assert_eq!(find(&list, "debug", "2.6.9").dependencies, ["ms@2.0.0"]);
    assert_eq!(find(&list, "axios", "0.21.0").dependencies, ["follow-redirects@1.16.3"]);
    // Every edge of the lockfile resolves: 85 across its 55 packages.
    assert_eq!(list.iter().map(|l| l.dependencies.len()).sum::<usize>(), 85);
}
