//! Go build info of ELF binaries without section headers (`sstrip`-style), found as the Go
//! toolchain finds it: through the program headers, in the writable data segment.

use std::path::Path;
use std::process::Command;

use hullguard_inventory::format::go::parse_go_buildinfo;

use crate::go_hostile::{goapp, pointer_layout};

/// The binary with its section header table gone: `e_shoff`, `e_shnum` and `e_shstrndx` zeroed
/// in the ELF64 header, as `sstrip` leaves it (the section data stays where it was).
fn without_section_headers(elf: &[u8]) -> Vec<u8> {
    assert_eq!(&elf[..5], b"\x7fELF\x02", "an ELF64 binary");
    let mut bytes = elf.to_vec();
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    let file = object::File::parse(bytes.as_slice()).expect("still an object file");
    assert_eq!(object::Object::sections(&file).count(), 0, "no sections left");
    bytes
}

#[test]
fn goapp_without_section_headers_reads_the_same() {
    let expected = parse_go_buildinfo(goapp()).unwrap().unwrap();
    let info = parse_go_buildinfo(&without_section_headers(goapp())).unwrap().unwrap();
    assert_eq!(info, expected);
    assert_eq!(info.deps.len(), 5);
    // The pre-1.18 layout's pointers resolve through the segments as well.
    for big_endian in [false, true] {
        let info = parse_go_buildinfo(&without_section_headers(&pointer_layout(big_endian))).unwrap().unwrap();
        assert_eq!(info, expected, "big endian: {big_endian}");
    }
}

/// A module-mode binary built now by the installed Go toolchain (stdlib only, no network).
fn go_build(dir: &Path) -> Option<Vec<u8>> {
    if Command::new("go").arg("version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "go is required in CI but missing");
        eprintln!("skipping: go not installed");
        return None;
    }
    std::fs::write(dir.join("go.mod"), "module example.com/stripped\n\ngo 1.19\n").unwrap();
    std::fs::write(dir.join("main.go"), "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n")
        .unwrap();
    let out = Command::new("go")
        .args(["build", "-trimpath", "-o", "app", "."])
        .current_dir(dir)
        .env("GOCACHE", dir.join("cache"))
        .env("GOPATH", dir.join("gopath"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(out.status.success(), "go build: {}", String::from_utf8_lossy(&out.stderr));
    Some(std::fs::read(dir.join("app")).unwrap())
}

#[test]
fn freshly_built_binary_without_section_headers_has_its_build_info() {
    let dir = tempfile::tempdir().unwrap();
    let Some(built) = go_build(dir.path()) else { return };
    let go_version =
        String::from_utf8(Command::new("go").arg("env").arg("GOVERSION").output().unwrap().stdout).unwrap();
    let expected = parse_go_buildinfo(&built).unwrap().expect("build info with section headers");
    assert_eq!(expected.go_version, go_version.trim());
    assert_eq!(expected.path, "example.com/stripped");
    assert_eq!(expected.main.as_ref().map(|m| m.path.as_str()), Some("example.com/stripped"));
    let stripped = parse_go_buildinfo(&without_section_headers(&built)).unwrap();
    assert_eq!(stripped, Some(expected));
}
