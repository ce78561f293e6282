//! Runs every comparison of the shared version fixtures against its scheme.
//!
//! The fixtures live in `shared/vulndata/version-fixtures/` (read in place,
//! never copied). Set `HULLGUARD_SHARED` to the shared folder; by default it
//! is found beside the workspace (`crates/hullguard-vulndb/../../../shared`).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use hullguard_vulndb::version::Scheme;

/// Fixture lines deliberately not followed: `(file, line, reason)`.
/// Every other line must pass, and every line listed here must still fail.
const DEVIATIONS: &[(&str, usize, &str)] = &[(
    "osv-scalibr/maven-versions.txt",
    100,
    "`1-1 = 1-ga-1` follows the trimming text of the POM reference; Maven's \
     ComparableVersion (3.8.6, which made maven-versions-generated.txt, and 3.9) \
     keeps `ga` before a nested list, so 1-ga-1 < 1-1, and this crate follows Maven",
)];

/// The scheme of each `osv-scalibr/<name>-versions*.txt` file.
const FILE_SCHEMES: &[(&str, Scheme)] = &[
    ("alpine", Scheme::Apk),
    ("cran", Scheme::Cran),
    ("debian", Scheme::Dpkg),
    ("hackage", Scheme::Hackage),
    ("maven", Scheme::Maven),
    ("nuget", Scheme::NuGet),
    ("packagist", Scheme::Packagist),
    ("pub", Scheme::Pub),
    ("pypi", Scheme::Pep440),
    ("redhat", Scheme::Rpm),
    ("rubygems", Scheme::RubyGems),
    ("semver", Scheme::SemVer),
];

fn fixtures_dir() -> PathBuf {
    let shared = std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from);
    let dir = shared.join("vulndata/version-fixtures");
    assert!(dir.is_dir(), "no fixtures at {}: set HULLGUARD_SHARED to the shared folder", dir.display());
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of a fixture file that are not blank or comments, with their numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
}

fn show(o: &Result<Ordering, hullguard_vulndb::Error>) -> String {
    match o {
        Ok(Ordering::Less) => "<".into(),
        Ok(Ordering::Equal) => "=".into(),
        Ok(Ordering::Greater) => ">".into(),
        Err(e) => format!("error ({e})"),
    }
}

/// Checks one `A op B` line both ways; `None` when it passes.
fn check_line(scheme: Scheme, line: &str) -> Option<String> {
    let parts: Vec<&str> = line.split_whitespace().collect();
    let [a, op, b] = parts[..] else {
        return Some(format!("not `A op B`: {line:?}"));
    };
    let want = match op {
        "<" => Ordering::Less,
        "=" => Ordering::Equal,
        ">" => Ordering::Greater,
        _ => return Some(format!("unknown operator {op:?}")),
    };
    let (ab, ba) = (scheme.compare(a, b), scheme.compare(b, a));
    if ab == Ok(want) && ba == Ok(want.reverse()) {
        None
    } else {
        Some(format!("{a} {op} {b}: got compare(a, b) {} and compare(b, a) {}", show(&ab), show(&ba)))
    }
}

/// Tallies one file's results against [`DEVIATIONS`].
struct Tally<'a> {
    failures: &'a mut Vec<String>,
    summary: &'a mut Vec<String>,
}

impl Tally<'_> {
    fn file(&mut self, label: &str, results: Vec<(usize, Option<String>)>) {
        let total = results.len();
        let mut passed = 0;
        let mut deviated = 0;
        for (line, failure) in results {
            let deviation = DEVIATIONS.iter().find(|(f, l, _)| *f == label && *l == line);
            match (failure, deviation) {
                (None, None) => passed += 1,
                (Some(_), Some(_)) => deviated += 1,
                (Some(msg), None) => self.failures.push(format!("{label}:{line}: {msg}")),
                (None, Some((_, _, reason))) => {
                    self.failures.push(format!("{label}:{line}: listed as a deviation ({reason}) but passes"))
                }
            }
        }
        self.summary.push(format!(
            "{label}: {passed}/{total} passed{}",
            if deviated > 0 { format!(", {deviated} failing as listed in DEVIATIONS") } else { String::new() }
        ));
    }
}

#[test]
fn version_fixtures() {
    let dir = fixtures_dir();
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    let mut tally = Tally { failures: &mut failures, summary: &mut summary };

    // Ordering fixtures.
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("osv-scalibr"))
        .expect("read osv-scalibr fixtures")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixture files in {}", dir.display());
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let label = format!("osv-scalibr/{name}");
        let stem = name.split("-versions").next().unwrap_or_default();
        let Some((_, scheme)) = FILE_SCHEMES.iter().find(|(s, _)| *s == stem) else {
            tally.failures.push(format!("{label}: no scheme for this fixture file"));
            continue;
        };
        let text = read(path);
        let results = lines(&text).map(|(n, l)| (n, check_line(*scheme, l))).collect();
        tally.file(&label, results);
    }

    // apk validation fixtures.
    for (file, want_valid) in [("valid_versions.txt", true), ("invalid_versions.txt", false)] {
        let label = format!("osv.dev-alpine/{file}");
        let text = read(&dir.join("osv.dev-alpine").join(file));
        let results = lines(&text)
            .map(|(n, v)| {
                let got = Scheme::Apk.validate(v);
                let failure = (got.is_ok() != want_valid)
                    .then(|| format!("{v}: want {}, got {got:?}", if want_valid { "valid" } else { "invalid" }));
                (n, failure)
            })
            .collect();
        tally.file(&label, results);
    }

    for line in &summary {
        eprintln!("{line}");
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("FAIL {f}");
        }
        panic!("{} fixture lines failed (listed above)", failures.len());
    }
}
