//! Path normalisation for names found inside archives and layers. Nothing read from an image may
//! name a place outside its root.

/// Normalise an archive member or layer entry name to a relative path without `.`, empty or
/// trailing components (`"./usr//bin/"` → `"usr/bin"`). The root itself is `""`.
///
/// Leading `/` is tolerated for members of an image archive (some writers add it); `..` that would
/// climb above the root is refused. Returns the reason on refusal.
pub fn normalize_member(name: &str) -> Result<String, String> {
    normalize(name.trim_start_matches('/'))
}

/// Normalise a layer entry name. Absolute names are refused (no image builder writes them), and so
/// is any `..` that would climb above the layer root; a `..` that stays inside is resolved
/// lexically, as Docker does when it applies a layer.
pub fn normalize_entry(name: &str) -> Result<String, String> {
    if name.starts_with('/') {
        return Err(format!("absolute path {name:?} in layer"));
    }
    normalize(name)
}

fn normalize(name: &str) -> Result<String, String> {
    if name.contains('\0') {
        return Err("NUL byte in path".to_string());
    }
    let mut parts: Vec<&str> = Vec::new();
    for comp in name.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("path {name:?} escapes the root"));
                }
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

/// Normalise with the kernel's rule for absolute paths: `..` at the root stays at the root.
fn normalize_clamped(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for comp in name.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// The parent of a normalised path (`""` for top-level names).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Join a symlink target onto the directory of `link` and normalise it lexically, treating an
/// absolute target as relative to the image root. `Err` when a relative target climbs above the
/// root (Docker refuses such layers as a "breakout").
pub fn resolve_link_target(link: &str, target: &str) -> Result<String, String> {
    if let Some(abs) = target.strip_prefix('/') {
        return Ok(normalize_clamped(abs));
    }
    let dir = parent(link);
    let joined = if dir.is_empty() { target.to_string() } else { format!("{dir}/{target}") };
    normalize(&joined).map_err(|_| format!("symlink {link} -> {target} points outside the image root"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_refuses_escapes() {
        assert_eq!(normalize_entry("./usr//bin/").unwrap(), "usr/bin");
        assert_eq!(normalize_entry("a/b/../c").unwrap(), "a/c");
        assert_eq!(normalize_entry(".").unwrap(), "");
        assert!(normalize_entry("../etc/passwd").is_err());
        assert!(normalize_entry("a/../../etc").is_err());
        assert!(normalize_entry("/etc/passwd").is_err());
        assert_eq!(normalize_member("/blobs/sha256/x").unwrap(), "blobs/sha256/x");
        assert!(normalize_member("x\0y").is_err());
    }

    #[test]
    fn link_targets() {
        assert_eq!(resolve_link_target("bin", "usr/bin").unwrap(), "usr/bin");
        assert_eq!(resolve_link_target("etc/os-release", "../usr/lib/os-release").unwrap(), "usr/lib/os-release");
        assert_eq!(resolve_link_target("a/b", "/etc/passwd").unwrap(), "etc/passwd");
        assert!(resolve_link_target("a/b", "../../etc/passwd").is_err());
        assert_eq!(resolve_link_target("a/b", "/../../etc").unwrap(), "etc");
    }
}
