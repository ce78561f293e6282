//! Small byte-level helpers: line index, entropy, base64, CRC32 and the value filters shared by
//! several rules. Nothing here allocates per byte of input except the line index, which is only
//! built for files that have a finding.

use std::ops::Range;

/// Newline offsets of one file, built on demand.
pub(crate) struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(content: &[u8]) -> Self {
        Self { newlines: memchr::memchr_iter(b'\n', content).collect() }
    }

    /// 0-based index of the line holding byte `at`.
    pub(crate) fn index_of(&self, at: usize) -> usize {
        self.newlines.partition_point(|&nl| nl < at)
    }

    /// Byte range of line `index` (0-based), without its `\n` (and without a trailing `\r`).
    pub(crate) fn range(&self, index: usize, content: &[u8]) -> Range<usize> {
        let start = if index == 0 { 0 } else { self.newlines.get(index - 1).map_or(content.len(), |&nl| nl + 1) };
        let mut end = self.newlines.get(index).copied().unwrap_or(content.len());
        if end > start && content.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start.min(end)..end
    }
}

/// Shannon entropy of `value` in bits per byte.
pub(crate) fn entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[usize::from(b)] += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// The longest run of one repeated byte.
pub(crate) fn longest_run(value: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in value {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

/// Words that mark a value as an example or a placeholder rather than a live credential
/// (compared case-insensitively, as substrings).
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "sample",
    "dummy",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "redacted",
    "xxxx",
    "****",
    "....",
    "your_",
    "your-",
    "yourpass",
    "yoursecret",
    "yourtoken",
    "yourkey",
    "insert",
    "replace",
    "fixme",
    "todo",
];

/// True when `value` reads as an example or placeholder: one of [`PLACEHOLDER_WORDS`], a long run
/// of one character, or a sequence such as `123456` or `abcdef`.
pub(crate) fn looks_fake(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some()) {
        return true;
    }
    if longest_run(value) >= 6 {
        return true;
    }
    ["0123456789", "abcdefghij", "1234567890"].iter().any(|s| memchr::memmem::find(&lower, s.as_bytes()).is_some())
}

fn base64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decode standard or URL-safe base64, padded or not. `None` on any other byte.
pub(crate) fn base64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let trimmed = input.strip_suffix(b"==").or_else(|| input.strip_suffix(b"=")).unwrap_or(input);
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in trimmed {
        acc = (acc << 6) | u32::from(base64_value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// CRC-32 (IEEE, as zlib computes it).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// `n` in base62 (`0-9A-Za-z`), left-padded with `0` to `width` digits.
pub(crate) fn base62(mut n: u32, width: usize) -> Vec<u8> {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut digits = Vec::with_capacity(width);
    while n > 0 {
        digits.push(ALPHABET[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    digits
}

/// How many of the classes lower case, upper case, digit and other printable ASCII `value` uses.
pub(crate) fn char_classes(value: &[u8]) -> usize {
    let mut seen = [false; 4];
    for &b in value {
        let class = match b {
            b'a'..=b'z' => 0,
            b'A'..=b'Z' => 1,
            b'0'..=b'9' => 2,
            _ => 3,
        };
        seen[class] = true;
    }
    seen.iter().filter(|&&s| s).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_pads() {
        assert_eq!(base62(0, 6), b"000000");
        assert_eq!(base62(61, 2), b"0z");
        assert_eq!(base62(62, 1), b"10");
    }

    #[test]
    fn base64_round_trip_and_rejects() {
        assert_eq!(base64_decode(b"dXNlcjpwYXNz").as_deref(), Some(&b"user:pass"[..]));
        assert_eq!(base64_decode(b"YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(base64_decode(b"eyJhbGciOiJIUzI1NiJ9").as_deref(), Some(&br#"{"alg":"HS256"}"#[..]));
        assert!(base64_decode(b"a b").is_none());
    }

    #[test]
    fn entropy_and_runs() {
        assert!(entropy(b"aaaaaaaa") < 0.01);
        assert!((entropy(b"abcdefgh") - 3.0).abs() < 1e-9);
        assert_eq!(longest_run(b"abbbc"), 3);
        assert!(looks_fake(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(looks_fake(b"xoxb-000000000000"));
        assert!(!looks_fake(b"FpxPKY9MxH7/vfKClhgcHdMZ9DJcJ5qIwQkByME6"));
    }

    #[test]
    fn lines_index() {
        let text = b"a\r\nbc\n\nd";
        let lines = Lines::new(text);
        assert_eq!(lines.index_of(0), 0);
        assert_eq!(lines.index_of(3), 1);
        assert_eq!(lines.index_of(7), 3);
        assert_eq!(lines.range(0, text), 0..1);
        assert_eq!(lines.range(1, text), 3..5);
        assert_eq!(lines.range(2, text), 6..6);
        assert_eq!(lines.range(3, text), 7..8);
    }
}
