//! Java archives that are damaged, nested too deep or built to exhaust memory.

use std::io::{Cursor, Write};

use hullguard_inventory::format::java::{Error, Evidence, JarLimits, JarWarning, WarningKind, parse_jar};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::go_hostile::Rng;
use crate::support;

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
}

fn pom(group: &str, artifact: &str, version: &str) -> (String, Vec<u8>) {
    (
        format!("META-INF/maven/{group}/{artifact}/pom.properties"),
        format!("#Generated\ngroupId={group}\nartifactId={artifact}\nversion={version}\n").into_bytes(),
    )
}

/// Builds a zip archive in memory from (name, bytes) pairs.
fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer.start_file(name.as_str(), stored()).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn zip_bomb_is_skipped_with_a_warning() {
    // 1 GiB of zeros deflated into a nested jar, written in 1 MiB chunks.
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let (name, bytes) = pom("org.example", "outer", "1.0");
    writer.start_file(name, stored()).unwrap();
    writer.write_all(&bytes).unwrap();
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    writer.start_file("BOOT-INF/lib/bomb-1.0.jar", deflated).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        writer.write_all(&chunk).unwrap();
    }
    let bomb = writer.finish().unwrap().into_inner();
    assert!(bomb.len() < 8 << 20, "bomb is {} bytes", bomb.len());

    let scan = parse_jar(&bomb, "bomb.jar", &JarLimits::default()).unwrap();
    assert_eq!(scan.packages.len(), 1);
    assert_eq!(scan.packages[0].artifact_id, "outer");
    assert_eq!(
        scan.warnings,
        vec![JarWarning {
            path: "bomb.jar!/BOOT-INF/lib/bomb-1.0.jar".to_owned(),
            kind: WarningKind::CompressionRatio,
        }]
    );

    // With the ratio check off, the size caps still stop the read early.
    let limits = JarLimits { max_compression_ratio: u64::MAX, ..JarLimits::default() };
    let scan = parse_jar(&bomb, "bomb.jar", &limits).unwrap();
    assert_eq!(scan.warnings[0].kind, WarningKind::EntryTooLarge);
    let limits = JarLimits {
        max_compression_ratio: u64::MAX,
        max_nested_size: u64::MAX,
        max_total_uncompressed: 32 << 20,
        ..JarLimits::default()
    };
    let scan = parse_jar(&bomb, "bomb.jar", &limits).unwrap();
    assert_eq!(scan.warnings[0].kind, WarningKind::TotalSizeLimit);

    // No step held anything near the gigabyte in memory.
    let peak = peak_rss_kib();
    assert!(peak < 600 * 1024, "peak RSS {peak} KiB");
}

#[test]
fn nesting_deeper_than_the_cap_is_cut() {
    // level0.jar contains level1-1.0.jar, which contains level2-1.0.jar, ... down to level 6.
    let mut inner: Option<Vec<u8>> = None;
    for level in (0..=6).rev() {
        let mut entries = vec![pom("org.example", &format!("level{level}"), "1.0")];
        if let Some(bytes) = inner.take() {
            entries.push((format!("lib/level{}-1.0.jar", level + 1), bytes));
        }
        inner = Some(zip_of(&entries));
    }
    let outer = inner.unwrap();
    let scan = parse_jar(&outer, "level0.jar", &JarLimits::default()).unwrap();
    let found: Vec<&str> = scan.packages.iter().map(|p| p.artifact_id.as_str()).collect();
    assert_eq!(found, ["level0", "level1", "level2", "level3", "level4"]);
    assert_eq!(scan.packages[2].path, "level0.jar!/lib/level1-1.0.jar!/lib/level2-1.0.jar");
    assert_eq!(
        scan.warnings,
        vec![JarWarning {
            path: "level0.jar!/lib/level1-1.0.jar!/lib/level2-1.0.jar!/lib/level3-1.0.jar\
                   !/lib/level4-1.0.jar!/lib/level5-1.0.jar"
                .to_owned(),
            kind: WarningKind::DepthLimit,
        }]
    );
}

#[test]
fn corrupt_archives_are_errors_or_warnings() {
    let mut rng = Rng::new(7);
    let mut garbage = vec![0u8; 4096];
    rng.fill(&mut garbage);
    assert!(matches!(parse_jar(&garbage, "garbage.jar", &JarLimits::default()), Err(Error::Zip { .. })));
    assert!(parse_jar(&[], "empty.jar", &JarLimits::default()).is_err());

    // A damaged nested archive is a warning; the outer archive is still identified.
    let outer =
        zip_of(&[pom("org.example", "outer", "2.0"), ("BOOT-INF/lib/broken-1.0.jar".to_owned(), garbage.clone())]);
    let scan = parse_jar(&outer, "outer.jar", &JarLimits::default()).unwrap();
    assert_eq!(scan.packages.len(), 1);
    assert_eq!(scan.warnings.len(), 1);
    assert_eq!(scan.warnings[0].path, "outer.jar!/BOOT-INF/lib/broken-1.0.jar");
    assert!(matches!(scan.warnings[0].kind, WarningKind::Unreadable(_)));

    // Truncated and bit-flipped real archives: any outcome but a panic.
    let real = &support::app_mixed_files()["/opt/app/demo-app.jar"];
    for cut in [1, 22, 100, real.len() / 2, real.len() - 1] {
        let _ = parse_jar(&real[..cut], "cut.jar", &JarLimits::default());
    }
    for _ in 0..200 {
        let mut bytes = real.clone();
        for _ in 0..8 {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        let _ = parse_jar(&bytes, "flipped.jar", &JarLimits::default());
    }
}

#[test]
fn entry_budget_is_a_warning() {
    let jar = zip_of(&[
        ("a.txt".to_owned(), b"a".to_vec()),
        ("b.txt".to_owned(), b"b".to_vec()),
        pom("org.example", "late", "1.0"),
    ]);
    let limits = JarLimits { max_entries: 2, ..JarLimits::default() };
    let scan = parse_jar(&jar, "/x/budget-3.0.jar", &limits).unwrap();
    assert_eq!(scan.warnings[0].kind, WarningKind::EntryLimit);
    // The pom.properties was never reached, so the file name identifies the archive.
    assert_eq!(scan.packages.len(), 1);
    assert_eq!(scan.packages[0].source, Evidence::FileName);
    assert_eq!(scan.packages[0].artifact_id, "budget");
    assert_eq!(scan.packages[0].version, "3.0");
}

#[test]
fn evidence_falls_back_from_pom_to_manifest_to_file_name() {
    let manifest = "Manifest-Version: 1.0\r\nImplementation-Title: commons-thing\r\n\
                    Implementation-Version: 4.5\r\n\r\n";
    let jar = zip_of(&[("META-INF/MANIFEST.MF".to_owned(), manifest.as_bytes().to_vec())]);
    let scan = parse_jar(&jar, "/lib/renamed.jar", &JarLimits::default()).unwrap();
    assert_eq!(scan.packages[0].source, Evidence::Manifest);
    assert_eq!(scan.packages[0].artifact_id, "commons-thing");
    assert_eq!(scan.packages[0].version, "4.5");

    let jar = zip_of(&[("com/example/A.class".to_owned(), vec![0xca, 0xfe])]);
    let scan = parse_jar(&jar, "/lib/thing-api-0.9.1.war", &JarLimits::default()).unwrap();
    assert_eq!(scan.packages[0].source, Evidence::FileName);
    assert_eq!((scan.packages[0].artifact_id.as_str(), scan.packages[0].version.as_str()), ("thing-api", "0.9.1"));
    assert!(scan.warnings.is_empty());
}

#[test]
fn understated_sizes_are_still_bounded() {
    // 64 MiB of zeros whose headers claim 100 bytes: the claim passes every check made
    // before reading, so only the bounds enforced while reading can stop it.
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let deflated =
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(9));
    writer.start_file("lib/liar-1.0.jar", deflated).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        writer.write_all(&chunk).unwrap();
    }
    let mut bytes = writer.finish().unwrap().into_inner();
    let local = 0;
    assert_eq!(&bytes[local..local + 4], b"PK\x03\x04");
    bytes[local + 22..local + 26].copy_from_slice(&100u32.to_le_bytes());
    let central = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").expect("central directory entry");
    bytes[central + 24..central + 28].copy_from_slice(&100u32.to_le_bytes());

    let scan = parse_jar(&bytes, "liar.jar", &JarLimits::default()).unwrap();
    assert_eq!(scan.warnings.len(), 1, "{:?}", scan.warnings);
    assert_eq!(scan.warnings[0].path, "liar.jar!/lib/liar-1.0.jar");
    assert!(matches!(scan.warnings[0].kind, WarningKind::CompressionRatio | WarningKind::Unreadable(_)));
}
