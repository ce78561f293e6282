//! `cargo auditable` dependency lists in ELF files written by the test itself: the exact
//! packages of a known tree, and damaged or hostile sections as errors, never panics.

use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use hullguard_inventory::format::cargo_auditable::{
    AuditData, DependencyKind, Error, MAX_DECOMPRESSED_LEN, Package, Source, decode_audit_data, parse_cargo_auditable,
};
use hullguard_inventory::{Analyzer, Ecosystem, FoundPackage, LayerFacts, builtin};
use object::write::Object as ObjectWriter;
use object::{Architecture, BinaryFormat, Endianness, SectionKind};

use crate::go_hostile::Rng;

/// A dependency tree with a local root, a crates.io runtime dependency, a build-only
/// dependency and a git dependency, in the shape `cargo auditable` writes.
const TREE: &str = r#"{"format":1,"packages":[
  {"name":"demo-app","version":"0.3.1","source":"local","dependencies":[1,2,3],"root":true},
  {"name":"serde_json","version":"1.0.140","source":"crates.io","dependencies":[3]},
  {"name":"cc","version":"1.2.27","source":"crates.io","kind":"build"},
  {"name":"gitdep","version":"0.1.0-alpha.2","source":"git","kind":"runtime"}
]}"#;

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A small x86-64 ELF object with a `.text` section and, when given, a `.dep-v0` section.
fn elf(dep_v0: Option<&[u8]>) -> Vec<u8> {
    elf_with(dep_v0.map(|data| (".dep-v0", data)).as_slice())
}

/// A small x86-64 ELF object with a `.text` section and the given (name, content) data sections.
fn elf_with(sections: &[(&str, &[u8])]) -> Vec<u8> {
    let mut obj = ObjectWriter::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let text = obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
    obj.set_section_data(text, vec![0xc3; 16], 16);
    for (name, data) in sections {
        let section = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::ReadOnlyData);
        obj.set_section_data(section, data.to_vec(), 16);
    }
    obj.write().unwrap()
}

/// A Go 1.18+ `.go.buildinfo` section: the header, then the Go version and the module info
/// (wrapped in its sentinels), each behind a one-byte length.
fn go_buildinfo(version: &str, modinfo: &str) -> Vec<u8> {
    let mut out = b"\xff Go buildinf:\x08\x02".to_vec();
    out.resize(32, 0);
    let mut wrapped = vec![0x30; 16];
    wrapped.extend_from_slice(modinfo.as_bytes());
    wrapped.extend_from_slice(&[0x31; 16]);
    for field in [version.as_bytes(), &wrapped] {
        out.push(u8::try_from(field.len()).ok().filter(|&n| n < 0x80).expect("one-byte length"));
        out.extend_from_slice(field);
    }
    out
}

/// The one analyzer that reads executables (Go build info and cargo auditable data alike).
fn analyzer() -> Box<dyn Analyzer> {
    builtin().into_iter().find(|a| a.id() == "elf-executable").expect("elf-executable is built in")
}

fn analyze(content: &[u8]) -> (Result<(), String>, LayerFacts) {
    let mut facts = LayerFacts::default();
    let result = analyzer().analyze("usr/local/bin/demo-app", content, &mut facts);
    (result, facts)
}

fn package(name: &str, version: &str, source: Source, kind: DependencyKind, deps: &[usize], root: bool) -> Package {
    Package { name: name.into(), version: version.into(), source, kind, dependencies: deps.to_vec(), root }
}

#[test]
fn fixture_tree_is_read_exactly() {
    let data = parse_cargo_auditable(&elf(Some(&zlib(TREE.as_bytes())))).unwrap().expect("section present");
    assert_eq!(
        data,
        AuditData {
            format: 1,
            packages: vec![
                package("demo-app", "0.3.1", Source::Local, DependencyKind::Runtime, &[1, 2, 3], true),
                package("serde_json", "1.0.140", Source::CratesIo, DependencyKind::Runtime, &[3], false),
                package("cc", "1.2.27", Source::CratesIo, DependencyKind::Build, &[], false),
                package("gitdep", "0.1.0-alpha.2", Source::Git, DependencyKind::Runtime, &[], false),
            ],
        }
    );
}

#[test]
fn analyzer_reports_cargo_packages_with_local_root_marked() {
    let (result, facts) = analyze(&elf(Some(&zlib(TREE.as_bytes()))));
    result.unwrap();
    let found = |name: &str, version: &str, root_project: bool, depends_on: &[&str]| {
        let mut p = FoundPackage::new(Ecosystem::Cargo, name.into(), version.into(), "/usr/local/bin/demo-app".into());
        p.root_project = root_project;
        p.depends_on = depends_on.iter().map(ToString::to_string).collect();
        p
    };
    // The dependency indices become `name@version` references, sorted; the edge to the
    // build-kind `cc` is also a build edge.
    let mut demo_app = found("demo-app", "0.3.1", true, &["cc@1.2.27", "gitdep@0.1.0-alpha.2", "serde_json@1.0.140"]);
    demo_app.dev_depends_on = vec!["cc@1.2.27".into()];
    assert_eq!(
        facts.packages,
        [
            demo_app,
            found("serde_json", "1.0.140", false, &["gitdep@0.1.0-alpha.2"]),
            found("cc", "1.2.27", false, &[]),
            found("gitdep", "0.1.0-alpha.2", false, &[]),
        ]
    );
    assert!(facts.warnings.is_empty());
}

#[test]
fn go_and_cargo_evidence_of_one_executable_are_both_read() {
    let modinfo = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/net\tv0.7.0\t\n";
    let buildinfo = go_buildinfo("go1.22.1", modinfo);
    let compressed = zlib(TREE.as_bytes());
    let summary = |facts: &LayerFacts| -> Vec<String> {
        facts
            .packages
            .iter()
            .map(|p| format!("{:?} {}@{} {:?}", p.ecosystem, p.name, p.version, p.depends_on))
            .collect()
    };
    let go = [
        r#"Go example.com/app@(devel) ["golang.org/x/net@v0.7.0", "stdlib@go1.22.1"]"#,
        "Go golang.org/x/net@v0.7.0 []",
        "Go stdlib@go1.22.1 []",
    ];
    let (result, both) = analyze(&elf_with(&[(".go.buildinfo", &buildinfo), (".dep-v0", &compressed)]));
    result.unwrap();
    let (_, cargo_only) = analyze(&elf(Some(&compressed)));
    let expected: Vec<String> = go.iter().map(ToString::to_string).chain(summary(&cargo_only)).collect();
    assert_eq!(cargo_only.packages.len(), 4);
    assert_eq!(summary(&both), expected);

    // A corrupt `.dep-v0` costs only the crates: the Go modules stay, with one problem.
    let (result, facts) = analyze(&elf_with(&[(".go.buildinfo", &buildinfo), (".dep-v0", b"not zlib at all")]));
    assert!(result.unwrap_err().starts_with("corrupt zlib stream: "));
    assert_eq!(summary(&facts), go);

    // Both malformed: one problem string naming both, no packages.
    let empty_version = go_buildinfo("", modinfo);
    let (result, facts) = analyze(&elf_with(&[(".go.buildinfo", &empty_version), (".dep-v0", b"")]));
    assert_eq!(result.unwrap_err(), "build info has an empty Go version; empty audit data section");
    assert!(facts.packages.is_empty());
}

#[test]
fn elf_without_section_is_none() {
    assert_eq!(parse_cargo_auditable(&elf(None)).unwrap(), None);
    let (result, facts) = analyze(&elf(None));
    result.unwrap();
    assert!(facts.packages.is_empty());
}

#[test]
fn empty_section_is_an_error() {
    assert!(matches!(parse_cargo_auditable(&elf(Some(&[]))), Err(Error::Empty)));
    let (result, facts) = analyze(&elf(Some(&[])));
    assert_eq!(result.unwrap_err(), "empty audit data section");
    assert!(facts.packages.is_empty());
}

#[test]
fn truncated_zlib_is_an_error_at_every_cut() {
    let compressed = zlib(TREE.as_bytes());
    for cut in 1..compressed.len() {
        let result = decode_audit_data(&compressed[..cut]);
        assert!(matches!(result, Err(Error::Truncated | Error::Inflate(_))), "cut {cut}: {result:?}");
    }
    let (result, facts) = analyze(&elf(Some(&compressed[..compressed.len() / 2])));
    assert_eq!(result.unwrap_err(), "truncated zlib stream");
    assert!(facts.packages.is_empty());
}

#[test]
fn zlib_bomb_is_refused_by_the_cap() {
    let zeros = vec![0u8; 2 * MAX_DECOMPRESSED_LEN];
    let bomb = zlib(&zeros);
    assert!(bomb.len() < 64 * 1024, "bomb is small: {} bytes", bomb.len());
    assert!(matches!(decode_audit_data(&bomb), Err(Error::DecompressedTooLarge)));
    // One byte over the cap is refused too.
    assert!(matches!(decode_audit_data(&zlib(&zeros[..=MAX_DECOMPRESSED_LEN])), Err(Error::DecompressedTooLarge)));
    let (result, facts) = analyze(&elf(Some(&bomb)));
    assert!(result.unwrap_err().contains("inflates to more than"));
    assert!(facts.packages.is_empty());
}

#[test]
fn corrupt_zlib_is_an_error() {
    assert!(matches!(decode_audit_data(b"not zlib at all"), Err(Error::Inflate(_))));
    let mut compressed = zlib(TREE.as_bytes());
    let last = compressed.len() - 1;
    compressed[last] ^= 0xff; // Adler-32 checksum
    assert!(matches!(decode_audit_data(&compressed), Err(Error::Inflate(_))));
}

#[test]
fn invalid_json_is_an_error() {
    for json in [
        &b"{\"packages\":[{\"name\":\"a\""[..],
        b"\xff\xfe",
        b"[]",
        b"{}",
        b"{\"packages\":[{\"name\":\"a\",\"version\":\"1.0.0\"}]}",
        b"{\"packages\":[{\"name\":\"a\",\"version\":\"1.0.0\",\"source\":\"local\",\"dependencies\":[-1]}]}",
    ] {
        assert!(matches!(decode_audit_data(&zlib(json)), Err(Error::Json(_))), "{:?}", String::from_utf8_lossy(json));
    }
    let (result, facts) = analyze(&elf(Some(&zlib(b"{\"packages\":"))));
    assert!(result.unwrap_err().starts_with("invalid audit JSON"));
    assert!(facts.packages.is_empty());
}

#[test]
fn invalid_packages_are_errors() {
    for (json, index) in [
        (r#"{"packages":[{"name":"../etc","version":"1.0.0","source":"crates.io"}]}"#, 0),
        (
            r#"{"packages":[{"name":"a","version":"1.0.0","source":"crates.io"},{"name":"","version":"1.0.0","source":"crates.io"}]}"#,
            1,
        ),
        (r#"{"packages":[{"name":"a","version":"latest","source":"crates.io"}]}"#, 0),
        (r#"{"packages":[{"name":"a","version":"1.0.0","source":""}]}"#, 0),
        (r#"{"packages":[{"name":"a","version":"1.0.0","source":"git","dependencies":[7]}]}"#, 0),
        (r#"{"packages":[{"name":"a","version":"1.0.0","source":"git","dependencies":[0]}]}"#, 0),
    ] {
        let result = decode_audit_data(&zlib(json.as_bytes()));
        assert!(matches!(result, Err(Error::Invalid { index: i, .. }) if i == index), "{json}: {result:?}");
    }
}

#[test]
fn non_elf_input_gives_no_packages() {
    for content in [&b""[..], b"\x7fEL", b"#!/bin/sh\necho hi\n", &[0u8; 4096]] {
        let (result, facts) = analyze(content);
        result.unwrap();
        assert!(facts.packages.is_empty());
        assert!(parse_cargo_auditable(content).is_err());
    }
    // ELF magic followed by garbage: a warning, no packages.
    let mut garbage = b"\x7fELF".to_vec();
    garbage.extend_from_slice(&[0xab; 2048]);
    let (result, facts) = analyze(&garbage);
    assert!(result.is_err());
    assert!(facts.packages.is_empty());
}

#[test]
fn damaged_files_do_not_panic() {
    let bytes = elf(Some(&zlib(TREE.as_bytes())));
    for cut in 0..bytes.len() {
        let _ = parse_cargo_auditable(&bytes[..cut]);
    }
    let mut rng = Rng::new(0x0dec_0de5);
    for _ in 0..2000 {
        let mut mutated = bytes.clone();
        for _ in 0..=rng.below(8) {
            let at = rng.below(mutated.len());
            mutated[at] = rng.next() as u8;
        }
        let _ = parse_cargo_auditable(&mutated);
        let _ = analyze(&mutated);
    }
    let compressed = zlib(TREE.as_bytes());
    for _ in 0..2000 {
        let mut mutated = compressed.clone();
        let at = rng.below(mutated.len());
        mutated[at] ^= 1 << rng.below(8);
        let _ = decode_audit_data(&mutated);
    }
}

/// A binary built with the real `cargo auditable` (not needed in CI):
/// `HULLGUARD_AUDITABLE_BIN=path cargo test -p hullguard-inventory --test formats -- --ignored real_`.
#[test]
#[ignore = "needs a binary built with cargo auditable in HULLGUARD_AUDITABLE_BIN"]
fn real_cargo_auditable_binary() {
    let path = std::env::var_os("HULLGUARD_AUDITABLE_BIN").expect("HULLGUARD_AUDITABLE_BIN is set");
    let data = parse_cargo_auditable(&std::fs::read(path).unwrap()).unwrap().expect("binary has .dep-v0");
    for p in &data.packages {
        eprintln!("{} {} {} {:?} root={} deps={:?}", p.name, p.version, p.source, p.kind, p.root, p.dependencies);
    }
    assert_eq!(data.packages.iter().filter(|p| p.root).count(), 1);
}
