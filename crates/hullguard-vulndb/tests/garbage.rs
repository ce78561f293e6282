//! No scheme panics on any input, and every order is antisymmetric and
//! reflexive on garbage too.

use std::cmp::Ordering;

use hullguard_vulndb::version::{MAX_VERSION_LEN, Scheme};

/// A small deterministic xorshift generator: no dependency needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

fn garbage(rng: &mut Rng) -> String {
    const ALPHABET: &[char] = &[
        '0', '1', '2', '9', '0', '1', '.', '.', '-', '-', '_', '+', '~', '^', ':', '!', '#', '@', '/', ' ', 'a', 'b',
        'c', 'p', 'r', 'v', 'V', 'x', 'z', 'A', 'R', 'C', 'é', 'α', '\u{0}', '\u{7f}', '٣',
    ];
    const WORDS: &[&str] = &[
        "alpha",
        "beta",
        "pre",
        "rc",
        "dev",
        "post",
        "snapshot",
        "final",
        "ga",
        "sp",
        "cvs",
        "p",
        "-r",
        "_p",
        "ruff",
        "+incompatible",
        "999999999999999999999999",
    ];
    let len = rng.below(12);
    let mut s = String::new();
    for _ in 0..len {
        if rng.below(4) == 0 {
            s.push_str(WORDS[rng.below(WORDS.len())]);
        } else {
            s.push(ALPHABET[rng.below(ALPHABET.len())]);
        }
    }
    s
}

#[test]
fn garbage_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut inputs: Vec<String> = (0..3000).map(|_| garbage(&mut rng)).collect();
    // Deep nesting and maximum length.
    inputs.push("1-".repeat(MAX_VERSION_LEN / 2));
    inputs.push("a1".repeat(MAX_VERSION_LEN / 2));
    inputs.push("9".repeat(MAX_VERSION_LEN));
    inputs.push(".".repeat(MAX_VERSION_LEN));
    inputs.push("-".repeat(MAX_VERSION_LEN + 1));
    for scheme in Scheme::ALL {
        let parsed: Vec<_> = inputs.iter().map(|s| (s, scheme.parse(s))).collect();
        for (s, p) in &parsed {
            if scheme.validate(s).is_ok() {
                assert!(p.is_ok(), "{scheme}: {s:?} validates but does not parse");
            }
        }
        let ok: Vec<_> = parsed.iter().filter_map(|(s, p)| p.as_ref().ok().map(|p| (s, p))).collect();
        for window in ok.windows(2) {
            let [(sa, a), (sb, b)] = window else { continue };
            let ab = a.partial_cmp(b);
            let ba = b.partial_cmp(a);
            assert_eq!(ab, ba.map(Ordering::reverse), "{scheme}: {sa:?} vs {sb:?}");
            assert_eq!(a.partial_cmp(a), Some(Ordering::Equal), "{scheme}: {sa:?}");
        }
    }
}
