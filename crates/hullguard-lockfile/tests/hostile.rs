//! Hostile input: every format must return `Err` or a list, never panic.

use hullguard_lockfile::{Format, parse};

const ALL: [Format; 14] = [
    Format::RequirementsTxt,
    Format::PoetryLock,
    Format::PipfileLock,
    Format::UvLock,
    Format::PackageLock,
    Format::YarnLock,
    Format::PnpmLock,
    Format::CargoLock,
    Format::GoMod,
    Format::GemfileLock,
    Format::ComposerLock,
    Format::NugetPackagesLock,
    Format::GradleLockfile,
    Format::PomXml,
];

/// Deterministic pseudo-random bytes (xorshift).
fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed.to_le_bytes()[0]
        })
        .collect()
}

fn samples() -> Vec<Vec<u8>> {
    let valid = [
        &b"[[package]]\nname = \"a\"\nversion = \"1\"\n"[..],
        b"{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"version\": \"1\"}}}",
        b"\"a@^1\":\n  version \"1.0.0\"\n",
        b"lockfileVersion: '6.0'\npackages:\n  /a@1.0.0:\n    dev: true\n",
        b"require (\n\ta v1.0.0\n)\n",
        b"GEM\n  specs:\n    a (1.0)\n",
        b"<project><dependencies><dependency><groupId>g</groupId></dependency></dependencies></project>",
    ];
    let mut out: Vec<Vec<u8>> = Vec::new();
    for v in valid {
        for cut in 0..v.len() {
            out.push(v[..cut].to_vec());
        }
    }
    for seed in 1..40 {
        out.push(garbage(512, seed));
        let mut ascii = garbage(512, seed);
        ascii.iter_mut().for_each(|b| *b = b" \n\t:\"'[]{}()<>@/=#-,.\\$a1"[usize::from(*b) % 25]);
        out.push(ascii);
    }
    out.push(vec![b'a'; 10 * 1024 * 1024]);
    out.push(vec![b' '; 10 * 1024 * 1024]);
    out.push(b"[".repeat(100_000));
    out.push(b"{\"a\":".repeat(100_000));
    out.push(b"- ".repeat(100_000));
    out.push(b"a = ".iter().copied().chain(b"[".repeat(100_000)).collect());
    out.push(b"a = ".iter().copied().chain(b"{b = ".repeat(100_000)).collect());
    out.push([&b"x"[..], &b".x".repeat(100_000), b" = 1\n"].concat());
    out.push([&b"[x"[..], &b".x".repeat(100_000), b"]\n"].concat());
    out.push(b"<project>".repeat(10_000));
    out.push(b"<a>".repeat(100_000));
    out
}

#[test]
fn no_format_panics_on_hostile_input() {
    for input in samples() {
        for format in ALL {
            // Only the absence of a panic (and of a stack overflow) matters here.
            let _ = parse(format, &input);
        }
    }
}

#[test]
fn ten_megabyte_line_is_error_or_empty() {
    let line = vec![b'x'; 10 * 1024 * 1024];
    for format in ALL {
        match parse(format, &line) {
            Ok(list) => assert!(list.is_empty(), "{format}"),
            Err(e) => assert!(e.to_string().starts_with(format.file_name()), "{e}"),
        }
    }
}

#[test]
fn errors_name_the_problem() {
    let cases: [(Format, &[u8], &str); 5] = [
        (Format::PackageLock, b"{\"packages\": ", "invalid JSON"),
        (Format::CargoLock, b"[[package]\nname = ", "invalid TOML"),
        (Format::PnpmLock, b"packages: {a: [1}\n", "invalid YAML"),
        (Format::PomXml, b"<project><a></b></project>", "invalid XML"),
        (Format::GoMod, b"require (\n a v1\n", "never closed"),
    ];
    for (format, input, needle) in cases {
        let err = parse(format, input).expect_err("should fail");
        assert!(err.to_string().contains(needle), "{format}: {err}");
    }
}

#[test]
fn deepest_yaml_accepted_by_the_guard_does_not_overflow() {
    // Block nesting just under the guard (one-space indents), then flow nesting.
    let mut yaml = String::from("packages:\n");
    for depth in 1..=30 {
        yaml.push_str(&" ".repeat(depth));
        yaml.push_str("k:\n");
    }
    yaml.push_str(&" ".repeat(31));
    yaml.push_str("k: ");
    yaml.push_str(&"[".repeat(30));
    yaml.push('\n');
    let _ = parse(Format::PnpmLock, yaml.as_bytes());
    let compact = format!("packages:\n  {}x\n", "- ".repeat(60));
    let _ = parse(Format::PnpmLock, compact.as_bytes());
    let err = parse(Format::PnpmLock, format!("packages: {}", "[".repeat(65)).as_bytes());
    assert!(err.is_err_and(|e| e.to_string().contains("nested too deeply")));
}
