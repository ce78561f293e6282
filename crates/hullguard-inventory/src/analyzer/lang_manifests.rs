//! Installed-package manifests of more language ecosystems: Ruby `specifications/*.gemspec`,
//! PHP `vendor/composer/installed.json` and .NET `*.deps.json`.

use serde_json::Value;

use super::{Analyzer, LayerFacts};
use crate::package::{Ecosystem, FoundPackage};

pub(super) struct Gemspec;
pub(super) struct ComposerInstalled;
pub(super) struct DotnetDeps;

/// The string value of `s.name = "rack".freeze`-style assignments in a gemspec.
fn gemspec_value(line: &str, key: &str) -> Option<String> {
    let (lhs, rhs) = line.split_once('=')?;
    let lhs = lhs.trim();
    if !(lhs.ends_with(&format!(".{key}")) && lhs.len() <= key.len() + 16) {
        return None;
    }
    let rhs = rhs.trim();
    let quote = rhs.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rhs[1..];
    let end = body.find(quote)?;
    Some(body[..end].to_string())
}

impl Analyzer for Gemspec {
    fn id(&self) -> &'static str {
        "ruby-gemspec"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".gemspec") && path.contains("/specifications/")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let text = String::from_utf8_lossy(content);
        let mut name = None;
        let mut version = None;
        let mut license = None;
        for line in text.lines() {
            name = name.or_else(|| gemspec_value(line, "name"));
            version = version.or_else(|| gemspec_value(line, "version"));
            license = license.or_else(|| gemspec_value(line, "license"));
        }
        let (Some(name), Some(version)) = (name, version) else { return Err("no name or version".to_string()) };
        let mut p = FoundPackage::new(Ecosystem::Gem, name, version, format!("/{path}"));
        p.license = license;
        facts.packages.push(p);
        Ok(())
    }
}

impl Analyzer for ComposerInstalled {
    fn id(&self) -> &'static str {
        "php-composer-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with("vendor/composer/installed.json")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let doc: Value = serde_json::from_slice(content).map_err(|e| format!("invalid JSON: {e}"))?;
        // Composer 2 wraps the list in {"packages": [...]}; Composer 1 writes the list itself.
        let list = doc.get("packages").unwrap_or(&doc).as_array().ok_or("no package list")?;
        for p in list {
            let (Some(name), Some(version)) =
                (p.get("name").and_then(Value::as_str), p.get("version").and_then(Value::as_str))
            else {
                continue;
            };
            let mut found =
                FoundPackage::new(Ecosystem::Composer, name.to_string(), version.to_string(), format!("/{path}"));
            found.license = p
                .get("license")
                .and_then(Value::as_array)
                .and_then(|l| l.first())
                .and_then(Value::as_str)
                .map(str::to_string);
            facts.packages.push(found);
        }
        Ok(())
    }
}

impl Analyzer for DotnetDeps {
    fn id(&self) -> &'static str {
        "dotnet-deps"
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".deps.json")
    }

    fn analyze(&self, path: &str, content: &[u8], facts: &mut LayerFacts) -> Result<(), String> {
        let doc: Value = serde_json::from_slice(content).map_err(|e| format!("invalid JSON: {e}"))?;
        let libraries = doc.get("libraries").and_then(Value::as_object).ok_or("no libraries")?;
        for (key, lib) in libraries {
            if lib.get("type").and_then(Value::as_str) != Some("package") {
                continue;
            }
            if let Some((name, version)) = key.split_once('/') {
                facts.packages.push(FoundPackage::new(
                    Ecosystem::NuGet,
                    name.to_string(),
                    version.to_string(),
                    format!("/{path}"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &dyn Analyzer, path: &str, content: &str) -> Vec<(String, String)> {
        assert!(a.wants(path), "{path}");
        let mut facts = LayerFacts::default();
        a.analyze(path, content.as_bytes(), &mut facts).unwrap();
        facts.packages.into_iter().map(|p| (p.name, p.version)).collect()
    }

    #[test]
    fn gemspecs() {
        let spec = "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"rack\".freeze\n  s.version = \"2.2.3\"\n  s.licenses = [\"MIT\".freeze]\n  s.required_ruby_version = Gem::Requirement.new(\">= 2.3.0\".freeze)\nend\n";
        assert_eq!(
            run(&Gemspec, "usr/local/bundle/specifications/rack-2.2.3.gemspec", spec),
            [("rack".into(), "2.2.3".into())]
        );
        assert!(!Gemspec.wants("app/rack.gemspec"));
        let mut facts = LayerFacts::default();
        assert!(Gemspec.analyze("x/specifications/a.gemspec", b"nothing", &mut facts).is_err());
    }

    #[test]
    fn composer_v1_and_v2() {
        let v2 = r#"{"packages":[{"name":"monolog/monolog","version":"2.3.5","license":["MIT"]},{"name":"psr/log","version":"1.1.4"}]}"#;
        let v1 = r#"[{"name":"psr/log","version":"1.1.4"}]"#;
        let path = "var/www/vendor/composer/installed.json";
        assert_eq!(
            run(&ComposerInstalled, path, v2),
            [("monolog/monolog".into(), "2.3.5".into()), ("psr/log".into(), "1.1.4".into())]
        );
        assert_eq!(run(&ComposerInstalled, path, v1), [("psr/log".into(), "1.1.4".into())]);
    }

    #[test]
    fn dotnet_deps() {
        let deps = r#"{"libraries":{"App/1.0.0":{"type":"project"},"Newtonsoft.Json/13.0.1":{"type":"package"},"System.Text.Json/6.0.0":{"type":"package"}}}"#;
        assert_eq!(
            run(&DotnetDeps, "app/App.deps.json", deps),
            [("Newtonsoft.Json".into(), "13.0.1".into()), ("System.Text.Json".into(), "6.0.0".into())]
        );
    }
}
