//! Streamed scanning holds about one window in memory whatever the size of the file (a test
//! binary of its own, so that the process's peak memory is this test's).

use std::io::Read;

use hullguard_secrets::{WINDOW, scan_reader};

/// The peak resident memory of this process, in bytes (Linux).
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// `len` bytes of text lines, with the key on the last line, made as they are read.
struct Generated {
    len: usize,
    at: usize,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let tail = b"\nAKIAPJAG3OL5DPH5I5U4\n";
        let n = buf.len().min(self.len - self.at);
        for (i, b) in buf[..n].iter_mut().enumerate() {
            let pos = self.at + i;
            *b = if pos + tail.len() >= self.len {
                tail[pos + tail.len() - self.len]
            } else if pos % 64 == 63 {
                b'\n'
            } else {
                b'x'
            };
        }
        self.at += n;
        Ok(n)
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_64_mib_stream_is_scanned_in_bounded_memory() {
    let len = 64 << 20;
    let scanned = scan_reader("app/huge.log", &mut Generated { len, at: 0 }).unwrap();
    let peak = peak_rss();
    assert_eq!(scanned.findings.len(), 1);
    // The key sits on the line after the last generated newline.
    let newlines = (len - 22) / 64 + 1;
    assert_eq!(scanned.findings[0].line, u32::try_from(newlines + 1).unwrap());
    // The test binary itself takes a few MiB; the whole file would take 64.
    assert!(peak < 8 * WINDOW, "peak {peak} bytes for a {len} byte file");
}
