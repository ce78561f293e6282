//! Registry credentials and the `WWW-Authenticate` challenge: where a user name and password come
//! from (the command line, `~/.docker/config.json`), and what the registry asks for (Basic, or a
//! Bearer token from its token service, for a scope).

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, ErrorKind, Result};

/// A user name and password (or identity token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.username)
    }
}

impl Credentials {
    /// The `Authorization: Basic` value.
    pub(crate) fn basic(&self) -> String {
        format!("Basic {}", STANDARD.encode(format!("{}:{}", self.username, self.password)))
    }
}

/// The Docker client's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Credentials for `registry` (as written in references: `docker.io`, `localhost:5000`) from the
/// Docker config, as the Docker client looks them up: the registry's `credHelpers` entry, else
/// the `credsStore` (each by running `docker-credential-NAME get`), else `auths` (base64
/// `user:password` in `auth`, or `username`/`password`). A missing file or entry is no
/// credentials; an unreadable or malformed file, or a failing helper, is an error naming it.
pub fn docker_config_credentials(registry: &str) -> Result<Option<Credentials>> {
    let Some(path) = docker_config_path() else { return Ok(None) };
    let name = path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&name, &e)),
    };
    credentials_from_config(&name, &bytes, registry)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(serde::Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The `auths` key for a registry, normalised: no scheme, no path; Docker Hub's aliases as one.
fn auth_key(key: &str) -> String {
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key);
    match host {
        "index.docker.io" | "registry-1.docker.io" => super::reference::DOCKER_HUB.to_string(),
        other => other.to_string(),
    }
}

pub(crate) fn credentials_from_config(name: &str, bytes: &[u8], registry: &str) -> Result<Option<Credentials>> {
    let config: DockerConfig = super::super::parse_json(name, bytes)?;
    let wanted = auth_key(registry);
    let helper = config.cred_helpers.iter().find(|(k, _)| auth_key(k) == wanted).map(|(_, v)| v);
    if let Some(helper) = helper.or(config.creds_store.as_ref()).filter(|h| !h.is_empty()) {
        let server = if wanted == super::reference::DOCKER_HUB { "https://index.docker.io/v1/" } else { registry };
        if let Some(found) = run_helper(name, helper, server)? {
            return Ok(Some(found));
        }
    }
    let Some(entry) = config.auths.iter().find(|(k, _)| auth_key(k) == wanted).map(|(_, v)| v) else {
        return Ok(None);
    };
    let subject = format!("{name}: auths.{registry}");
    if let Some(encoded) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| Error::new(ErrorKind::Malformed, &subject, "`auth` is not base64 of user:password"))?;
        let (user, pass) = decoded
            .split_once(':')
            .ok_or_else(|| Error::new(ErrorKind::Malformed, &subject, "`auth` is not base64 of user:password"))?;
        return Ok(Some(Credentials { username: user.to_string(), password: pass.to_string() }));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) => Ok(Some(Credentials { username: u.clone(), password: p.clone() })),
        _ => Ok(None),
    }
}

/// Longest a credential helper may take.
const HELPER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// `docker-credential-NAME get` with the server on stdin: its `Username` and `Secret`, or `None`
/// when it has none for the server (it says so and exits non-zero).
fn run_helper(config: &str, helper: &str, server: &str) -> Result<Option<Credentials>> {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let program = format!("docker-credential-{helper}");
    let subject = format!("{config}: {program}");
    if !helper.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return Err(Error::new(ErrorKind::Malformed, config, format!("credential helper name {helper:?}")));
    }
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(&subject, &e))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|e| Error::io(&subject, &e))?;
    }
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| Error::io(&subject, &e))? {
            break status;
        }
        if started.elapsed() > HELPER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::new(ErrorKind::Io, &subject, format!("no answer within {HELPER_TIMEOUT:?}")));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout.take(1 << 20).read_to_end(&mut out).map_err(|e| Error::io(&subject, &e))?;
    }
    if !status.success() {
        let text = String::from_utf8_lossy(&out).to_lowercase();
        if text.contains("not found") {
            return Ok(None);
        }
        return Err(Error::new(ErrorKind::Io, &subject, format!("get failed ({status})")));
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct HelperAnswer {
        username: String,
        secret: String,
    }
    let answer: HelperAnswer = super::super::parse_json(&subject, &out)?;
    Ok(Some(Credentials { username: answer.username, password: answer.secret }))
}

/// What a registry's 401 asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// HTTP Basic.
    Basic,
    /// A token from `realm`, for `service` and `scope`.
    Bearer { realm: String, service: Option<String>, scope: Option<String> },
}

/// Parse a `WWW-Authenticate` value (`Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`).
pub(crate) fn parse_challenge(value: &str) -> Option<Challenge> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => {
            let params = parse_params(rest);
            let realm = params.get("realm")?.clone();
            Some(Challenge::Bearer {
                realm,
                service: params.get("service").cloned(),
                scope: params.get("scope").cloned(),
            })
        }
        _ => None,
    }
}

/// `k="v", k2=v2` auth-params (quoted values may hold commas).
fn parse_params(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else { break };
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end.min(quoted.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.insert(key, value);
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"bearer realm="http://127.0.0.1:1/t", scope="repository:a:pull,push""#),
            Some(Challenge::Bearer {
                realm: "http://127.0.0.1:1/t".into(),
                service: None,
                scope: Some("repository:a:pull,push".into()),
            })
        );
        assert_eq!(parse_challenge(r#"Basic realm="Registry Realm""#), Some(Challenge::Basic));
        assert_eq!(parse_challenge("Bearer service=x"), None);
        assert_eq!(parse_challenge("Negotiate"), None);
    }

    #[test]
    fn reads_docker_config_auths() {
        let config = br#"{"auths":{
            "https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldA=="},
            "localhost:5000":{"auth":"dXNlcjpwYTpzcw=="},
            "ghcr.io":{"username":"u","password":"p"},
            "bad.example":{"auth":"!!"}}}"#;
        let get = |r| credentials_from_config("config.json", config, r);
        assert_eq!(get("docker.io").unwrap().unwrap().password, "secret");
        let local = get("localhost:5000").unwrap().unwrap();
        assert_eq!((local.username.as_str(), local.password.as_str()), ("user", "pa:ss"));
        assert_eq!(get("ghcr.io").unwrap().unwrap().username, "u");
        assert_eq!(get("quay.io").unwrap(), None);
        let err = get("bad.example").unwrap_err();
        assert!(err.to_string().contains("auths.bad.example"), "{err}");
        assert!(credentials_from_config("c.json", b"{", "x").is_err());
    }
}
