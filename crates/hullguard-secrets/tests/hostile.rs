//! Hostile input: random bytes, invalid UTF-8, huge lines and pathological repetitions of every
//! rule's keyword must neither panic nor take long, and must not invent findings.

use std::time::{Duration, Instant};

use hullguard_secrets::{rules, scan};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[0]).collect()
    }
}

#[test]
fn random_bytes_and_keyword_soup_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let keywords: Vec<&str> = rules().iter().flat_map(|r| r.keywords.iter().copied()).collect();
    for round in 0..300 {
        let len = usize::try_from(rng.next() % 4096).unwrap();
        let mut data = rng.bytes(len);
        // Sprinkle keywords and delimiters so that every rule's matcher runs.
        for _ in 0..(rng.next() % 40) {
            let at = usize::try_from(rng.next()).unwrap() % (data.len() + 1);
            let kw = keywords[usize::try_from(rng.next()).unwrap() % keywords.len()];
            let piece: &[u8] = match rng.next() % 6 {
                0 => b"=",
                1 => b"\n",
                2 => b"-----END PRIVATE KEY-----",
                3 => b"\\n",
                4 => b"\": \"",
                _ => kw.as_bytes(),
            };
            data.splice(at..at, piece.iter().copied());
        }
        if round % 2 == 0 {
            // Text files only have NUL-free heads; also exercise the scanning path.
            data.retain(|&b| b != 0);
        }
        for f in scan("app/fuzz.env", &data) {
            assert!(f.line >= 1 && f.column >= 1 && f.end_line >= f.line);
            assert_eq!(f.fingerprint.len(), 64);
        }
        let _ = scan("app/fuzz.py", &data);
        let _ = scan("app/fuzz.md", &data);
    }
}

#[test]
fn invalid_utf8_and_control_characters_around_a_secret() {
    let mut data = b"\xff\xfe\xc3(\x1b[31m AWS_ACCESS_KEY_ID=AKIAPJAG3OL5DPH5I5U4 \x1b]0;x\x07\xc0\n".to_vec();
    data.extend_from_slice(b"\xed\xa0\x80 trailing");
    let found = scan("app/x.env", &data);
    assert_eq!(found.len(), 1);
    let shown = found[0].redacted_match.as_str();
    assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{shown:?}");
    assert!(shown.contains("AKIA*****"), "{shown:?}");
}

#[test]
fn ten_megabyte_single_line() {
    // Two and a half windows: one line, keywords of every rule repeated, no newline anywhere.
    let unit = "password=Vb7k secret: \"q8Z\" -----BEGIN RSA PRIVATE KEY----- eyJhbGciOi.eyJ AKIA xoxb- ghp_ npm_ postgres://u:p@ \"auth\": \"auths\" ";
    let size = 10 * 1024 * 1024 - 4096;
    let mut line = unit.repeat(size / unit.len());
    // One real secret in the middle of it.
    line.insert_str(size / 2, " AWS_ACCESS_KEY_ID=AKIAPJAG3OL5DPH5I5U4 ");
    let started = Instant::now();
    let found = scan("app/bundle.js", line.as_bytes());
    let took = started.elapsed();
    let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["aws-access-key-id"]);
    let f = &found[0];
    assert_eq!(f.line, 1);
    // The redacted line is a window around the secret, not 10 MB.
    assert!(f.redacted_match.as_str().len() < 300, "{}", f.redacted_match.as_str().len());
    assert!(f.redacted_match.as_str().starts_with('…'));
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn many_private_key_headers_without_end_marker_are_linear() {
    let data = "-----BEGIN RSA PRIVATE KEY-----\n".repeat(200_000);
    let started = Instant::now();
    assert!(scan("app/keys.pem", data.as_bytes()).is_empty());
    let with_end = format!("{data}-----END RSA PRIVATE KEY-----");
    assert!(scan("app/keys.pem", with_end.as_bytes()).is_empty());
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn edge_sizes_work() {
    assert!(scan("app/empty", b"").is_empty());
    assert!(scan("app/nl", b"\n\n\r\n").is_empty());
    assert_eq!(scan("app/k", b"AKIAPJAG3OL5DPH5I5U4").len(), 1);
    assert_eq!(scan("", b"AKIAPJAG3OL5DPH5I5U4").len(), 1);
    assert_eq!(scan("///", b"AKIAPJAG3OL5DPH5I5U4").len(), 1);
}
