//! Packages compiled into ELF executables. Each executable is parsed once with `object`, and
//! the parsed file is read for both kinds of embedded evidence:
//!
//! - **Go build info**: the main module, every dependency, and the standard library at the
//!   binary's Go version (`stdlib`, as Go's own advisories name it). The main module depends on
//!   every dependency and on `stdlib` (flat: the build info records no graph). A binary built
//!   outside module mode (GOPATH) records no main module; when it still lists dependencies, the
//!   main package's import path (`path` line) stands in for it, at version `(devel)` as Go writes
//!   for a main module built from a checkout, so the dependencies keep a parent.
//! - **`cargo auditable` data**: the Rust crates of the embedded `.dep-v0` dependency list. The
//!   workspace's own crates (`source: local`) are kept and marked `root_project`, as the
//!   `Cargo.lock` analyzer does; build-only dependencies are kept too (the package model has no
//!   field for the dependency kind). Each crate's `dependencies` indices become references to the
//!   crates of the same binary.
//!
//! A file that is not a readable object file is one problem; otherwise each kind of evidence
//! is read on its own, so a malformed one neither hides the other's packages nor its problem.

use hullguard_image::LayerEntry;

use super::{Analyzer, LayerFacts};
use crate::format::cargo_auditable::{self, AuditData, DependencyKind, Source};
use crate::format::go::{self, GoBuildInfo};
use crate::format::go_symbols;
use crate::package::{Ecosystem, FoundPackage};

/// The ELF magic: every executable this analyzer reads starts with it.
const ELF_MAGIC: &[u8] = b"\x7fELF";

/// The largest executable this analyzer reads.
const MAX_EXECUTABLE: u64 = 512 << 20;

/// Go modules and `cargo auditable` crates of ELF executables (formerly the separate
/// `go-binary` and `cargo-auditable` analyzers, which each parsed every executable).
pub(super) struct ElfExecutable;

impl Analyzer for ElfExecutable {
    fn id(&self) -> &'static str {
        "elf-executable"
    }

    fn version(&self) -> u32 {
        // Above both predecessors' version 2: layer-cache entries written by them never match;
        // 4: build edges of cargo-auditable data.
        4
    }

    fn wants(&self, _path: &str) -> bool {
        false
    }

    /// An executable bit and room for the ELF magic. Only the magic is read of files that lack
    /// it, so small scripts cost nothing; a truncated ELF file, however small, is read and
    /// reported.
    fn wants_entry(&self, entry: &LayerEntry) -> bool {
        entry.mode & 0o111 != 0 && entry.size >= ELF_MAGIC.len() as u64
    }

    fn magic(&self) -> Option<&'static [u8]> {
        Some(ELF_MAGIC)
    }

    fn max_size(&self) -> u64 {
        MAX_EXECUTABLE
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        if !content.starts_with(ELF_MAGIC) {
            return Ok(());
        }
        // The same text as the format parsers' own `Error::Object`.
        let file = object::File::parse(content).map_err(|e| format!("cannot read object file: {e}"))?;
        let file_path = format!("/{path}");
        let mut problems: Vec<String> = Vec::new();
        if let Some(info) = found(go::go_buildinfo(&file), &mut problems) {
            facts.packages.extend(go_packages(&info, &file_path));
        }
        if let Some(data) = found(cargo_auditable::audit_data(&file), &mut problems) {
            facts.packages.extend(cargo_packages(&data, &file_path));
        }
        // Both readers fail alike on a broken section table: say it once.
        problems.dedup();
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}

/// The id of [`GoFunctions`].
pub(super) const GO_FUNCTIONS_ID: &str = "go-symbols";

/// The functions linked into Go binaries (pclntab and ELF symbols), for reachability. Its own
/// analyzer, on the same read of each executable, so a scan without reachability skips it.
pub(super) struct GoFunctions;

impl Analyzer for GoFunctions {
    fn id(&self) -> &'static str {
        GO_FUNCTIONS_ID
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, _path: &str) -> bool {
        false
    }

    fn wants_entry(&self, entry: &LayerEntry) -> bool {
        ElfExecutable.wants_entry(entry)
    }

    fn magic(&self) -> Option<&'static [u8]> {
        Some(ELF_MAGIC)
    }

    fn max_size(&self) -> u64 {
        MAX_EXECUTABLE
    }

    /// Only binaries with Go build info are read; unreadable files and broken build info are
    /// [`ElfExecutable`]'s to report.
    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let Ok(file) = object::File::parse(content) else {
            return Ok(());
        };
        let Ok(Some(info)) = go::go_buildinfo(&file) else {
            return Ok(());
        };
        let mut symbols = go_symbols::go_symbols(&file).map_err(|e| e.to_string())?;
        let setting = |key: &str| info.settings.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        symbols.goos = setting("GOOS");
        symbols.goarch = setting("GOARCH").or(symbols.goarch);
        facts.go_symbols.push((format!("/{path}"), symbols));
        Ok(())
    }
}

/// The evidence one reader found, if any; its error, if it failed, is added to `problems`.
fn found<T, E: ToString>(result: Result<Option<T>, E>, problems: &mut Vec<String>) -> Option<T> {
    result.unwrap_or_else(|e| {
        problems.push(e.to_string());
        None
    })
}

/// The Go modules of one binary's build info, found in `file`.
fn go_packages(info: &GoBuildInfo, file: &str) -> Vec<FoundPackage> {
    let module = |name: &str, version: &str| {
        (!name.is_empty() && !version.is_empty())
            .then(|| FoundPackage::new(Ecosystem::Go, name.to_string(), version.to_string(), file.to_string()))
    };
    let deps: Vec<FoundPackage> = info
        .deps
        .iter()
        .filter_map(|dep| {
            let used = dep.replace.as_deref().unwrap_or(dep);
            module(&used.path, &used.version)
        })
        .collect();
    let main = match &info.main {
        Some(main) => module(&main.path, &main.version),
        None if !deps.is_empty() => module(&info.path, "(devel)"),
        None => None,
    };
    let stdlib = module("stdlib", &info.go_version);
    let mut out: Vec<FoundPackage> = main.into_iter().collect();
    if let Some(main) = out.first_mut() {
        main.depends_on = deps.iter().chain(&stdlib).map(FoundPackage::reference).collect();
        main.depends_on.sort();
        main.depends_on.dedup();
    }
    out.extend(deps);
    out.extend(stdlib);
    out
}

/// The crates of one binary's audit data, found in `file`.
fn cargo_packages(data: &AuditData, file: &str) -> Vec<FoundPackage> {
    data.packages
        .iter()
        .map(|p| {
            let mut found = FoundPackage::new(Ecosystem::Cargo, p.name.clone(), p.version.clone(), file.to_string());
            found.root_project = p.source == Source::Local;
            found.depends_on = p
                .dependencies
                .iter()
                .map(|&d| {
                    let dep = &data.packages[d];
                    format!("{}@{}", dep.name, dep.version)
                })
                .collect();
            found.depends_on.sort();
            found.depends_on.dedup();
            // A crate recorded as `build` kind is used only at build time (build scripts, proc
            // macros): every edge to it is a build edge.
            found.dev_depends_on = p
                .dependencies
                .iter()
                .map(|&d| &data.packages[d])
                .filter(|dep| dep.kind == DependencyKind::Build)
                .map(|dep| format!("{}@{}", dep.name, dep.version))
                .collect();
            found.dev_depends_on.sort();
            found.dev_depends_on.dedup();
            found
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::go::Module;

    fn module(path: &str, version: &str) -> Module {
        Module { path: path.into(), version: version.into(), sum: None, replace: None }
    }

    fn info(main: Option<Module>, deps: Vec<Module>) -> GoBuildInfo {
        GoBuildInfo {
            go_version: "go1.22.1".into(),
            path: "example.com/app/cmd/app".into(),
            main,
            deps,
            settings: Vec::new(),
        }
    }

    fn summary(found: &[FoundPackage]) -> Vec<(&str, &str, Vec<&str>)> {
        found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.depends_on.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn main_module_depends_on_every_dependency() {
        let mut replaced = module("example.com/old", "v1.0.0");
        replaced.replace = Some(Box::new(module("example.com/new", "v1.1.0")));
        let local = Module { replace: Some(Box::new(module("../local", ""))), ..module("example.com/local", "v0.0.0") };
        let deps = vec![module("golang.org/x/net", "v0.7.0"), replaced, local];
        let found = go_packages(&info(Some(module("example.com/app", "(devel)")), deps), "/bin/app");
        assert_eq!(
            summary(&found),
            [
                (
                    "example.com/app",
                    "(devel)",
                    vec!["example.com/new@v1.1.0", "golang.org/x/net@v0.7.0", "stdlib@go1.22.1"]
                ),
                ("golang.org/x/net", "v0.7.0", vec![]),
                ("example.com/new", "v1.1.0", vec![]),
                ("stdlib", "go1.22.1", vec![]),
            ]
        );
    }

    #[test]
    fn edges_to_build_kind_crates_are_build_edges() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
            {"name":"serde","version":"1.0.0","source":"crates.io","dependencies":[2]},
            {"name":"syn","version":"2.0.0","source":"crates.io","kind":"build"}]}"#;
        let data = crate::format::cargo_auditable::parse_audit_json(json).unwrap();
        let found = cargo_packages(&data, "/bin/app");
        let dev: Vec<(&str, Vec<&str>)> =
            found.iter().map(|p| (p.name.as_str(), p.dev_depends_on.iter().map(String::as_str).collect())).collect();
        assert_eq!(dev, [("app", vec!["syn@2.0.0"]), ("serde", vec!["syn@2.0.0"]), ("syn", vec![])]);
    }

    #[test]
    fn without_a_main_module_the_main_package_is_the_parent() {
        let found = go_packages(&info(None, vec![module("golang.org/x/sys", "v0.3.0")]), "/bin/app");
        assert_eq!(
            summary(&found),
            [
                ("example.com/app/cmd/app", "(devel)", vec!["golang.org/x/sys@v0.3.0", "stdlib@go1.22.1"]),
                ("golang.org/x/sys", "v0.3.0", vec![]),
                ("stdlib", "go1.22.1", vec![]),
            ]
        );
        // A GOPATH build without dependencies (runc, gosu in app-mixed) gains no package.
        assert_eq!(summary(&go_packages(&info(None, Vec::new()), "/bin/app")), [("stdlib", "go1.22.1", vec![])]);
    }
}
