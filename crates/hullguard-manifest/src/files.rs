//! Which files are manifests, and reading them with a size cap (`-` is standard input).

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest manifest read, in bytes.
pub const MAX_FILE: u64 = 64 << 20;

/// How much of a file is looked at to decide whether it is a Kubernetes manifest.
const SNIFF_BYTES: u64 = 64 << 10;

/// Directories never worth descending into.
const SKIP_DIRS: [&str; 5] = [".git", "node_modules", "target", ".venv", "vendor"];

/// A manifest that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file (or stdin) could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is over [`MAX_FILE`].
    #[error("{path}: over the {MAX_FILE} byte limit for manifests")]
    TooLarge {
        /// The file.
        path: String,
    },
}

/// Whether a file name is a compose file by convention (`compose.yaml`, `compose.yml`,
/// `docker-compose*.yml`/`.yaml`, `*.compose.yaml`/`.yml`).
#[must_use]
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    yaml && (lower.starts_with("compose.")
        || lower.starts_with("docker-compose")
        || lower.ends_with(".compose.yml")
        || lower.ends_with(".compose.yaml"))
}

/// Whether a file name may hold Kubernetes manifests (`.yaml`, `.yml`, `.json`), compose files aside.
#[must_use]
pub fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".yml") || lower.ends_with(".yaml") || lower.ends_with(".json")) && !is_compose_name(name)
}

/// Whether the start of a file reads like a Kubernetes object: it names both `apiVersion` and
/// `kind`, and is not a Helm template (`{{ … }}`: not YAML until rendered, so `helm template … |
/// hullguard k8s -` is the way to check a chart).
#[must_use]
pub fn looks_like_kubernetes(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    has(b"apiVersion") && has(b"kind") && !has(b"{{")
}

/// Whether the file at `path` is a Kubernetes manifest: by its name, then by its first bytes.
#[must_use]
pub fn is_kubernetes_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !is_manifest_name(&name) {
        return false;
    }
    let mut head = Vec::new();
    std::fs::File::open(path).and_then(|f| f.take(SNIFF_BYTES).read_to_end(&mut head)).is_ok()
        && looks_like_kubernetes(&head)
}

/// The manifest files under `path` (symlinks not followed), sorted; a path that is a file (or
/// `-`) is taken whatever its name.
///
/// # Errors
///
/// A directory that cannot be listed.
pub fn walk(path: &Path, wanted: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    if path == Path::new("-") {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    if !meta.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(path).map_err(io)?.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() && !SKIP_DIRS.contains(&name.as_str()) {
            walk(&e.path(), wanted, out)?;
        } else if ft.is_file() && wanted(&name) {
            out.push(e.path());
        }
    }
    Ok(())
}

/// Reads a manifest (`-`: standard input), refusing more than [`MAX_FILE`] bytes.
///
/// # Errors
///
/// The file cannot be read or is too large.
pub fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let name = path.display().to_string();
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().take(MAX_FILE + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut bytes))
    };
    result.map_err(|source| Error::Io { path: name.clone(), source })?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(Error::TooLarge { path: name });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.prod.yaml", "web.compose.yml"]
        {
            assert!(is_compose_name(yes) && !is_manifest_name(yes), "{yes}");
        }
        for k8s in ["deploy.yaml", "pod.yml", "list.JSON"] {
            assert!(is_manifest_name(k8s) && !is_compose_name(k8s), "{k8s}");
        }
        assert!(!is_manifest_name("Dockerfile") && !is_compose_name("compose.txt"));
        assert!(looks_like_kubernetes(b"apiVersion: v1\nkind: Pod\n"));
        assert!(!looks_like_kubernetes(b"services:\n  web: {}\n"));
        assert!(!looks_like_kubernetes(b"apiVersion: v1\nkind: Pod\nmetadata: {name: {{ .Release.Name }}}\n"));
    }
}
