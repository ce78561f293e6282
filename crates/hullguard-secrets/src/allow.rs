//! Path allow-list and file classification.
//!
//! Decisions (see the crate docs for the reasoning):
//! - Documentation trees (`usr/share/doc`, `man`, `info`, `locale`, licence texts) are skipped.
//! - Inside third-party dependency trees (`site-packages`, `dist-packages`, `node_modules`,
//!   `vendor`, Ruby `gems`, `.cargo/registry`, Go `pkg/mod` and a Go toolchain's `src`),
//!   test, fixture, example and documentation directories are skipped, as are test files by name
//!   (`test_*.py`, `*_test.go`, `*.spec.js` …) and documentation files (`.md`, `.rst`, `.html` …).
//!   An application's own `tests/` directory is still scanned.
//! - Everywhere else nothing is skipped by path.

/// Directories under which nothing is scanned (documentation and translations).
const DOC_TREES: &[&str] = &[
    "usr/share/doc/",
    "usr/share/man/",
    "usr/share/info/",
    "usr/share/locale/",
    "usr/share/help/",
    "usr/share/gtk-doc/",
    "usr/share/licenses/",
    "usr/share/common-licenses/",
];

/// Directory names that, inside a dependency tree, hold tests, fixtures, examples or docs.
const DEP_NOISE_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testdata",
    "test_data",
    "test-data",
    "__tests__",
    "__fixtures__",
    "fixtures",
    "fixture",
    "spec",
    "specs",
    "example",
    "examples",
    "doc",
    "docs",
    "demo",
    "demos",
    "sample",
    "samples",
    "benches",
    "bench",
];

/// Extensions of documentation files: skipped inside dependency trees, and never given to the
/// generic assignment rule anywhere.
const DOC_EXTENSIONS: &[&str] =
    &["md", "markdown", "rst", "txt", "adoc", "asciidoc", "html", "htm", "po", "pot", "tex", "rtf", "texi", "ipynb"];

/// Extensions of program source, where the generic assignment rule only accepts quoted values.
const CODE_EXTENSIONS: &[&str] = &[
    "py", "pyi", "pyx", "js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts", "go", "rs", "java", "kt", "kts", "scala",
    "groovy", "rb", "php", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "cs", "swift", "m", "mm", "pl", "pm", "lua", "r",
    "el", "vim", "dart", "ex", "exs", "erl", "hs", "ml", "clj", "fs", "vue", "svelte", "tcl", "awk", "ps1",
];

fn normalise(path: &str) -> &str {
    let mut p = path;
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest;
        } else {
            return p;
        }
    }
}

fn extension(name: &str) -> Option<&str> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty()).then_some(ext)
}

fn ext_in(name: &str, list: &[&str]) -> bool {
    extension(name).is_some_and(|e| list.iter().any(|l| l.eq_ignore_ascii_case(e)))
}

/// Index of the first segment that starts a third-party dependency tree, if any.
fn dependency_root(segments: &[&str]) -> Option<usize> {
    segments.iter().enumerate().position(|(i, seg)| {
        let prev = if i > 0 { segments[i - 1] } else { "" };
        matches!(*seg, "site-packages" | "dist-packages" | "node_modules" | "vendor" | "gems" | "bower_components")
            || (*seg == "registry" && prev == ".cargo")
            || (*seg == "mod" && prev == "pkg")
            || (*seg == "src" && (prev == "go" || prev.starts_with("go-") || prev.starts_with("go1")))
    })
}

fn is_test_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("test_")
        || lower == "conftest.py"
        || lower.ends_with("_test.go")
        || lower.ends_with("_test.py")
        || lower.ends_with("_spec.rb")
        || lower.ends_with("_test.rb")
        || [".test.", ".spec."].iter().any(|m| lower.contains(m))
}

/// Why a path is skipped, or `None` when it is scanned.
pub(crate) fn allowlisted(path: &str) -> Option<&'static str> {
    let p = normalise(path);
    if DOC_TREES.iter().any(|t| p.starts_with(t)) {
        return Some("documentation tree");
    }
    let segments: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    let root = dependency_root(&segments)?;
    let (name, dirs) = segments.split_last()?;
    if dirs.iter().skip(root + 1).any(|d| d.ends_with(".dist-info") || d.ends_with(".egg-info")) {
        return Some("package metadata of a dependency");
    }
    if matches!(*name, "PKG-INFO" | "METADATA" | "DESCRIPTION.rst" | "CHANGELOG" | "CHANGES" | "HISTORY" | "README") {
        return Some("documentation file of a dependency");
    }
    if dirs.iter().skip(root + 1).any(|d| DEP_NOISE_DIRS.iter().any(|n| n.eq_ignore_ascii_case(d))) {
        return Some("test, example or documentation directory of a dependency");
    }
    if is_test_file_name(name) {
        return Some("test file of a dependency");
    }
    if ext_in(name, DOC_EXTENSIONS) {
        return Some("documentation file of a dependency");
    }
    None
}

/// How the generic assignment rule treats a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Prose: the generic rule does not run.
    Doc,
    /// Program source: the generic rule needs a quoted value.
    Code,
    /// Configuration, environment files, scripts and anything else.
    Config,
}

pub(crate) fn file_kind(path: &str) -> FileKind {
    let name = path.rsplit('/').next().unwrap_or(path);
    if ext_in(name, DOC_EXTENSIONS) {
        FileKind::Doc
    } else if ext_in(name, CODE_EXTENSIONS) {
        FileKind::Code
    } else {
        FileKind::Config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_decisions() {
        for skipped in [
            "/usr/share/doc/openssl/README",
            "usr/share/man/man1/ssh.1.gz",
            "/usr/lib/python3/dist-packages/requests/tests/test_auth.py",
            "usr/local/lib/python3.12/site-packages/jwt/test_jwt.py",
            "app/node_modules/jsonwebtoken/test/keys/priv.pem",
            "app/node_modules/pkg/README.md",
            "root/.cargo/registry/src/index/rustls-0.23/tests/data/key.pem",
            "go/pkg/mod/golang.org/x/crypto@v0.1.0/ssh/testdata/keys.go",
            "usr/local/go/src/crypto/tls/handshake_test.go",
            "vendor/github.com/x/y/example/main.go",
        ] {
            assert!(allowlisted(skipped).is_some(), "{skipped} should be skipped");
        }
        for scanned in [
            "/app/config/.env",
            "app/tests/settings.py",
            "root/.aws/credentials",
            "usr/lib/python3/dist-packages/mylib/config.py",
            "app/node_modules/pkg/.npmrc",
            "app/README.md",
            "usr/share/nginx/html/config.js",
        ] {
            assert_eq!(allowlisted(scanned), None, "{scanned} should be scanned");
        }
    }

    #[test]
    fn file_kinds() {
        assert_eq!(file_kind("a/b/settings.py"), FileKind::Code);
        assert_eq!(file_kind("README.md"), FileKind::Doc);
        assert_eq!(file_kind("app/config/.env"), FileKind::Config);
        assert_eq!(file_kind("etc/app.yaml"), FileKind::Config);
    }
}
