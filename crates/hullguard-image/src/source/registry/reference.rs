//! Image references as Docker reads them: `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`, with Docker Hub's
//! short names normalised (`alpine` → `docker.io/library/alpine:latest`).

use std::fmt;

use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};

/// Docker Hub's name in references.
pub const DOCKER_HUB: &str = "docker.io";
/// The host Docker Hub's registry API answers on.
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Registry host as written (`docker.io`, `localhost:5000`).
    pub registry: String,
    /// Repository path (`library/alpine`).
    pub repository: String,
    /// Tag, `latest` when neither a tag nor a digest is given.
    pub tag: Option<String>,
    /// Digest pin.
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parse `arg`. Without a registry host the image is on Docker Hub; a one-part Hub name gets
    /// `library/`.
    pub fn parse(arg: &str) -> Result<Self> {
        let bad = |why: &str| Error::new(ErrorKind::Malformed, arg, format!("not an image reference: {why}"));
        let (name, digest) = match arg.split_once('@') {
            Some((n, d)) => (n, Some(Digest::parse(d).map_err(|e| bad(e.problem()))?)),
            None => (arg, None),
        };
        let (host, path) = match name.split_once('/') {
            Some((first, rest)) if is_host(first) => (first.to_string(), rest),
            _ => (DOCKER_HUB.to_string(), name),
        };
        let host = if host == "index.docker.io" { DOCKER_HUB.to_string() } else { host };
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (&path[..last_slash + i], Some(path[last_slash + i + 1..].to_string())),
            None => (path, None),
        };
        if repo.is_empty() {
            return Err(bad("no repository"));
        }
        for component in repo.split('/') {
            let ok = !component.is_empty()
                && component.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
                && component.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
                && component.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
            if !ok {
                return Err(bad(&format!(
                    "repository component {component:?} must be lowercase letters, digits and separators"
                )));
            }
        }
        if let Some(t) = &tag {
            let ok = (1..=128).contains(&t.len())
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(bad(&format!("invalid tag {t:?}")));
            }
        }
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) {
            return Err(bad(&format!("invalid registry host {host:?}")));
        }
        let repository =
            if host == DOCKER_HUB && !repo.contains('/') { format!("library/{repo}") } else { repo.to_string() };
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Ok(Reference { registry: host, repository, tag, digest })
    }

    /// Whether a bare reference names its registry host (`localhost:5000/app`, `ghcr.io/x/y`).
    pub fn names_registry(arg: &str) -> bool {
        arg.split_once('/').is_some_and(|(first, _)| is_host(first))
    }

    /// The host the registry API answers on (`registry-1.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB { DOCKER_HUB_API } else { &self.registry }
    }

    /// What to ask the manifest endpoint for: the digest if pinned, else the tag.
    pub fn manifest_ref(&self) -> &str {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.as_str(),
            (None, Some(t)) => t,
            (None, None) => "latest",
        }
    }

    /// Whether the registry host is this machine (plain HTTP is allowed only there).
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => self.registry.as_str(),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

/// Docker's rule: the first component is a host when it has a dot or a port, or is `localhost`.
fn is_host(first: &str) -> bool {
    first.contains(['.', ':']) || first == "localhost" || first.starts_with('[')
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Tags cosign and other tools push beside images (signatures, attestations, SBOMs, referrer
/// fallbacks): not images to scan.
#[must_use]
pub fn is_artifact_tag(tag: &str) -> bool {
    let Some(rest) = tag.strip_prefix("sha256-") else { return false };
    let hex = rest.split('.').next().unwrap_or_default();
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Natural order: digit runs compared as numbers (`1.9` < `1.10`).
#[must_use]
pub fn natural_key(tag: &str) -> Vec<(u64, String)> {
    let mut key = Vec::new();
    let mut chars = tag.chars().peekable();
    while chars.peek().is_some() {
        let digits: String = std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
        let text: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_ascii_digit())).collect();
        key.push((digits.parse().unwrap_or(0), text));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_as_docker_does() {
        let hex = "5c903e763b41bc8a59c675409d9a51225ea7fae15dfeb1ddbe93cc2ddfe26b4b";
        for (arg, want) in [
            ("alpine", "docker.io/library/alpine:latest"),
            ("alpine:3.20", "docker.io/library/alpine:3.20"),
            ("bitnami/redis", "docker.io/bitnami/redis:latest"),
            ("docker.io/alpine", "docker.io/library/alpine:latest"),
            ("index.docker.io/library/alpine:3", "docker.io/library/alpine:3"),
            ("localhost:5000/app:1", "localhost:5000/app:1"),
            ("localhost/app", "localhost/app:latest"),
            ("127.0.0.1:5000/a/b/c:v1.2", "127.0.0.1:5000/a/b/c:v1.2"),
            ("ghcr.io/org/img", "ghcr.io/org/img:latest"),
        ] {
            assert_eq!(Reference::parse(arg).unwrap().to_string(), want, "{arg}");
        }
        let pinned = Reference::parse(&format!("localhost:5000/app@sha256:{hex}")).unwrap();
        assert_eq!(pinned.tag, None);
        assert_eq!(pinned.manifest_ref(), format!("sha256:{hex}"));
        assert_eq!(Reference::parse("alpine").unwrap().api_host(), "registry-1.docker.io");
        for bad in ["", "Alpine", "a//b", "app:", "app:-x", "x/../y", "app@sha256:zz", "/app", "localhost:5000/"] {
            assert!(Reference::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn loopback_and_bare_names() {
        assert!(Reference::parse("127.0.0.1:5000/a").unwrap().is_loopback());
        assert!(Reference::parse("localhost:5000/a").unwrap().is_loopback());
        assert!(Reference::parse("[::1]:5000/a").unwrap().is_loopback());
        assert!(!Reference::parse("ghcr.io/a/b").unwrap().is_loopback());
        assert!(Reference::names_registry("localhost:5000/app:1"));
        assert!(Reference::names_registry("docker.io/library/alpine:3.20"));
        assert!(!Reference::names_registry("app-mixed:latest"));
        assert!(!Reference::names_registry("bitnami/redis"));
    }

    #[test]
    fn artifact_tags_are_told_apart_and_tags_sort_naturally() {
        let sig = format!("sha256-{}.sig", "ab".repeat(32));
        assert!(is_artifact_tag(&sig));
        assert!(is_artifact_tag(&format!("sha256-{}", "0".repeat(64))));
        assert!(!is_artifact_tag("sha256-abc.sig"));
        assert!(!is_artifact_tag("v1.2"));
        let mut tags = vec!["1.10", "1.9", "v2", "1.9.1", "1.2"];
        tags.sort_by_key(|t| natural_key(t));
        assert_eq!(tags, ["v2", "1.2", "1.9", "1.9.1", "1.10"], "a leading word sorts before numbers");
    }
}
