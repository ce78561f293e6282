//! Hostile input: truncated, random, mutated and crafted databases must give
//! an error or a shorter list, never a panic, in bounded time.

use std::time::{Duration, Instant};

use crate::common::{APK_DBS, RPM_DBS, read};
use hullguard_inventory::format::osdb::{OsPackage, Result, parse_apk_installed, parse_rpmdb};

/// Generous bound for one parse of at most a few MiB in a debug build.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Runs a parser and checks that it finished within [`TIME_LIMIT`].
fn timed(what: &str, parse: fn(&[u8]) -> Result<Vec<OsPackage>>, bytes: &[u8]) -> Result<Vec<OsPackage>> {
    let start = Instant::now();
    let result = parse(bytes);
    let elapsed = start.elapsed();
    assert!(elapsed < TIME_LIMIT, "{what}: took {elapsed:?}");
    result
}

/// Small deterministic PRNG (xorshift64*), so failures are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Cut points: fixed small offsets, page boundaries and fractions.
fn cut_points(len: usize) -> Vec<usize> {
    let mut cuts = vec![0, 1, 8, 15, 16, 31, 32, 100, 511, 4095, 4096, 4097, 8192];
    cuts.extend([len / 4, len / 3, len / 2, 2 * len / 3, 3 * len / 4]);
    cuts.extend([len.saturating_sub(4096), len.saturating_sub(16), len - 1]);
    cuts.retain(|&c| c < len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_rpm_databases_fail_or_return_a_subset() {
    for (name, file) in RPM_DBS {
        let bytes = read(&format!("rpm/{name}/{file}"));
        let full = parse_rpmdb(&bytes).expect("full database parses");
        let (mut errors, mut subsets) = (0, 0);
        for cut in cut_points(bytes.len()) {
            let what = format!("{name} cut at {cut}");
            match timed(&what, parse_rpmdb, &bytes[..cut]) {
                Err(_) => errors += 1,
                // Cutting only unused trailing space may leave every package.
                Ok(list) => {
                    assert!(list.len() <= full.len(), "{what}: {} packages", list.len());
                    assert!(list.iter().all(|p| full.contains(p)), "{what}: invented a package");
                    subsets += 1;
                }
            }
        }
        eprintln!("{name}: truncations -> {errors} errors, {subsets} subsets");
    }
}

#[test]
fn truncated_apk_databases_fail_or_shrink() {
    for name in APK_DBS {
        let bytes = read(&format!("apk/{name}/installed"));
        let full = parse_apk_installed(&bytes).expect("full database parses");
        for cut in cut_points(bytes.len()) {
            let what = format!("{name} cut at {cut}");
            if let Ok(list) = timed(&what, parse_apk_installed, &bytes[..cut]) {
                assert!(list.len() <= full.len(), "{what}");
            }
        }
    }
}

#[test]
fn random_bytes_are_rejected() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let prefixes: [&[u8]; 4] = [b"", b"SQLite format 3\0", b"RpmP\0\0\0\0", &[0; 0]];
    let mut bdb_meta = read("rpm/el8-libuuid-bdb/Packages");
    bdb_meta.truncate(4096);
    for len in [0, 1, 7, 16, 100, 4096, 65536, 1 << 20] {
        for prefix in prefixes.iter().chain([&bdb_meta.as_slice()]) {
            let mut bytes = prefix.to_vec();
            bytes.extend(rng.bytes(len));
            let what = format!("{} random bytes after a {}-byte prefix", len, prefix.len());
            // Random data never forms a package; after a valid BerkeleyDB
            // metadata page it may read as a database without hash pages.
            let result = timed(&what, parse_rpmdb, &bytes);
            assert!(result.as_ref().is_ok_and(Vec::is_empty) || result.is_err(), "{what}");
            let _ = timed(&what, parse_apk_installed, &bytes);
        }
    }
}

#[test]
fn mutated_rpm_databases_do_not_panic() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for (name, file) in RPM_DBS {
        let original = read(&format!("rpm/{name}/{file}"));
        // Every SQLite parse copies the file to disk, so fewer rounds there.
        let rounds = if file.ends_with(".sqlite") { 25 } else { 400 };
        let mut outcomes = [0usize; 2];
        for round in 0..rounds {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            let what = format!("{name} mutation round {round}");
            outcomes[usize::from(timed(&what, parse_rpmdb, &bytes).is_ok())] += 1;
        }
        eprintln!("{name}: {rounds} mutated copies -> {} errors, {} parsed", outcomes[0], outcomes[1]);
    }
}

/// A minimal valid header blob with NAME and VERSION.
fn tiny_header(name: &str, version: &str) -> Vec<u8> {
    let data = format!("{name}\0{version}\0");
    let mut blob = Vec::new();
    for word in [2, data.len() as u32, 1000, 6, 0, 1, 1001, 6, name.len() as u32 + 1, 1] {
        blob.extend_from_slice(&word.to_be_bytes());
    }
    blob.extend_from_slice(data.as_bytes());
    blob
}

fn put(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// An NDB file with one slot page and one blob per header.
fn ndb(blobs: &[Vec<u8>]) -> Vec<u8> {
    let mut file = vec![0u8; 4096];
    file[..4].copy_from_slice(b"RpmP");
    put(&mut file, 12, 1);
    for slot in (32..4096).step_by(16) {
        file[slot..slot + 4].copy_from_slice(b"Slot");
    }
    for (i, blob) in blobs.iter().enumerate() {
        let blocks = (16 + blob.len() + 12).div_ceil(16);
        let slot = 32 + 16 * i;
        put(&mut file, slot + 4, i as u32 + 1);
        let first_block = (file.len() / 16) as u32;
        put(&mut file, slot + 8, first_block);
        put(&mut file, slot + 12, blocks as u32);
        let start = file.len();
        file.extend_from_slice(b"BlbS");
        for word in [i as u32 + 1, 1, blob.len() as u32] {
            file.extend_from_slice(&word.to_le_bytes());
        }
        file.extend_from_slice(blob);
        file.resize(start + blocks * 16 - 4, 0);
        file.extend_from_slice(b"BlbE");
    }
    file
}

#[test]
fn crafted_ndb_headers_are_rejected() {
    let ok = parse_rpmdb(&ndb(&[tiny_header("a", "1"), tiny_header("b", "2")])).expect("valid");
    assert_eq!(ok.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);

    let header = tiny_header("a", "1");
    let patched = |at: usize, value: u32| {
        let mut blob = header.clone();
        blob[at..at + 4].copy_from_slice(&value.to_be_bytes());
        ndb(&[blob])
    };
    let mut overlapping = ndb(&[header.clone(), header.clone()]);
    let first_block = u32::from_le_bytes(overlapping[40..44].try_into().expect("4 bytes"));
    put(&mut overlapping, 56, first_block);
    let mut beyond_eof = ndb(std::slice::from_ref(&header));
    put(&mut beyond_eof, 44, u32::MAX);
    let mut huge_slot_pages = ndb(std::slice::from_ref(&header));
    put(&mut huge_slot_pages, 12, u32::MAX);
    let mut huge_blob_len = ndb(std::slice::from_ref(&header));
    put(&mut huge_blob_len, 4096 + 12, u32::MAX);

    let cases = [
        ("huge index count", patched(0, u32::MAX), "index entry count"),
        ("huge data size", patched(4, u32::MAX), "data store size"),
        ("counts beyond blob", patched(4, 0x00ff_0000), "need"),
        ("huge offset", patched(16, u32::MAX), "outside data store"),
        ("overlapping blobs", overlapping, "overlap"),
        ("slot beyond end of file", beyond_eof, "outside the blob area"),
        ("huge slot page count", huge_slot_pages, "slot pages"),
        ("huge blob length", huge_blob_len, "declares"),
    ];
    for (what, bytes, needle) in cases {
        let err = timed(what, parse_rpmdb, &bytes).expect_err(what).to_string();
        assert!(err.contains(needle), "{what}: {err}");
    }

    // A huge count on a STRING tag is harmless: only the first string is read.
    let tolerated = timed("huge STRING count", parse_rpmdb, &patched(20, u32::MAX)).expect("ok");
    assert_eq!(tolerated, ok[..1]);
}

/// A 512-byte-page BerkeleyDB hash file in the given byte order: meta page,
/// one hash page with one key/off-page-data pair, and one overflow page
/// holding `value`.
fn bdb_in(big_endian: bool, value: &[u8], tlen: u32, first_overflow: u32, next: u32) -> Vec<u8> {
    const PS: usize = 512;
    let mut file = vec![0u8; 3 * PS];
    let w32 = |file: &mut Vec<u8>, at: usize, v: u32| {
        let b = if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        file[at..at + 4].copy_from_slice(&b);
    };
    let w16 = |file: &mut Vec<u8>, at: usize, v: usize| {
        let v = u16::try_from(v).expect("fits");
        let b = if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        file[at..at + 2].copy_from_slice(&b);
    };
    w32(&mut file, 12, 0x0006_1561);
    w32(&mut file, 16, 9);
    w32(&mut file, 20, PS as u32);
    w32(&mut file, 32, 2);
    // Page 1: hash page, items at the end of the page.
    let p1 = PS;
    w32(&mut file, p1 + 8, 1);
    w16(&mut file, p1 + 20, 2);
    file[p1 + 25] = 13;
    let (key_at, data_at) = (PS - 5, PS - 17);
    w16(&mut file, p1 + 26, key_at);
    w16(&mut file, p1 + 28, data_at);
    file[p1 + key_at] = 1;
    w32(&mut file, p1 + key_at + 1, 1);
    file[p1 + data_at] = 3;
    w32(&mut file, p1 + data_at + 4, first_overflow);
    w32(&mut file, p1 + data_at + 8, tlen);
    // Page 2: overflow page.
    let p2 = 2 * PS;
    w32(&mut file, p2 + 8, 2);
    w32(&mut file, p2 + 16, next);
    w16(&mut file, p2 + 22, value.len());
    file[p2 + 25] = 7;
    file[p2 + 26..p2 + 26 + value.len()].copy_from_slice(value);
    file
}

/// [`bdb_in`], little-endian.
fn bdb(value: &[u8], tlen: u32, first_overflow: u32, next: u32) -> Vec<u8> {
    bdb_in(false, value, tlen, first_overflow, next)
}

#[test]
fn crafted_bdb_databases_are_rejected() {
    let header = tiny_header("a", "1");
    let len = header.len() as u32;
    let ok = parse_rpmdb(&bdb(&header, len, 2, 0)).expect("valid");
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].name, "a");
    let big_endian = parse_rpmdb(&bdb_in(true, &header, len, 2, 0)).expect("valid big-endian");
    assert_eq!(big_endian, ok);

    let mut huge_entries = bdb(&header, len, 2, 0);
    huge_entries[512 + 20..512 + 22].copy_from_slice(&u16::MAX.to_le_bytes());
    let mut bad_page_size = bdb(&header, len, 2, 0);
    put(&mut bad_page_size, 20, 1000);

    let cases = [
        ("overflow cycle", bdb(&header, len * 3, 2, 2), "used twice"),
        ("huge total length", bdb(&header, u32::MAX, 2, 0), "larger than the file"),
        ("chain off the end", bdb(&header, len * 2, 2, 99), "outside"),
        ("first page out of range", bdb(&header, len, 7, 0), "outside"),
        ("chain into the meta page", bdb(&header, len, 0, 0), "outside"),
        ("huge item count", huge_entries, "impossible item count"),
        ("bad page size", bad_page_size, "invalid page size"),
    ];
    for (what, bytes, needle) in cases {
        let err = timed(what, parse_rpmdb, &bytes).expect_err(what).to_string();
        assert!(err.contains(needle), "{what}: {err}");
    }
}

/// Builds a SQLite database with `schema` and returns its bytes.
fn sqlite_db(schema: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rpmdb.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(schema).expect("schema");
    drop(conn);
    std::fs::read(&path).expect("read back")
}

#[test]
fn crafted_sqlite_databases_are_rejected() {
    let cases = [
        (
            "recursive view",
            "CREATE VIEW Packages AS WITH RECURSIVE n(x) AS \
             (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x AS blob FROM n;",
            "not a table",
        ),
        ("no table", "CREATE TABLE Other (blob BLOB);", "no Packages table"),
        (
            "text instead of blob",
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); \
             INSERT INTO Packages (blob) VALUES ('hello');",
            "not a blob",
        ),
        (
            "garbage blob",
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB); \
             INSERT INTO Packages (blob) VALUES (x'ffffffffffffffff');",
            "index entry count",
        ),
    ];
    for (what, schema, needle) in cases {
        let err = timed(what, parse_rpmdb, &sqlite_db(schema)).expect_err(what).to_string();
        assert!(err.contains(needle), "{what}: {err}");
    }
}
