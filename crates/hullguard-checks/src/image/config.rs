//! Checks on the image config's runtime defaults: user, healthcheck, ENV and label secrets,
//! exposed ports, volumes, and the `latest` tag of the reference and the base-image label.

use hullguard_secrets::{is_secret_name, mask_value};

use super::{Hit, ImageFacts, is_secret_value};

/// Volumes on these directories (or the Docker socket) are sensitive.
const SENSITIVE_VOLUMES: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/root",
    "/run",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/var/run",
    "/var/lib/docker",
    "/var/run/docker.sock",
    "/run/docker.sock",
];

/// The label that names the base image (OCI image spec annotation, set by BuildKit and others).
const BASE_NAME_LABEL: &str = "org.opencontainers.image.base.name";

pub(super) fn check(facts: &ImageFacts<'_>, hits: &mut Vec<Hit>) {
    let cfg = &facts.config.config;

    // img-user-root
    let user = cfg.user.as_deref().unwrap_or("").trim();
    if is_root_user(user) {
        hits.push(Hit::config(
            "img-user-root",
            "config.User".to_owned(),
            format!("User={user:?}"),
            Some("add 'USER 10001' (an unprivileged user) at the end of the Dockerfile".to_owned()),
        ));
    }

    // img-healthcheck
    let has_healthcheck = cfg.healthcheck.as_ref().is_some_and(|h| h.test.as_ref().is_some_and(|t| !t.is_empty()));
    if !has_healthcheck {
        hits.push(Hit::config(
            "img-healthcheck",
            "config.Healthcheck".to_owned(),
            "no Healthcheck in the image config".to_owned(),
            None,
        ));
    }

    // img-secrets: ENV and labels
    for entry in cfg.env.iter().flatten() {
        let (name, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
        if is_secret_name(name) && is_secret_value(value) {
            hits.push(Hit::config(
                "img-secrets",
                format!("config.Env[{name}]"),
                format!("{name}={}", mask_value(value)),
                None,
            ));
        }
    }
    for (key, value) in cfg.labels.iter().flatten() {
        if is_secret_name(key) && is_secret_value(value) {
            hits.push(Hit::config(
                "img-secrets",
                format!("config.Labels[{key}]"),
                format!("{key}={}", mask_value(value)),
                None,
            ));
        }
    }

    // hg-img-expose-ssh
    for port in cfg.exposed_ports.iter().flat_map(|p| p.keys()) {
        if port_includes_22(port) {
            hits.push(Hit::config(
                "hg-img-expose-ssh",
                format!("config.ExposedPorts[{port}]"),
                format!("ExposedPorts {port}"),
                None,
            ));
        }
    }

    // img-sensitive-volume
    for volume in cfg.volumes.iter().flat_map(|v| v.keys()) {
        let trimmed = volume.trim();
        let normalised = if trimmed.len() > 1 { trimmed.trim_end_matches('/') } else { trimmed };
        let normalised = if normalised.is_empty() { "/" } else { normalised };
        if SENSITIVE_VOLUMES.contains(&normalised) {
            hits.push(Hit::config(
                "img-sensitive-volume",
                format!("config.Volumes[{volume}]"),
                format!("Volumes {volume}"),
                None,
            ));
        }
    }

    // img-latest-tag
    if let Some(reference) = facts.reference
        && is_latest(reference)
    {
        hits.push(Hit {
            concept: "img-latest-tag",
            location: hullguard_report::Location::Image { layer: None, path: None },
            evidence: format!("scanned as {reference}"),
            fix: None,
        });
    }
    if let Some(base) = cfg.labels.as_ref().and_then(|l| l.get(BASE_NAME_LABEL))
        && !base.trim().is_empty()
        && is_latest(base)
    {
        hits.push(Hit::config(
            "img-latest-tag",
            format!("config.Labels[{BASE_NAME_LABEL}]"),
            format!("{BASE_NAME_LABEL}={base}"),
            None,
        ));
    }
}

/// `""`, `root`, `0`, `root:…`, `0:…`.
fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty()
        || name == "root"
        || (name.bytes().all(|b| b.is_ascii_digit()) && name.trim_start_matches('0').is_empty())
}

/// `22`, `22/tcp`, `20-30/tcp`.
fn port_includes_22(spec: &str) -> bool {
    let port = spec.split('/').next().unwrap_or("").trim();
    match port.split_once('-') {
        Some((lo, hi)) => match (lo.trim().parse::<u32>(), hi.trim().parse::<u32>()) {
            (Ok(lo), Ok(hi)) => lo <= 22 && 22 <= hi,
            _ => false,
        },
        None => port.parse::<u32>() == Ok(22),
    }
}

/// True for a reference with the `latest` tag or no tag at all; digests are pinned.
pub(super) fn is_latest(reference: &str) -> bool {
    let r = reference.trim();
    if r.is_empty() || r.contains('@') {
        return false;
    }
    let last = r.rsplit('/').next().unwrap_or(r);
    match last.split_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_users() {
        for yes in ["", "root", "0", "000", "root:root", "0:0", ":1000"] {
            assert!(is_root_user(yes), "{yes:?}");
        }
        for no in ["1000", "app", "1000:0", "nobody", "10"] {
            assert!(!is_root_user(no), "{no:?}");
        }
    }

    #[test]
    fn ports() {
        assert!(port_includes_22("22/tcp") && port_includes_22("22") && port_includes_22("20-30/tcp"));
        assert!(!port_includes_22("2222/tcp") && !port_includes_22("220") && !port_includes_22("x/tcp"));
    }

    #[test]
    fn latest() {
        for yes in ["app:latest", "app", "registry:5000/team/app", "docker.io/library/debian:latest"] {
            assert!(is_latest(yes), "{yes}");
        }
        for no in ["app:1.2", "registry:5000/app:1", "app@sha256:abcd", "app:latest@sha256:abcd", "debian:bookworm"] {
            assert!(!is_latest(no), "{no}");
        }
    }
}
