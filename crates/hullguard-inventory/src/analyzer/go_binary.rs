//! Go modules compiled into executables: the main module, every dependency, and the standard
//! library at the binary's Go version (`stdlib`, as Go's own advisories name it).
//!
//! The main module depends on every dependency and on `stdlib` (flat: the build info records
//! no graph). A binary built outside module mode (GOPATH) records no main module; when it still
//! lists dependencies, the main package's import path (`path` line) stands in for it, at version
//! `(devel)` as Go writes for a main module built from a checkout, so the dependencies keep a
//! parent.

use hullguard_image::LayerEntry;

use super::{Analyzer, ELF_MAGIC, LayerFacts, MAX_EXECUTABLE, is_executable};
use crate::format::go::{GoBuildInfo, parse_go_buildinfo};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct GoBinary;

impl Analyzer for GoBinary {
    fn id(&self) -> &'static str {
        "go-binary"
    }

    fn version(&self) -> u32 {
        2
    }

    fn wants(&self, _path: &str) -> bool {
        false
    }

    fn wants_entry(&self, entry: &LayerEntry) -> bool {
        is_executable(entry)
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
        let Some(info) = parse_go_buildinfo(content).map_err(|e| e.to_string())? else { return Ok(()) };
        facts.packages.extend(packages(&info, &format!("/{path}")));
        Ok(())
    }
}

/// The packages of one binary's build info, found in `file`.
fn packages(info: &GoBuildInfo, file: &str) -> Vec<FoundPackage> {
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
        let found = packages(&info(Some(module("example.com/app", "(devel)")), deps), "/bin/app");
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
    fn without_a_main_module_the_main_package_is_the_parent() {
        let found = packages(&info(None, vec![module("golang.org/x/sys", "v0.3.0")]), "/bin/app");
        assert_eq!(
            summary(&found),
            [
                ("example.com/app/cmd/app", "(devel)", vec!["golang.org/x/sys@v0.3.0", "stdlib@go1.22.1"]),
                ("golang.org/x/sys", "v0.3.0", vec![]),
                ("stdlib", "go1.22.1", vec![]),
            ]
        );
        // A GOPATH build without dependencies (runc, gosu in app-mixed) gains no package.
        assert_eq!(summary(&packages(&info(None, Vec::new()), "/bin/app")), [("stdlib", "go1.22.1", vec![])]);
    }
}
