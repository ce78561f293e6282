//! Admission control: the decision on one `admission.k8s.io/v1` AdmissionReview. The object is
//! checked by the Kubernetes checks of `hullguard-manifest` (findings of severity high and up, and
//! the untrusted-registry check) and by Pod Security Admission at its namespace's level. The
//! namespace's `pod-security.kubernetes.io/enforce` label is not in the review (the API server
//! sends no namespace object), so levels come from the policy's `namespace_levels`. The images
//! are checked under the trust policy the admission policy names ([`trust`]).

pub mod manifests;
pub mod trust;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;

use hullguard_manifest::k8s::{self, pss};
use hullguard_manifest::{Input, Settings};
use hullguard_report::{Location, Severity};
use serde::Deserialize;
use serde_json::{Value, json};

/// Deny, or allow and warn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Deny a failing object.
    #[default]
    Enforce,
    /// Admit it with the reasons as `warnings`.
    Audit,
}

/// What to do with an image whose trust policy has a vulnerability gate but which has no stored
/// scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unscanned {
    /// Deny it (fail closed).
    #[default]
    Deny,
    /// Admit it with a warning.
    Allow,
}

/// The admission policy (YAML, read with serde-saphyr).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The mode for namespaces not named in `namespace_modes`.
    #[serde(default)]
    pub mode: Mode,
    /// Per-namespace modes.
    #[serde(default)]
    pub namespace_modes: BTreeMap<String, Mode>,
    /// PSS level per namespace (`baseline`, `restricted`, `privileged`), as its enforce label says.
    #[serde(default)]
    pub namespace_levels: BTreeMap<String, String>,
    /// Registries images may come from (as the trust policy's allow-list); empty: any.
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    /// Namespaces admitted without checks.
    #[serde(default)]
    pub exempt_namespaces: Vec<String>,
    /// Service accounts (`namespace/name`) whose requests are admitted without checks.
    #[serde(default)]
    pub exempt_service_accounts: Vec<String>,
    /// The trust policy (docs/trust.md) every image is checked under, relative to this file.
    #[serde(default)]
    pub trust_policy: Option<PathBuf>,
    /// Registries reached over plain HTTP (loopback ones only).
    #[serde(default)]
    pub plain_http_registries: Vec<String>,
    /// How long a signature verification is reused, in seconds.
    #[serde(default = "five_minutes")]
    pub signature_cache_seconds: u64,
    /// Images with no stored scan, when the trust policy has a vulnerability gate (and their
    /// scan on demand did not finish in time).
    #[serde(default)]
    pub unscanned: Unscanned,
    /// How long a review waits for the scan on demand of an image with no stored scan, in
    /// seconds (the scan goes on and is stored after that); absent: no scan on demand.
    #[serde(default)]
    pub scan_timeout_seconds: Option<f64>,
}

fn five_minutes() -> u64 {
    300
}

/// The longest `scan_timeout_seconds`: the API server waits at most 30 s for a webhook.
const MAX_SCAN_TIMEOUT_SECONDS: f64 = 30.0;

/// Largest policy file read.
const MAX_POLICY_BYTES: u64 = 1 << 20;

impl Policy {
    /// Reads a policy file's text; the error names the problem.
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        // The parser's first line names line, column and problem; a source snippet follows.
        let policy: Policy = serde_saphyr::from_str(text)
            .map_err(|e| e.to_string().lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned())?;
        for (ns, level) in &policy.namespace_levels {
            if !matches!(level.as_str(), "privileged" | "baseline" | "restricted") {
                return Err(format!("namespace_levels.{ns}: unknown level {level}"));
            }
        }
        if let Some(t) = policy.scan_timeout_seconds
            && !(0.0..=MAX_SCAN_TIMEOUT_SECONDS).contains(&t)
        {
            return Err(format!("scan_timeout_seconds: {t} is not between 0 and {MAX_SCAN_TIMEOUT_SECONDS}"));
        }
        Ok(policy)
    }

    /// Reads the policy file at `path`; the error is one line naming the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let name = path.display();
        let text = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
        if text.len() as u64 > MAX_POLICY_BYTES {
            return Err(format!("{name}: larger than {MAX_POLICY_BYTES} bytes"));
        }
        let text = String::from_utf8(text).map_err(|_| format!("{name}: not UTF-8 text"))?;
        Policy::from_yaml(&text).map_err(|e| format!("{name}: {e}"))
    }

    fn level(&self, namespace: &str) -> Option<pss::Level> {
        match self.namespace_levels.get(namespace).map(String::as_str) {
            Some("baseline") => Some(pss::Level::Baseline),
            Some("restricted") => Some(pss::Level::Restricted),
            _ => None,
        }
    }

    fn exempt(&self, namespace: &str, username: &str) -> bool {
        self.exempt_namespaces.iter().any(|n| n == namespace)
            || username
                .strip_prefix("system:serviceaccount:")
                .and_then(|sa| sa.split_once(':'))
                .is_some_and(|(ns, name)| self.exempt_service_accounts.contains(&format!("{ns}/{name}")))
    }
}

/// Why a review could not be read (answered 400).
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

/// What the webhook needs of the server it runs in: its stored scans (and scans on demand) and
/// its event store.
pub trait Server: trust::Scans {
    /// Records an event of `kind` (`admission_denied`, `admission_audited`) of a review.
    ///
    /// # Errors
    ///
    /// When the store cannot be written.
    fn record(&self, kind: &str, review: &crate::wire::Admission) -> Result<(), String>;
}

/// An admission policy with the trust policy it names, loaded.
pub struct Loaded {
    /// The admission policy.
    pub policy: Policy,
    /// Its trust policy, when it names one.
    pub trust: Option<trust::Trust>,
    /// Every file read (the policy, the trust policy, its keys), watched for changes.
    files: Vec<PathBuf>,
    /// Where its events go.
    server: Arc<dyn Server>,
}

impl Loaded {
    /// Reads the admission policy at `path` and the trust policy and keys it names, its
    /// vulnerability gate reading (and its events going to) `server`; the error is one line
    /// naming the file.
    pub fn load(path: &Path, server: &Arc<dyn Server>) -> Result<Self, String> {
        let policy = Policy::load(path)?;
        let mut files = vec![path.to_owned()];
        let trust = match &policy.trust_policy {
            None => None,
            Some(file) => {
                let file = path.parent().unwrap_or(Path::new(".")).join(file);
                let trust_policy = hullguard_trust::policy::TrustPolicy::load(&file).map_err(|e| e.to_string())?;
                files.push(file);
                files.extend(trust_policy.key_files().map(PathBuf::from));
                let ttl = Duration::from_secs(policy.signature_cache_seconds);
                let unscanned = trust::Unscanned {
                    scan_budget: policy.scan_timeout_seconds.map(Duration::from_secs_f64),
                    allow: policy.unscanned == Unscanned::Allow,
                };
                let plain_http = policy.plain_http_registries.clone();
                Some(trust::Trust::new(trust_policy, plain_http, ttl, server.clone(), unscanned))
            }
        };
        Ok(Loaded { policy, trust, files, server: server.clone() })
    }
}

/// The `request` of the AdmissionReview `body` and its uid, or why `body` is none.
fn request(body: &[u8]) -> Result<(Value, String), Malformed> {
    let mut review: Value = serde_json::from_slice(body).map_err(|e| Malformed(format!("not JSON: {e}")))?;
    if review.get("apiVersion").and_then(Value::as_str) != Some("admission.k8s.io/v1")
        || review.get("kind").and_then(Value::as_str) != Some("AdmissionReview")
    {
        return Err(Malformed("not an admission.k8s.io/v1 AdmissionReview".to_owned()));
    }
    let request = review.get_mut("request").map(Value::take).ok_or_else(|| Malformed("no request".to_owned()))?;
    let uid = request.get("uid").and_then(Value::as_str).ok_or_else(|| Malformed("request.uid missing".to_owned()))?;
    let uid = uid.to_owned();
    Ok((request, uid))
}

/// The AdmissionReview of `response`.
fn answer(response: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
}

/// The validating webhook's AdmissionReview answering `body`, or why `body` is no AdmissionReview.
pub fn review(body: &[u8], loaded: &Loaded) -> Result<Value, Malformed> {
    let policy = &loaded.policy;
    let (request, uid) = request(body)?;
    let field = |key: &str| request.get(key).and_then(Value::as_str).unwrap_or_default();
    let namespace = field("namespace");
    let username = request.pointer("/userInfo/username").and_then(Value::as_str).unwrap_or_default();
    let checked = matches!(field("operation"), "CREATE" | "UPDATE") && !policy.exempt(namespace, username);
    let trust::Verdict { violations, mut warnings } = match request.get("object") {
        Some(object) if checked => reasons(object, namespace, loaded),
        _ => trust::Verdict::default(),
    };
    let mode = policy.namespace_modes.get(namespace).copied().unwrap_or(policy.mode);
    // A dry run changes nothing, here neither.
    if !violations.is_empty() && request.get("dryRun").and_then(Value::as_bool) != Some(true) {
        let kind = if mode == Mode::Audit { "admission_audited" } else { "admission_denied" };
        let object = |key: &str| request.pointer(&format!("/object/{key}")).and_then(Value::as_str).unwrap_or_default();
        let event = crate::wire::Admission {
            uid: uid.clone(),
            operation: field("operation").to_owned(),
            namespace: namespace.to_owned(),
            kind: object("kind").to_owned(),
            name: object("metadata/name").to_owned(),
            user: username.to_owned(),
            reasons: violations.clone(),
        };
        if let Err(e) = loaded.server.record(kind, &event) {
            tracing::error!("admission: the event of review {uid} was not recorded: {e}");
        }
    }
    let mut response = if violations.is_empty() {
        json!({"uid": uid, "allowed": true})
    } else if mode == Mode::Audit {
        warnings.splice(0..0, violations);
        json!({"uid": uid, "allowed": true})
    } else {
        json!({"uid": uid, "allowed": false, "status": {"code": 403, "message": violations.join("\n")}})
    };
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    Ok(answer(response))
}

/// The mutating webhook's answer: each image tag whose signatures passed the trust policy is
/// pinned to the digest that was verified (`IMAGE:TAG@sha256:…`, as Kyverno's `mutateDigest`), so
/// what was verified is what runs; a JSONPatch of `replace` operations. Admits always: the
/// validating webhook decides.
pub fn mutate(body: &[u8], loaded: &Loaded) -> Result<Value, Malformed> {
    let (request, uid) = request(body)?;
    let mut patch = Vec::new();
    if let (Some(trust), Some(object)) = (&loaded.trust, request.get("object")) {
        let text = object.to_string();
        let inputs = [Input { name: "object", bytes: text.as_bytes() }];
        for (field, image) in k8s::images(&inputs) {
            if let Some(pinned) = trust.pinned(&field, &image) {
                patch.push(json!({"op": "replace", "path": pointer(&field), "value": pinned}));
            }
        }
    }
    let response = if patch.is_empty() {
        json!({"uid": uid, "allowed": true})
    } else {
        let patch = base64::engine::general_purpose::STANDARD.encode(Value::Array(patch).to_string());
        json!({"uid": uid, "allowed": true, "patchType": "JSONPatch", "patch": patch})
    };
    Ok(answer(response))
}

/// The JSON pointer of a field path: `spec.containers[0].image` → `/spec/containers/0/image`.
fn pointer(field: &str) -> String {
    field
        .split('.')
        .map(|part| format!("/{}", part.replace('~', "~0").replace('/', "~1").replace('[', "/").replace(']', "")))
        .collect()
}

/// A TLS listener for the webhook: the API server only calls webhooks over HTTPS.
pub struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl TlsListener {
    /// Serves on `tcp` with the PEM certificate chain and key in `cert` and `key`.
    pub fn new(tcp: tokio::net::TcpListener, cert: &std::path::Path, key: &std::path::Path) -> Result<Self, String> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| format!("{}: {e}", cert.display()))?;
        let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key_der))
            .map_err(|e| format!("{}: {e}", cert.display()))?;
        Ok(TlsListener { tcp, acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)) })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (tcp, addr) = axum::serve::Listener::accept(&mut self.tcp).await;
            match self.acceptor.accept(tcp).await {
                Ok(tls) => return (tls, addr),
                Err(e) => tracing::warn!("admission: TLS handshake with {addr} failed: {e}"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// The webhook's policies, re-read when one of their files changes.
pub struct Webhook {
    path: PathBuf,
    /// The server: stored scans, scans on demand, events.
    server: Arc<dyn Server>,
    loaded: RwLock<Arc<Loaded>>,
    /// Modification time and length of each file last read (good or broken).
    seen: Mutex<Vec<Option<(SystemTime, u64)>>>,
}

/// Modification time and length of each of `files`.
fn stamps(files: &[PathBuf]) -> Vec<Option<(SystemTime, u64)>> {
    let stamp = |path: &PathBuf| {
        let meta = std::fs::metadata(path).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    };
    files.iter().map(stamp).collect()
}

impl Webhook {
    /// Loads the admission policy at `path` (and what it names), in `server`.
    pub fn load(path: &Path, server: Arc<dyn Server>) -> Result<Self, String> {
        let loaded = Loaded::load(path, &server)?;
        let seen = Mutex::new(stamps(&loaded.files));
        Ok(Webhook { path: path.to_owned(), server, loaded: RwLock::new(Arc::new(loaded)), seen })
    }

    /// The policies in force.
    pub fn loaded(&self) -> Arc<Loaded> {
        self.loaded.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Re-reads the policies when one of their files changed. A broken file leaves the policies
    /// in force and logs one error (once per change); true when new policies came into force.
    pub fn reload_if_changed(&self) -> bool {
        let files = self.loaded().files.clone();
        let now = stamps(&files);
        {
            let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if *seen == now {
                return false;
            }
            *seen = now;
        }
        match Loaded::load(&self.path, &self.server) {
            Ok(loaded) => {
                // The new policy may name other files: watch those from now on.
                *self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = stamps(&loaded.files);
                *self.loaded.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(loaded);
                tracing::info!("admission policy {} reloaded", self.path.display());
                true
            }
            Err(e) => {
                tracing::error!("admission policy not reloaded, the previous one stays in force: {e}");
                false
            }
        }
    }

    /// Checks the policy file for a change every `every`, for ever.
    pub async fn watch(self: Arc<Self>, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            self.reload_if_changed();
        }
    }
}

/// `POST /validate` and `POST /mutate`, answering each review under the webhook's policies.
pub fn router(webhook: Arc<Webhook>) -> Router {
    Router::new()
        .route("/validate", post(|State(w), body| decide(w, body, review)))
        .route("/mutate", post(|State(w), body| decide(w, body, mutate)))
        .with_state(webhook)
}

/// Answers `body` with `decision` under the policies in force.
async fn decide(
    webhook: Arc<Webhook>,
    body: Bytes,
    decision: fn(&[u8], &Loaded) -> Result<Value, Malformed>,
) -> Response {
    // The registry client blocks: decide on the blocking pool.
    let loaded = webhook.loaded();
    let decided = tokio::task::spawn_blocking(move || decision(&body, &loaded)).await;
    let Ok(decided) = decided else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the decision failed\n").into_response();
    };
    match decided {
        Ok(answer) => axum::Json(answer).into_response(),
        Err(Malformed(problem)) => (StatusCode::BAD_REQUEST, format!("{problem}\n")).into_response(),
    }
}

/// One line per failing rule (`rule field: message`), and the warnings.
fn reasons(object: &Value, namespace: &str, loaded: &Loaded) -> trust::Verdict {
    let policy = &loaded.policy;
    // JSON is YAML: the manifest loader reads the object as sent.
    let text = object.to_string();
    let inputs = [Input { name: "object", bytes: text.as_bytes() }];
    let settings = Settings {
        trusted_registries: policy.trusted_registries.clone(),
        no_inline_ignores: true,
        ..Settings::default()
    };
    let scan = k8s::scan(&inputs, &settings);
    let mut violations: Vec<String> = scan
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::High || f.concept.as_deref() == Some("k8s-untrusted-registry"))
        .map(|f| {
            let field = match &f.location {
                Location::Manifest { field, .. } => field.as_str(),
                _ => "",
            };
            format!("{} {field}: {}", f.id, f.evidence.as_deref().unwrap_or(&f.title))
        })
        .collect();
    let mut warnings = Vec::new();
    if let Some(trust) = &loaded.trust {
        for (field, image) in k8s::images(&inputs) {
            let verdict = trust.verdict(&field, &image);
            violations.extend(verdict.violations);
            warnings.extend(verdict.warnings);
        }
    }
    if let Some(level) = policy.level(namespace) {
        let (verdicts, _) = k8s::pss_verdicts(&inputs, level, pss::Version { minor: pss::LATEST_MINOR });
        for v in verdicts.iter().flat_map(|v| &v.violations) {
            violations.push(format!("pss-{}:{} {}", level.as_str(), v.check, v.message()));
        }
    }
    trust::Verdict { violations, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A review of a CREATE of `pod` in `namespace` by `user`, as the API server sends it.
    fn body(namespace: &str, user: &str, pod: &Value) -> Vec<u8> {
        json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": {
                "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "name": "web", "namespace": namespace, "operation": "CREATE",
                "userInfo": {"username": user},
                "object": pod, "dryRun": false
            }
        })
        .to_string()
        .into_bytes()
    }

    fn pod(image: &str, privileged: bool) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"containers": [{
                "name": "app", "image": image,
                "securityContext": {"privileged": privileged}
            }]}
        })
    }

    /// A server with no stored scans that keeps the events recorded.
    #[derive(Default)]
    struct Recorded(Mutex<Vec<(String, crate::wire::Admission)>>);

    impl trust::Scans for Recorded {
        fn newest(&self, _: &str) -> Result<Option<i64>, String> {
            Ok(None)
        }
        fn findings(&self, id: i64) -> Result<Vec<hullguard_report::Finding>, String> {
            Err(format!("no scan {id}"))
        }
        fn scan(&self, spec: &hullguard_image::source::registry::RegistrySpec) -> Result<(), String> {
            Err(format!("{} not scanned", spec.name))
        }
    }

    impl Server for Recorded {
        fn record(&self, kind: &str, review: &crate::wire::Admission) -> Result<(), String> {
            self.0.lock().unwrap().push((kind.to_owned(), review.clone()));
            Ok(())
        }
    }

    fn loaded(policy: Policy) -> Loaded {
        Loaded { policy, trust: None, files: Vec::new(), server: Arc::new(Recorded::default()) }
    }

    fn policy(text: &str) -> Loaded {
        loaded(Policy::from_yaml(text).unwrap())
    }

    const POLICY: &str = "trusted_registries: [registry.example.com]\nnamespace_levels: {apps: baseline}\n";

    #[test]
    fn clean_pod_is_allowed_and_uid_echoed() {
        let out =
            review(&body("apps", "alice", &pod("registry.example.com/web@sha256:aa", false)), &policy(POLICY)).unwrap();
        assert_eq!(out["response"], json!({"uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "allowed": true}));
    }

    #[test]
    fn privileged_pod_from_untrusted_registry_is_denied_one_line_per_reason() {
        let out = review(&body("apps", "alice", &pod("docker.io/library/nginx:1.27", true)), &policy(POLICY)).unwrap();
        let response = &out["response"];
        assert_eq!(response["allowed"], false);
        assert_eq!(response["status"]["code"], 403);
        let message = response["status"]["message"].as_str().unwrap();
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(
            lines,
            [
                "HG-K8S-001 spec.containers[0].securityContext.privileged: container app runs privileged",
                "HG-K8S-048 spec.containers[0].image: container app: image docker.io/library/nginx:1.27 comes from docker.io, not a trusted registry",
                "pss-baseline:privileged privileged (container \"app\" must not set securityContext.privileged=true)",
            ]
        );
    }

    #[test]
    fn deployment_pod_template_is_checked() {
        let mut deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"template": {"spec": pod("registry.example.com/web@sha256:aa", false)["spec"].clone()}}
        });
        deployment["spec"]["template"]["spec"]["hostNetwork"] = json!(true);
        let out = review(&body("apps", "alice", &deployment), &policy(POLICY)).unwrap();
        assert_eq!(
            out["response"]["status"]["message"],
            "HG-K8S-005 spec.template.spec.hostNetwork: hostNetwork: true\n\
             pss-baseline:hostNamespaces host namespaces (hostNetwork=true)"
        );
    }

    #[test]
    fn audit_mode_allows_with_warnings() {
        let p = policy(&format!("{POLICY}namespace_modes: {{apps: audit}}\n"));
        let out = review(&body("apps", "alice", &pod("registry.example.com/web@sha256:aa", true)), &p).unwrap();
        assert_eq!(out["response"]["allowed"], true);
        assert_eq!(
            out["response"]["warnings"],
            json!([
                "HG-K8S-001 spec.containers[0].securityContext.privileged: container app runs privileged",
                "pss-baseline:privileged privileged (container \"app\" must not set securityContext.privileged=true)"
            ])
        );
    }

    #[test]
    fn denials_and_audited_admissions_are_events_but_not_dry_runs_or_clean_reviews() {
        let recorded = Arc::new(Recorded::default());
        let policy = Policy::from_yaml(&format!("{POLICY}namespace_modes: {{staging: audit}}\n")).unwrap();
        let p = Loaded { policy, trust: None, files: Vec::new(), server: recorded.clone() };
        let bad = pod("registry.example.com/web@sha256:aa", true);
        review(&body("apps", "alice", &bad), &p).unwrap();
        review(&body("staging", "bob", &bad), &p).unwrap();
        review(&body("apps", "alice", &pod("registry.example.com/web@sha256:aa", false)), &p).unwrap();
        let mut dry: Value = serde_json::from_slice(&body("apps", "alice", &bad)).unwrap();
        dry["request"]["dryRun"] = json!(true);
        review(dry.to_string().as_bytes(), &p).unwrap();
        let privileged = "HG-K8S-001 spec.containers[0].securityContext.privileged: container app runs privileged";
        let event = |namespace: &str, user: &str, reasons: Vec<String>| crate::wire::Admission {
            uid: "705ab4f5-6393-11e8-b7cc-42010a800002".to_owned(),
            operation: "CREATE".to_owned(),
            namespace: namespace.to_owned(),
            kind: "Pod".to_owned(),
            name: "web".to_owned(),
            user: user.to_owned(),
            reasons,
        };
        let baseline =
            "pss-baseline:privileged privileged (container \"app\" must not set securityContext.privileged=true)";
        assert_eq!(
            *recorded.0.lock().unwrap(),
            [
                (
                    "admission_denied".to_owned(),
                    event("apps", "alice", vec![privileged.to_owned(), baseline.to_owned()])
                ),
                ("admission_audited".to_owned(), event("staging", "bob", vec![privileged.to_owned()])),
            ]
        );
    }

    #[test]
    fn exempt_namespace_and_service_account_are_allowed() {
        let p = policy(&format!("{POLICY}exempt_namespaces: [kube-system]\nexempt_service_accounts: [ci/deployer]\n"));
        let bad = pod("docker.io/library/nginx:1.27", true);
        for (ns, user) in [("kube-system", "alice"), ("apps", "system:serviceaccount:ci:deployer")] {
            assert_eq!(review(&body(ns, user, &bad), &p).unwrap()["response"]["allowed"], true, "{ns} {user}");
        }
        assert_eq!(
            review(&body("apps", "system:serviceaccount:ci:other", &bad), &p).unwrap()["response"]["allowed"],
            false
        );
    }

    #[test]
    fn malformed_reviews_name_the_problem() {
        let p = loaded(Policy::default());
        assert_eq!(review(b"{", &p).unwrap_err().0, "not JSON: EOF while parsing an object at line 1 column 1");
        assert_eq!(review(br#"{"kind":"Pod"}"#, &p).unwrap_err().0, "not an admission.k8s.io/v1 AdmissionReview");
        assert_eq!(
            Policy::from_yaml("namespace_levels: {a: strict}\n").unwrap_err(),
            "namespace_levels.a: unknown level strict"
        );
    }

    #[test]
    fn unscanned_images_are_denied_unless_the_policy_allows_them() {
        assert_eq!(Policy::from_yaml("mode: enforce\n").unwrap().unscanned, Unscanned::Deny);
        assert_eq!(Policy::from_yaml("unscanned: allow\n").unwrap().unscanned, Unscanned::Allow);
        assert_eq!(
            Policy::from_yaml("unscanned: maybe\n").unwrap_err(),
            "line 1 column 12: unknown variant `maybe`, expected one of deny, allow"
        );
        assert_eq!(Policy::from_yaml("scan_timeout_seconds: 0.5\n").unwrap().scan_timeout_seconds, Some(0.5));
        assert_eq!(
            Policy::from_yaml("scan_timeout_seconds: 31\n").unwrap_err(),
            "scan_timeout_seconds: 31 is not between 0 and 30"
        );
    }

    #[test]
    fn a_broken_policy_file_leaves_the_old_policy_in_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.yaml");
        std::fs::write(&path, POLICY).unwrap();
        let webhook = Webhook::load(&path, Arc::new(Recorded::default())).unwrap();
        assert!(!webhook.reload_if_changed());
        std::fs::write(&path, "namespace_levels: {apps: strict}\n").unwrap();
        assert!(!webhook.reload_if_changed());
        assert_eq!(webhook.loaded().policy.trusted_registries, ["registry.example.com"]);
        std::fs::write(&path, "trusted_registries: [registry.example.org, ghcr.io]\n").unwrap();
        assert!(webhook.reload_if_changed());
        assert_eq!(webhook.loaded().policy.trusted_registries, ["registry.example.org", "ghcr.io"]);
        assert_eq!(
            Policy::load(&dir.path().join("none.yaml")).unwrap_err(),
            format!("{}: No such file or directory (os error 2)", dir.path().join("none.yaml").display())
        );
    }
}
