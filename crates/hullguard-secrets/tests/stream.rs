//! Streamed scanning: files larger than a window, secrets at and across window boundaries, line
//! numbers counted across windows, skips reported.

use std::io::Read;

use hullguard_secrets::{OVERLAP, SkipReason, WINDOW, scan, scan_reader};

const KEY: &[u8] = b"AKIAPJAG3OL5DPH5I5U4";

/// (line, column) of every finding of `data` read as a stream.
fn positions(data: &[u8]) -> Vec<(u32, u32)> {
    let mut reader = data;
    let scanned = scan_reader("app/big.log", &mut reader).unwrap();
    assert_eq!(scanned.skipped, None);
    assert!(scanned.findings.iter().all(|f| f.rule_id == "aws-access-key-id"));
    scanned.findings.iter().map(|f| (f.line, f.column)).collect()
}

#[test]
fn a_token_at_byte_six_of_an_eleven_mib_file_is_found() {
    let mut data = vec![b' '; 11 << 20];
    data[6..6 + KEY.len()].copy_from_slice(KEY);
    assert_eq!(positions(&data), [(1, 7)]);
    // `scan` on bytes in memory is the same scan.
    assert_eq!(scan("app/big.log", &data).len(), 1);
}

#[test]
fn secrets_across_window_boundaries_of_one_long_line_are_found_once() {
    // One line: window k starts at k * (WINDOW - OVERLAP).
    let step = WINDOW - OVERLAP;
    let mut data = vec![b' '; 3 * WINDOW];
    let starts = [
        WINDOW - 10,            // straddles the end of the first window
        WINDOW - OVERLAP / 2,   // wholly inside the overlap of the first two windows
        step + WINDOW - 7,      // straddles the end of the second window
        step - 3,               // straddles the start of the second window
        3 * WINDOW - KEY.len(), // the last bytes
    ];
    for &at in &starts {
        data[at..at + KEY.len()].copy_from_slice(KEY);
    }
    let mut want: Vec<(u32, u32)> = starts.iter().map(|&at| (1, u32::try_from(at + 1).unwrap())).collect();
    want.sort_unstable();
    assert_eq!(positions(&data), want);
}

#[test]
fn line_numbers_and_columns_are_right_in_every_window() {
    // 40-byte lines over three and a half windows; a key on lines spread through the file,
    // including the lines around each window boundary.
    let line_len = 40;
    let lines = (WINDOW * 7 / 2) / line_len;
    let mut data = Vec::with_capacity(lines * line_len);
    let wanted: Vec<usize> = (0..lines).filter(|l| l % 9_973 == 5 || (l * line_len) % WINDOW < 2 * line_len).collect();
    for l in 0..lines {
        let mut line = format!("{l:>10}{}", " ".repeat(line_len - 11));
        if wanted.contains(&l) {
            line.replace_range(12..12 + KEY.len(), std::str::from_utf8(KEY).unwrap());
        }
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
    }
    let want: Vec<(u32, u32)> = wanted.iter().map(|&l| (u32::try_from(l + 1).unwrap(), 13)).collect();
    assert!(want.len() > 40, "{}", want.len());
    assert_eq!(positions(&data), want);
}

/// A reader that fails: proves a file was not read.
struct Unreadable;

impl Read for Unreadable {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("read"))
    }
}

#[test]
fn skipped_files_say_why() {
    let scanned = scan_reader("usr/share/doc/x/README", &mut Unreadable).unwrap();
    assert!(matches!(scanned.skipped, Some(SkipReason::AllowedPath(_))), "{scanned:?}");
    let mut binary: &[u8] = b"\x7fELF\0\0AKIAPJAG3OL5DPH5I5U4";
    let scanned = scan_reader("app/bin", &mut binary).unwrap();
    assert_eq!((scanned.skipped, scanned.findings.len()), (Some(SkipReason::Binary), 0));
    assert!(scan_reader("app/x", &mut Unreadable).is_err());
}
