//! JVM: `gradle.lockfile` and Maven `pom.xml`.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::{Locked, Parsed};

/// gradle.lockfile: `group:artifact:version=conf1,conf2`; dev when every
/// configuration is a test one.
pub(crate) fn gradle_lockfile(text: &str) -> Parsed {
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coordinates, configurations) = line.split_once('=').unwrap_or((line, ""));
        let mut parts = coordinates.split(':');
        let (Some(group), Some(artifact), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {}: expected group:artifact:version, got `{coordinates}`", number + 1));
        };
        if group.is_empty() || artifact.is_empty() || version.is_empty() {
            return Err(format!("line {}: empty coordinate in `{coordinates}`", number + 1));
        }
        let mut configs = configurations.split(',').filter(|c| !c.is_empty()).peekable();
        let dev = configs.peek().is_some() && configs.all(|c| c.starts_with("test") || c.contains("Test"));
        out.push(Locked::new(format!("{group}:{artifact}"), version).dev(dev));
    }
    Ok(out)
}

/// A `<dependency>` being read.
#[derive(Default)]
struct PomDependency {
    group: String,
    artifact: String,
    version: String,
    scope: String,
}

/// Longest chain of `${...}` indirections followed when resolving a version.
const MAX_PROPERTY_HOPS: usize = 8;

/// Deepest element nesting accepted in a POM.
const MAX_XML_DEPTH: usize = 256;

/// pom.xml: dependencies declared in `<dependencies>` of the project or a
/// profile. Versions come from `<version>`, else from `<dependencyManagement>`;
/// `${name}` is resolved from `<properties>` (and `project.version`); ranges
/// and unresolved versions are skipped; `test` scope marks dev.
pub(crate) fn pom_xml(text: &str) -> Parsed {
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    let mut properties: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<PomDependency> = None;
    let mut declared: Vec<PomDependency> = Vec::new();
    let mut managed: Vec<PomDependency> = Vec::new();
    let mut saw_project = false;
    loop {
        let event = reader.read_event().map_err(|e| format!("invalid XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().into_inner().to_owned();
                if path.is_empty() {
                    if name != "project" {
                        return Err(format!("root element is <{name}>, not <project>"));
                    }
                    saw_project = true;
                }
                path.push(name);
                if path.len() > MAX_XML_DEPTH {
                    return Err("XML nested too deeply".to_owned());
                }
                text_buf.clear();
                if dependency_kind(&path).is_some() {
                    current = Some(PomDependency::default());
                }
            }
            Event::Empty(start) if path.is_empty() => {
                let name = start.local_name().into_inner().to_owned();
                return Err(format!("root element is an empty <{name}/>"));
            }
            Event::Text(t) => text_buf.push_str(&t.xml10_content()),
            Event::CData(t) => text_buf.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match &*r {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r.resolve_char_ref().ok().flatten(),
                };
                text_buf.extend(resolved);
            }
            Event::End(_) => {
                let value = text_buf.trim().to_owned();
                text_buf.clear();
                let depth = path.len();
                let parents: Vec<&str> = path.iter().map(String::as_str).collect();
                match parents[..] {
                    ["project", "properties", name] => {
                        properties.insert(name.to_owned(), value);
                    }
                    ["project", "version"] => {
                        properties.insert("project.version".to_owned(), value);
                    }
                    ["project", "parent", "version"] => {
                        properties.entry("project.version".to_owned()).or_insert(value);
                    }
                    _ if depth >= 2 && dependency_kind(&path[..depth - 1]).is_some() => {
                        if let Some(dep) = current.as_mut() {
                            match parents[depth - 1] {
                                "groupId" => dep.group = value,
                                "artifactId" => dep.artifact = value,
                                "version" => dep.version = value,
                                "scope" => dep.scope = value,
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
                if let Some(managed_dep) = dependency_kind(&path)
                    && let Some(dep) = current.take()
                {
                    if managed_dep {
                        managed.push(dep);
                    } else {
                        declared.push(dep);
                    }
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_project {
        return Err("no <project> element".to_owned());
    }
    if !path.is_empty() {
        return Err(format!("unexpected end of file inside <{}>", path.join("/")));
    }
    let mut out = Vec::new();
    for dep in declared {
        let version = if dep.version.is_empty() {
            managed
                .iter()
                .find(|m| m.group == dep.group && m.artifact == dep.artifact)
                .map(|m| m.version.as_str())
                .unwrap_or_default()
        } else {
            dep.version.as_str()
        };
        let group = resolve(&dep.group, &properties);
        let artifact = resolve(&dep.artifact, &properties);
        let version = resolve(version, &properties);
        if let (Some(g), Some(a), Some(v)) = (group, artifact, version)
            && !g.is_empty()
            && !a.is_empty()
            && !v.is_empty()
            && !v.starts_with(['[', '('])
        {
            out.push(Locked::new(format!("{g}:{a}"), v).dev(dep.scope == "test").direct(Some(true)));
        }
    }
    Ok(out)
}

/// Whether `path` ends at a `<dependency>` that counts: `Some(false)` for a
/// declared dependency (project or profile), `Some(true)` for a managed one.
fn dependency_kind(path: &[String]) -> Option<bool> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    match parts[..] {
        ["project", "dependencies", "dependency"]
        | ["project", "profiles", "profile", "dependencies", "dependency"] => Some(false),
        ["project", "dependencyManagement", "dependencies", "dependency"]
        | ["project", "profiles", "profile", "dependencyManagement", "dependencies", "dependency"] => Some(true),
        _ => None,
    }
}

/// Substitutes `${name}` references; `None` when one is undefined.
fn resolve(value: &str, properties: &BTreeMap<String, String>) -> Option<String> {
    let mut value = value.to_owned();
    for _ in 0..MAX_PROPERTY_HOPS {
        let Some(start) = value.find("${") else {
            return Some(value);
        };
        let end = start + value[start..].find('}')?;
        let replacement = properties.get(&value[start + 2..end])?;
        value.replace_range(start..=end, replacement);
        if value.len() > 4096 {
            return None;
        }
    }
    (!value.contains("${")).then_some(value)
}

#[cfg(test)]
mod tests {
    use crate::tests::{expect, triples};
    use crate::{Format, parse};

    #[test]
    fn gradle_lockfile_table() {
        let input = "# This is a Gradle generated file for dependency locking.\n\
# Manual edits can break the build and are not advised.\n\
com.google.guava:guava:32.1.2-jre=compileClasspath,runtimeClasspath,testCompileClasspath\n\
junit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\n\
org.mockito:mockito-core:5.4.0=androidTestImplementation\n\
org.slf4j:slf4j-api:2.0.7=runtimeClasspath\n\
empty=annotationProcessor\n";
        assert_eq!(
            triples(Format::GradleLockfile, input),
            expect(&[
                ("com.google.guava:guava", "32.1.2-jre", false),
                ("junit:junit", "4.13.2", true),
                ("org.mockito:mockito-core", "5.4.0", true),
                ("org.slf4j:slf4j-api", "2.0.7", false),
            ])
        );
        assert!(parse(Format::GradleLockfile, b"not-a-coordinate=x\n").is_err());
        assert!(parse(Format::GradleLockfile, b"a::1=x\n").is_err());
    }

    #[test]
    fn pom_xml_table() {
        let input = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>app</artifactId>
  <version>1.4.0</version>
  <properties>
    <jackson.version>2.15.2</jackson.version>
    <spring.version>${spring.base}</spring.version>
    <spring.base>6.0.11</spring.base>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.slf4j</groupId>
        <artifactId>slf4j-api</artifactId>
        <version>2.0.7</version>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>${jackson.version}</version>
    </dependency>
    <dependency>
      <groupId>org.springframework</groupId>
      <artifactId>spring-core</artifactId>
      <version>${spring.version}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
    </dependency>
    <dependency>
      <groupId>com.example</groupId>
      <artifactId>app-common</artifactId>
      <version>${project.version}</version>
    </dependency>
    <dependency>
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
      <version>4.13.2</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.unknown</groupId>
      <artifactId>unresolved</artifactId>
      <version>${not.defined}</version>
    </dependency>
    <dependency>
      <groupId>org.range</groupId>
      <artifactId>ranged</artifactId>
      <version>[1.0,2.0)</version>
    </dependency>
    <dependency>
      <groupId>org.nover</groupId>
      <artifactId>noversion</artifactId>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-shade-plugin</artifactId>
        <version>3.5.0</version>
        <dependencies>
          <dependency>
            <groupId>org.ow2.asm</groupId>
            <artifactId>asm</artifactId>
            <version>9.5</version>
          </dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>extra</id>
      <dependencies>
        <dependency>
          <groupId>com.h2database</groupId>
          <artifactId>h2</artifactId>
          <version>2.2.220</version>
        </dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
"#;
        assert_eq!(
            triples(Format::PomXml, input),
            expect(&[
                ("com.example:app-common", "1.4.0", false),
                ("com.fasterxml.jackson.core:jackson-databind", "2.15.2", false),
                ("com.h2database:h2", "2.2.220", false),
                ("junit:junit", "4.13.2", true),
                ("org.slf4j:slf4j-api", "2.0.7", false),
                ("org.springframework:spring-core", "6.0.11", false),
            ])
        );
        let bad: &[&[u8]] =
            &[b"<project><dependencies></project>", b"<settings></settings>", b"<project>", b"", b"<project/>"];
        for input in bad {
            assert!(parse(Format::PomXml, input).is_err(), "{input:?}");
        }
        let looped = b"<project><properties><a>${b}</a><b>${a}</b></properties>\
<dependencies><dependency><groupId>g</groupId><artifactId>x</artifactId>\
<version>${a}</version></dependency></dependencies></project>";
        assert!(parse(Format::PomXml, looped).unwrap().is_empty());
    }
}
