//! `hullguard server --admission`: the real process serving the webhook over TLS, sent
//! `admission.k8s.io/v1` AdmissionReviews as the API server sends them (fields as in the API
//! reference: kind, resource, subResource, requestKind, userInfo, object, oldObject, dryRun,
//! options), with exact verdicts and messages; and the policy reloaded while it runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::registry::Registry;
use crate::scan::db;
use crate::server::{Served, app_mixed_docker, app_mixed_sbom, form, token};
use crate::support::{hullguard, image, required};

const POLICY: &str = "\
mode: enforce
namespace_modes: {staging: audit}
namespace_levels: {apps: restricted, staging: baseline}
trusted_registries: [registry.example.com]
exempt_namespaces: [kube-system]
";

const IMAGE: &str =
    "registry.example.com/shop/web@sha256:4d2b1b4e0e6f4bb4a0c8ba4b4e1f5c8c7a9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f";

/// A self-signed certificate for 127.0.0.1 made by the openssl command: (cert, key) in `dir`.
fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=hullguard-webhook", "-addext", "subjectAltName=IP:127.0.0.1", "-addext"])
        .args(["basicConstraints=critical,CA:FALSE", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (cert, key)
}

/// The webhook's process, and a client trusting only its certificate.
struct Webhook {
    served: Served,
    client: Client,
    policy: PathBuf,
    _dir: tempfile::TempDir,
}

impl Webhook {
    fn start() -> Option<Webhook> {
        Webhook::start_with(tempfile::tempdir().unwrap(), POLICY)
    }

    /// Serves with the admission policy `text` written to `dir` (where the files it names are).
    fn start_with(dir: tempfile::TempDir, text: &str) -> Option<Webhook> {
        if !required("openssl") {
            return None;
        }
        let (cert, key) = certificate(dir.path());
        let policy = dir.path().join("admission.yaml");
        std::fs::write(&policy, text).unwrap();
        let (p, c, k) = (policy.to_str().unwrap(), cert.to_str().unwrap(), key.to_str().unwrap());
        let flags = ["--admission", p, "--tls-cert", c, "--tls-key", k];
        let served = Served::start(&dir.path().join("store.sqlite"), db(), &flags);
        assert!(served.base.starts_with("https://127.0.0.1:"), "{}", served.base);
        let ca = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
        let client = Client::builder().tls_certs_only([ca]).build().unwrap();
        Some(Webhook { served, client, policy, _dir: dir })
    }

    /// POSTs `body` to /validate: the status and the body.
    fn send(&self, body: String) -> (u16, String) {
        self.send_to("/validate", body)
    }

    /// POSTs `body` to `path`: the status and the body.
    fn send_to(&self, path: &str, body: String) -> (u16, String) {
        let response = self.client.post(self.served.url(path)).body(body).send().unwrap();
        (response.status().as_u16(), response.text().unwrap())
    }

    /// The `response` of the review of `request` by /validate.
    fn review(&self, request: &Value) -> Value {
        self.call("/validate", request)
    }

    /// The `response` of the review of `request` by the route at `path`.
    fn call(&self, path: &str, request: &Value) -> Value {
        let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request});
        let (status, body) = self.send_to(path, review.to_string());
        assert_eq!(status, 200, "{body}");
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (&answer["apiVersion"], &answer["kind"]),
            (&json!("admission.k8s.io/v1"), &json!("AdmissionReview"))
        );
        assert_eq!(answer["response"]["uid"], request["uid"]);
        answer["response"].clone()
    }
}

/// A request of the API server: `operation` on `object` (of `group/version` `kind`, resource
/// `resource`) in `namespace` by alice.
fn request(
    uid: &str,
    operation: &str,
    (group, version, kind, resource): (&str, &str, &str, &str),
    object: &Value,
) -> Value {
    let namespace = object["metadata"]["namespace"].as_str().unwrap();
    let options = if operation == "CREATE" { "CreateOptions" } else { "UpdateOptions" };
    json!({
        "uid": uid,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": resource},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "requestResource": {"group": group, "version": version, "resource": resource},
        "name": object["metadata"]["name"],
        "namespace": namespace,
        "operation": operation,
        "userInfo": {"username": "alice", "uid": "a1b2", "groups": ["system:authenticated"]},
        "object": object,
        "oldObject": null,
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": options}
    })
}

const POD: (&str, &str, &str, &str) = ("", "v1", "Pod", "pods");
const DEPLOYMENT: (&str, &str, &str, &str) = ("apps", "v1", "Deployment", "deployments");
const CRONJOB: (&str, &str, &str, &str) = ("batch", "v1", "CronJob", "cronjobs");

/// A container that passes the restricted level.
fn restricted_container(name: &str, image: &str) -> Value {
    json!({
        "name": name, "image": image,
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": false, "runAsNonRoot": true, "readOnlyRootFilesystem": true,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}
        }
    })
}

fn pod_spec(containers: Value) -> Value {
    json!({"automountServiceAccountToken": false, "securityContext": {"runAsNonRoot": true, "runAsUser": 10001}, "containers": containers})
}

fn pod(namespace: &str, spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": namespace}, "spec": spec})
}

fn deployment(namespace: &str, spec: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": spec}}
    })
}

#[test]
fn webhook_process_answers_reviews_of_every_kind_over_tls_with_exact_verdicts() {
    let Some(webhook) = Webhook::start() else { return };
    let good = pod_spec(json!([restricted_container("app", IMAGE)]));

    // A restricted pod from the trusted registry: allowed, nothing else said.
    let allowed = webhook.review(&request("uid-pod", "CREATE", POD, &pod("apps", good.clone())));
    assert_eq!(allowed, json!({"uid": "uid-pod", "allowed": true}));

    // A Deployment whose template runs a privileged container from docker.io.
    let mut bad = good.clone();
    bad["containers"][0]["image"] = json!("docker.io/library/nginx:1.27");
    bad["containers"][0]["securityContext"]["privileged"] = json!(true);
    let denied = webhook.review(&request("uid-deploy", "CREATE", DEPLOYMENT, &deployment("apps", bad.clone())));
    let deployment_denied = [
        "HG-K8S-001 spec.template.spec.containers[0].securityContext.privileged: container app runs privileged",
        "HG-K8S-048 spec.template.spec.containers[0].image: container app: image docker.io/library/nginx:1.27 comes from docker.io, not a trusted registry",
        "pss-restricted:privileged privileged (container \"app\" must not set securityContext.privileged=true)",
    ]
    .join("\n");
    assert_eq!(
        denied,
        json!({"uid": "uid-deploy", "allowed": false, "status": {"code": 403, "message": deployment_denied}})
    );

    // A CronJob sharing the host's PID namespace.
    let mut host_pid = good.clone();
    host_pid["hostPID"] = json!(true);
    host_pid["restartPolicy"] = json!("OnFailure");
    let cronjob = json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "apps"},
        "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": host_pid}}}}
    });
    let denied = webhook.review(&request("uid-cron", "CREATE", CRONJOB, &cronjob));
    assert_eq!(
        denied["status"]["message"],
        "HG-K8S-003 spec.jobTemplate.spec.template.spec.hostPID: hostPID: true\n\
         pss-restricted:hostNamespaces host namespaces (hostPID=true)"
    );

    // An UPDATE is decided on the new object, whatever the old one was.
    let mut update = request("uid-update", "UPDATE", DEPLOYMENT, &deployment("apps", good.clone()));
    update["oldObject"] = deployment("apps", bad.clone());
    assert_eq!(webhook.review(&update), json!({"uid": "uid-update", "allowed": true}));
    let mut update = request("uid-update-bad", "UPDATE", DEPLOYMENT, &deployment("apps", bad.clone()));
    update["oldObject"] = deployment("apps", good.clone());
    let denied = webhook.review(&update);
    assert_eq!((&denied["allowed"], &denied["status"]["message"]), (&json!(false), &json!(deployment_denied)));

    // A dry run is decided as the real request (the webhook has no side effects), here in an
    // audit namespace: allowed with warnings.
    let mut dry = request("uid-dry", "CREATE", POD, &pod("staging", bad.clone()));
    dry["dryRun"] = json!(true);
    assert_eq!(
        webhook.review(&dry),
        json!({"uid": "uid-dry", "allowed": true, "warnings": [
            "HG-K8S-001 spec.containers[0].securityContext.privileged: container app runs privileged",
            "HG-K8S-048 spec.containers[0].image: container app: image docker.io/library/nginx:1.27 comes from docker.io, not a trusted registry",
            "pss-baseline:privileged privileged (container \"app\" must not set securityContext.privileged=true)"
        ]})
    );

    // A debug container added through the pods/ephemeralcontainers subresource.
    let mut debugged = pod("apps", good.clone());
    debugged["spec"]["ephemeralContainers"] = json!([{
        "name": "debugger", "image": "docker.io/library/busybox:1.36", "stdin": true, "tty": true,
        "targetContainerName": "app", "securityContext": {"privileged": true}
    }]);
    let mut ephemeral = request("uid-ephemeral", "UPDATE", POD, &debugged);
    ephemeral["subResource"] = json!("ephemeralcontainers");
    ephemeral["requestSubResource"] = json!("ephemeralcontainers");
    ephemeral["oldObject"] = pod("apps", good.clone());
    let denied = webhook.review(&ephemeral);
    let lines: Vec<&str> = denied["status"]["message"].as_str().unwrap().lines().collect();
    assert_eq!(
        lines,
        [
            "HG-K8S-001 spec.ephemeralContainers[0].securityContext.privileged: container debugger runs privileged",
            "HG-K8S-048 spec.ephemeralContainers[0].image: container debugger: image docker.io/library/busybox:1.36 comes from docker.io, not a trusted registry",
            "pss-restricted:privileged privileged (container \"debugger\" must not set securityContext.privileged=true)",
            "pss-restricted:allowPrivilegeEscalation allowPrivilegeEscalation != false (container \"debugger\" must set securityContext.allowPrivilegeEscalation=false)",
            "pss-restricted:seccompProfile_restricted seccompProfile (pod or container \"debugger\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            "pss-restricted:capabilities_restricted unrestricted capabilities (container \"debugger\" must set securityContext.capabilities.drop=[\"ALL\"])",
        ]
    );

    // Exempt namespace, and a DELETE (no object): allowed.
    let system = webhook.review(&request("uid-system", "CREATE", POD, &pod("kube-system", bad.clone())));
    assert_eq!(system, json!({"uid": "uid-system", "allowed": true}));
    let mut delete = request("uid-delete", "DELETE", POD, &pod("apps", bad.clone()));
    delete["oldObject"] = delete["object"].take();
    assert_eq!(webhook.review(&delete), json!({"uid": "uid-delete", "allowed": true}));

    // A body that is no AdmissionReview: 400 and one line; the server keeps serving.
    let v1beta1 = json!({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview"});
    let no_uid = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}});
    let answers: Vec<(u16, String)> =
        ["{".to_owned(), v1beta1.to_string(), no_uid.to_string()].into_iter().map(|b| webhook.send(b)).collect();
    let expected = [
        "not JSON: EOF while parsing an object at line 1 column 1\n",
        "not an admission.k8s.io/v1 AdmissionReview\n",
        "request.uid missing\n",
    ];
    assert_eq!(answers, expected.map(|e| (400, e.to_owned())));
    assert_eq!(webhook.review(&request("uid-after", "CREATE", POD, &pod("apps", good)))["allowed"], true);
    webhook.served.stop();
}

/// Sends `request` until `done` holds of the response, for at most 10 s.
fn until(webhook: &Webhook, request: &Value, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let response = webhook.review(request);
        if done(&response) || start.elapsed() > Duration::from_secs(10) {
            return response;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn webhook_policy_reloads_on_change_and_a_broken_file_keeps_the_old_one() {
    let Some(webhook) = Webhook::start() else { return };
    let mut spec = pod_spec(json!([restricted_container("app", IMAGE)]));
    spec["hostNetwork"] = json!(true);
    let request = request("uid-reload", "CREATE", POD, &pod("apps", spec));
    assert_eq!(webhook.review(&request)["allowed"], false);

    // apps becomes an audit namespace: the same request is now allowed, with warnings.
    std::fs::write(&webhook.policy, POLICY.replace("{staging: audit}", "{staging: audit, apps: audit}")).unwrap();
    let audited = until(&webhook, &request, |r| r["allowed"] == true);
    assert_eq!(
        audited,
        json!({"uid": "uid-reload", "allowed": true, "warnings": [
            "HG-K8S-005 spec.hostNetwork: hostNetwork: true",
            "pss-restricted:hostNamespaces host namespaces (hostNetwork=true)"
        ]})
    );

    // A broken file: the policy in force stays, and one error is logged.
    std::fs::write(&webhook.policy, "mode: enforce\nnamespace_levels: {apps: strict}\n").unwrap();
    let start = Instant::now();
    while !webhook.served.log().contains("not reloaded") && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(webhook.review(&request), audited);
    let errors: Vec<String> = webhook
        .served
        .log()
        .lines()
        .filter(|l| l.contains("ERROR"))
        .map(|l| l.split_once(" ERROR ").unwrap().1.to_owned())
        .collect();
    let path = webhook.policy.display();
    assert_eq!(
        errors,
        [format!(
            "admission policy not reloaded, the previous one stays in force: {path}: namespace_levels.apps: unknown level strict"
        )]
    );
    webhook.served.stop();
}

/// `hullguard ARGS` with the key password set: its stderr, after asserting success.
fn signing_step(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("hullguard")
        .unwrap()
        .args(args)
        .env("DOCKER_CONFIG", "/nonexistent")
        .env("HULLGUARD_PASSWORD", "s3cret")
        .write_stdin("")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    stderr
}

#[test]
fn webhook_verifies_signatures_in_the_registry_caches_them_and_fails_closed_when_it_is_gone() {
    if !required("openssl") {
        return;
    }
    let Some(registry) = Registry::start(None, None) else { return };
    let archive = image("bookworm-images.docker.tar");
    registry.push(&format!("docker-archive:{archive}:debian-base:latest"), "shop/signed:1", &[]);
    registry.push(&format!("docker-archive:{archive}:debian-base:latest"), "shop/unsigned:1", &[]);
    registry.push(&format!("docker-archive:{archive}:debian-base:latest"), "shop/tools:1", &[]);
    let host = registry.host.clone();
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("ours").display().to_string();
    signing_step(&["key", "generate", "--output-key-prefix", &prefix]);
    signing_step(&["sign", "--insecure", &format!("{host}/shop/signed:1"), "--key", &format!("{prefix}.key")]);
    std::fs::write(
        dir.path().join("trust.yaml"),
        format!(
            "registries: [\"{host}/shop/**\"]\nsignatures:\n  - keys: [ours.pub]\n\
             exceptions:\n  - repos: [\"{host}/shop/tool*\"]\n    skip: [signatures]\n    reason: build tools\n"
        ),
    )
    .unwrap();
    let policy =
        format!("trust_policy: trust.yaml\nplain_http_registries: [\"{host}\"]\nsignature_cache_seconds: 600\n");
    let Some(webhook) = Webhook::start_with(dir, &policy) else { return };

    let pod_of = |uid: &str, image: &str| {
        request(uid, "CREATE", POD, &pod("apps", pod_spec(json!([restricted_container("app", image)]))))
    };
    let signed = format!("{host}/shop/signed:1");
    assert_eq!(webhook.review(&pod_of("uid-signed", &signed)), json!({"uid": "uid-signed", "allowed": true}));
    let message = |uid: &str, image: &str| {
        let denied = webhook.review(&pod_of(uid, image));
        assert_eq!((&denied["allowed"], &denied["status"]["code"]), (&json!(false), &json!(403)), "{denied}");
        denied["status"]["message"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        message("uid-unsigned", &format!("{host}/shop/unsigned:1")),
        format!(
            "HG-POL-003 spec.containers[0].image: {host}/shop/unsigned has 0 of the 1 required verified signatures"
        )
    );
    // An image glob the trust policy exempts from signatures.
    let tools = webhook.review(&pod_of("uid-tools", &format!("{host}/shop/tools:1")));
    assert_eq!(tools, json!({"uid": "uid-tools", "allowed": true}));
    // Outside the allowed registries: denied without asking that registry.
    assert_eq!(
        message("uid-elsewhere", "docker.io/library/nginx:1.27"),
        "HG-POL-001 spec.containers[0].image: docker.io/library/nginx is not in an allowed registry or repository"
    );
    assert_eq!(
        message("uid-missing", &format!("{host}/shop/missing:1")),
        format!(
            "HG-POL-003 spec.containers[0].image: {host}/shop/missing:1: signatures not verified: {host}/shop/missing:1: no such image in the registry"
        )
    );

    // /mutate pins the verified image's tag to its digest; the unsigned one is left for
    // /validate to deny. The patch applied gives the pinned spec, which /validate admits.
    let unsigned = format!("{host}/shop/unsigned:1");
    let object = deployment(
        "apps",
        pod_spec(json!([restricted_container("app", &unsigned), restricted_container("web", &signed)])),
    );
    let mutated = webhook.call("/mutate", &request("uid-mutate", "CREATE", DEPLOYMENT, &object));
    assert_eq!((&mutated["allowed"], &mutated["patchType"]), (&json!(true), &json!("JSONPatch")), "{mutated}");
    let patch: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD.decode(mutated["patch"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    let digest = registry.digest("shop/signed:1");
    assert_eq!(
        patch,
        json!([{"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": format!("{signed}@{digest}")}])
    );
    let mut pinned = object.clone();
    for op in patch.as_array().unwrap() {
        assert_eq!(op["op"], "replace");
        *pinned.pointer_mut(op["path"].as_str().unwrap()).unwrap() = op["value"].clone();
    }
    let mut expected = object.clone();
    expected["spec"]["template"]["spec"]["containers"][1]["image"] = json!(format!("{signed}@{digest}"));
    assert_eq!(pinned, expected);
    let mut only_signed = pinned.clone();
    only_signed["spec"]["template"]["spec"]["containers"].as_array_mut().unwrap().remove(0);
    let admitted = webhook.review(&request("uid-pinned", "CREATE", DEPLOYMENT, &only_signed));
    assert_eq!(admitted, json!({"uid": "uid-pinned", "allowed": true}));
    let no_patch = webhook.call(
        "/mutate",
        &request("uid-nothing", "CREATE", POD, &pod("apps", pod_spec(json!([restricted_container("app", &unsigned)])))),
    );
    assert_eq!(no_patch, json!({"uid": "uid-nothing", "allowed": true}));

    // The key file changes: the policy and its keys are re-read (and the cache dropped) without
    // a restart; the image signed by the old key is now denied, then admitted again.
    let ours = std::fs::read(format!("{prefix}.pub")).unwrap();
    signing_step(&["key", "generate", "--output-key-prefix", &format!("{prefix}-new")]);
    std::fs::copy(format!("{prefix}-new.pub"), format!("{prefix}.pub")).unwrap();
    let rekeyed = until(&webhook, &pod_of("uid-rekeyed", &signed), |r| r["allowed"] == false);
    assert_eq!(
        rekeyed["status"]["message"],
        format!("HG-POL-003 spec.containers[0].image: {host}/shop/signed has 0 of the 1 required verified signatures")
    );
    std::fs::write(format!("{prefix}.pub"), ours).unwrap();
    assert_eq!(until(&webhook, &pod_of("uid-back", &signed), |r| r["allowed"] == true)["allowed"], true);

    // The registry goes away: the verified image is still admitted from the cache; an image not
    // verified before is denied, naming the failure.
    drop(registry);
    assert_eq!(webhook.review(&pod_of("uid-cached", &signed)), json!({"uid": "uid-cached", "allowed": true}));
    let down = message("uid-down", &format!("{host}/shop/other:1"));
    let expected = format!(
        "HG-POL-003 spec.containers[0].image: {host}/shop/other:1: signatures not verified: {host}/shop/other: manifest 1: request failed: "
    );
    assert!(down.starts_with(&expected) && down.ends_with("Connection refused (os error 111)"), "{down}");
    assert_eq!(down.lines().count(), 1);
    webhook.served.stop();
}

/// The config digest of `image` (a docker-archive reference), as `hullguard inventory` reads it.
fn config_digest(image: &str) -> String {
    let out = hullguard(Path::new("."), &["inventory", "--no-cache", image, "-f", "json", "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listing: Value = serde_json::from_slice(&out.stdout).unwrap();
    listing["config_digest"].as_str().unwrap().to_owned()
}

#[test]
fn webhook_gates_vulnerabilities_on_the_stored_scan_of_each_digest() {
    if !required("openssl") {
        return;
    }
    let Some(registry) = Registry::start(None, None) else { return };
    let archive = image("bookworm-images.docker.tar");
    registry.push(&app_mixed_docker(), "shop/app:1", &[]);
    let base = format!("docker-archive:{archive}:debian-base:latest");
    registry.push(&base, "shop/base:1", &[]);
    let host = registry.host.clone();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    std::fs::write(
        dir.path().join("trust.yaml"),
        format!("registries: [\"{host}/shop/**\"]\nvulnerabilities:\n  max_severity: medium\n  kev: true\n"),
    )
    .unwrap();
    let policy = format!("trust_policy: trust.yaml\nplain_http_registries: [\"{host}\"]\n");
    let Some(webhook) = Webhook::start_with(dir, &policy) else { return };

    // The scan of app-mixed is stored as client mode stores it: under its config digest.
    let sbom = app_mixed_sbom();
    let digest = sbom["metadata"]["component"]["version"].as_str().unwrap().to_owned();
    let submission = json!({"name": format!("{host}/shop/app:1"), "config_digest": digest, "sbom": sbom});
    let response = webhook
        .client
        .post(webhook.served.url("/api/v1/scans"))
        .bearer_auth(token(&store, "scan"))
        .json(&submission)
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let scan: Value = response.json().unwrap();
    // The counts of the denial are the stored scan's.
    assert_eq!((&scan["summary"]["CRITICAL"], &scan["summary"]["HIGH"]), (&json!(10), &json!(41)), "{scan}");

    let pod_of = |uid: &str, image: &str| {
        request(uid, "CREATE", POD, &pod("apps", pod_spec(json!([restricted_container("app", image)]))))
    };
    let app = webhook.review(&pod_of("uid-app", &format!("{host}/shop/app:1")));
    assert_eq!((&app["allowed"], &app["status"]["code"]), (&json!(false), &json!(403)), "{app}");
    assert_eq!(
        app["status"]["message"],
        format!(
            "HG-POL-004 spec.containers[0].image: {host}/shop/app has vulnerabilities above MEDIUM (CRITICAL: 10, HIGH: 41)"
        )
    );

    // debian-base has no stored scan: denied by default (fail closed), naming its digest.
    let unscanned =
        format!("HG-POL-004 spec.containers[0].image: {host}/shop/base:1: no stored scan of {}", config_digest(&base));
    let denied = webhook.review(&pod_of("uid-base", &format!("{host}/shop/base:1")));
    assert_eq!(denied["status"]["message"], unscanned, "{denied}");
    std::fs::write(&webhook.policy, format!("{policy}unscanned: allow\n")).unwrap();
    let allowed = until(&webhook, &pod_of("uid-allow", &format!("{host}/shop/base:1")), |r| r["allowed"] == true);
    assert_eq!(allowed, json!({"uid": "uid-allow", "allowed": true, "warnings": [unscanned]}));
    // The scanned image is still judged on its scan.
    assert_eq!(webhook.review(&pod_of("uid-app2", &format!("{host}/shop/app:1")))["status"], app["status"]);

    // The registry goes away: the digest resolved before is cached, an image not resolved yet is
    // denied whatever `unscanned` says (fail closed), in one line naming the failure.
    drop(registry);
    assert_eq!(webhook.review(&pod_of("uid-app3", &format!("{host}/shop/app:1")))["status"], app["status"]);
    let down = webhook.review(&pod_of("uid-down", &format!("{host}/shop/other:1")));
    let message = down["status"]["message"].as_str().unwrap();
    let expected = format!("HG-POL-004 spec.containers[0].image: {host}/shop/other:1: vulnerabilities not looked up: ");
    assert!(message.starts_with(&expected) && message.ends_with("Connection refused (os error 111)"), "{message}");
    assert_eq!(message.lines().count(), 1);
    webhook.served.stop();
}

#[test]
fn admission_manifests_install_the_webhook_and_pass_our_checks_at_restricted() {
    let out = hullguard(Path::new("."), &["admission", "manifests", "--namespace", "security", "--service", "hg"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let yaml = String::from_utf8(out.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("install.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let file = file.to_str().unwrap();

    // Every object, in the order it is applied.
    let kinds: Vec<&str> = yaml.lines().filter_map(|l| l.strip_prefix("kind: ")).collect();
    assert_eq!(
        kinds,
        [
            "Issuer",
            "Certificate",
            "ConfigMap",
            "PersistentVolumeClaim",
            "ServiceAccount",
            "Deployment",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "Service",
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration"
        ]
    );
    for (path, webhook) in [("/validate", "validate.hg.security.svc"), ("/mutate", "mutate.hg.security.svc")] {
        let at = yaml.find(&format!("name: {webhook}")).unwrap_or_else(|| panic!("{webhook}"));
        let start = yaml[..at].rfind("---\n").unwrap();
        let end = yaml[at..].find("---\n").map_or(yaml.len(), |e| at + e);
        let object = &yaml[start..end];
        for line in [
            "cert-manager.io/inject-ca-from: security/hg-tls",
            "failurePolicy: Fail",
            "sideEffects: None",
            "timeoutSeconds: 10",
            &format!("path: {path}"),
            "- pods/ephemeralcontainers",
            "key: kubernetes.io/metadata.name",
            "operator: NotIn",
            "- kube-system",
        ] {
            assert!(object.contains(line), "{webhook} lacks {line:?}:\n{object}");
        }
    }

    // Pod Security Admission at restricted admits the Deployment.
    let out = hullguard(Path::new("."), &["k8s", "--pss", "restricted", file]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("1 object(s): 1 allowed, 0 forbidden\n"));
    // Our checks find only what a cluster-independent install cannot do: the API server is no
    // pod (its ingress and the registries' egress cannot name peers), and the image has no
    // digest before it is released.
    let out = hullguard(Path::new("."), &["k8s", "-f", "json", file]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(&str, &str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["severity"].as_str().unwrap(), f["location"]["field"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            ("HG-K8S-098", "MEDIUM", "spec.egress[0].to"),
            ("HG-K8S-098", "MEDIUM", "spec.ingress[0].from"),
            ("HG-K8S-046", "LOW", "spec.template.spec.containers[0].image"),
        ]
    );
}

#[test]
fn a_broken_policy_or_certificate_at_start_is_exit_2_and_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("admission.yaml");
    std::fs::write(&policy, "mode: strict\n").unwrap();
    let store = dir.path().join("store.sqlite");
    let start = |policy: &Path| {
        let args = ["server", "--listen", "127.0.0.1:0", "--store", store.to_str().unwrap(), "--db"];
        let tls = ["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"];
        let mut all: Vec<&str> = args.to_vec();
        all.extend([db().to_str().unwrap(), "--admission", policy.to_str().unwrap()]);
        all.extend(tls);
        let out = hullguard(Path::new("."), &all);
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let p = policy.display();
    assert_eq!(
        start(&policy),
        (
            Some(2),
            format!("hullguard: {p}: line 1 column 7: unknown variant `strict`, expected one of enforce, audit\n")
        )
    );
    std::fs::write(&policy, "mode: audit\n").unwrap();
    assert_eq!(
        start(&policy),
        (Some(2), "hullguard: /nonexistent/cert.pem: I/O error: No such file or directory (os error 2)\n".to_owned())
    );
}

/// A webhook whose trust policy (in its own folder) allows `HOST/shop/**` and gates
/// vulnerabilities above MEDIUM, under the admission policy lines `extra`; and its store.
fn gated_webhook(host: &str, extra: &str) -> Option<(Webhook, PathBuf)> {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    std::fs::write(
        dir.path().join("trust.yaml"),
        format!("registries: [\"{host}/shop/**\"]\nvulnerabilities:\n  max_severity: medium\n"),
    )
    .unwrap();
    let policy = format!("trust_policy: trust.yaml\nplain_http_registries: [\"{host}\"]\n{extra}");
    Some((Webhook::start_with(dir, &policy)?, store))
}

#[test]
fn webhook_scans_an_unscanned_image_on_demand_within_its_budget_else_unscanned_decides() {
    if !required("openssl") {
        return;
    }
    let Some(registry) = Registry::start(None, None) else { return };
    let base = format!("docker-archive:{}:debian-base:latest", image("bookworm-images.docker.tar"));
    registry.push(&base, "shop/base:1", &[]);
    registry.push(&app_mixed_docker(), "shop/app:1", &[]);
    let host = registry.host.clone();
    let pod_of = |uid: &str, image: &str| {
        request(uid, "CREATE", POD, &pod("apps", pod_spec(json!([restricted_container("app", image)]))))
    };
    let (base_image, app_image) = (format!("{host}/shop/base:1"), format!("{host}/shop/app:1"));

    // A budget that is met: debian-base is read from the registry, matched, stored, and judged
    // on that scan in the same review.
    let Some((webhook, store)) = gated_webhook(&host, "scan_timeout_seconds: 30\n") else { return };
    let judged = webhook.review(&pod_of("uid-base", &base_image));
    assert_eq!(
        judged["status"]["message"],
        format!("HG-POL-004 spec.containers[0].image: {host}/shop/base has vulnerabilities above MEDIUM (HIGH: 1)"),
        "{judged}"
    );
    let digest = config_digest(&base);
    let history: Value = webhook
        .client
        .get(webhook.served.url(&format!("/api/v1/images/{digest}/history")))
        .bearer_auth(token(&store, "read"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let scans: Vec<(&Value, &Value)> =
        history["scans"].as_array().unwrap().iter().map(|s| (&s["name"], &s["status"])).collect();
    assert_eq!(scans, [(&json!(base_image), &json!("done"))]);
    webhook.served.stop();

    // A budget too small: `unscanned: allow` admits with a line saying so; the scan goes on, is
    // stored, and the next reviews are judged on it.
    let Some((webhook, _)) = gated_webhook(&host, "scan_timeout_seconds: 0\nunscanned: allow\n") else { return };
    let app = app_mixed_docker();
    let late = |image: &str| {
        format!(
            "HG-POL-004 spec.containers[0].image: {image}: no stored scan of {}: its scan on demand did not finish within 0 s (it goes on and is stored)",
            config_digest(if image.ends_with("/shop/base:1") { &base } else { &app })
        )
    };
    let admitted = webhook.review(&pod_of("uid-app", &app_image));
    assert_eq!(admitted, json!({"uid": "uid-app", "allowed": true, "warnings": [late(&app_image)]}));
    let start = Instant::now();
    let judged = loop {
        let response = webhook.review(&pod_of("uid-app", &app_image));
        if response["allowed"] == false || start.elapsed() > Duration::from_secs(120) {
            break response;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(
        judged["status"]["message"],
        format!(
            "HG-POL-004 spec.containers[0].image: {host}/shop/app has vulnerabilities above MEDIUM (CRITICAL: 10, HIGH: 41)"
        ),
        "{judged}"
    );
    webhook.served.stop();

    // A budget too small under `unscanned: deny` (the default): denied, the line saying so.
    let Some((webhook, _)) = gated_webhook(&host, "scan_timeout_seconds: 0\n") else { return };
    let denied = webhook.review(&pod_of("uid-base", &base_image));
    assert_eq!(
        denied,
        json!({"uid": "uid-base", "allowed": false, "status": {"code": 403, "message": late(&base_image)}})
    );
    webhook.served.stop();
}

#[test]
fn webhook_records_denials_and_audited_admissions_as_events_of_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite");
    let Some(webhook) = Webhook::start_with(dir, POLICY) else { return };
    let mut bad = pod_spec(json!([restricted_container("app", IMAGE)]));
    bad["hostNetwork"] = json!(true);
    let good = pod_spec(json!([restricted_container("app", IMAGE)]));
    assert_eq!(
        webhook.review(&request("uid-denied", "CREATE", DEPLOYMENT, &deployment("apps", bad.clone())))["allowed"],
        false
    );
    assert_eq!(webhook.review(&request("uid-audited", "UPDATE", POD, &pod("staging", bad.clone())))["allowed"], true);
    // No event: an admitted review, a dry run (the webhook has no side effects), an exempt namespace.
    assert_eq!(webhook.review(&request("uid-good", "CREATE", POD, &pod("apps", good)))["allowed"], true);
    let mut dry = request("uid-dry", "CREATE", POD, &pod("apps", bad.clone()));
    dry["dryRun"] = json!(true);
    assert_eq!(webhook.review(&dry)["allowed"], false);
    assert_eq!(webhook.review(&request("uid-system", "CREATE", POD, &pod("kube-system", bad)))["allowed"], true);

    let events: Value = webhook
        .client
        .get(webhook.served.url("/api/v1/events?since=0"))
        .bearer_auth(token(&store, "read"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let built = events["events"][0]["db_built"].clone();
    let at = |i: usize| events["events"][i]["at"].clone();
    let event = |i: usize, kind: &str, uid: &str, operation: &str, namespace: &str, object: &str, reasons: &[&str]| {
        json!({
            "id": i + 1, "at": at(i), "kind": kind, "digest": "", "image": "", "vulnerability": "", "package": "",
            "fixed": null, "db_built": built,
            "admission": {"uid": uid, "operation": operation, "namespace": namespace, "kind": object, "name": "web",
                          "user": "alice", "reasons": reasons}
        })
    };
    assert_eq!(
        events,
        json!({"events": [
            event(0, "admission_denied", "uid-denied", "CREATE", "apps", "Deployment", &[
                "HG-K8S-005 spec.template.spec.hostNetwork: hostNetwork: true",
                "pss-restricted:hostNamespaces host namespaces (hostNetwork=true)",
            ]),
            event(1, "admission_audited", "uid-audited", "UPDATE", "staging", "Pod", &[
                "HG-K8S-005 spec.hostNetwork: hostNetwork: true",
                "pss-baseline:hostNamespaces host namespaces (hostNetwork=true)",
            ]),
        ], "next": 2})
    );
    assert!(hullguard_report::time::is_rfc3339_date_time(built.as_str().unwrap()), "{built}");
    webhook.served.stop();
}

/// The dashboard's cookie on sign-in and sign-out: `HttpOnly` and `SameSite=Strict` always,
/// `Secure` over TLS (the server with `--tls-cert`) and not over plain HTTP.
#[test]
fn the_dashboard_cookie_is_secure_over_tls_and_not_over_plain_http() {
    let Some(webhook) = Webhook::start() else { return };
    let store = webhook._dir.path().join("store.sqlite");
    let read = token(&store, "read");
    let ca = reqwest::Certificate::from_pem(&std::fs::read(webhook._dir.path().join("cert.pem")).unwrap()).unwrap();
    let tls = Client::builder().tls_certs_only([ca]).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let plain = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookies = |client: &Client, served: &Served| -> (String, String) {
        let signed_in = form(client.post(served.url("/dashboard/login")), &[("token", &read)]).send().unwrap();
        assert_eq!(signed_in.status(), 303);
        let signed_out = client.post(served.url("/dashboard/logout")).send().unwrap();
        assert_eq!(signed_out.status(), 303);
        let set = |r: &reqwest::blocking::Response| r.headers()["set-cookie"].to_str().unwrap().to_owned();
        (set(&signed_in), set(&signed_out))
    };
    let attributes = "Path=/dashboard; HttpOnly; SameSite=Strict";
    assert_eq!(
        cookies(&tls, &webhook.served),
        (
            format!("hullguard_token={read}; {attributes}; Secure"),
            format!("hullguard_token=; {attributes}; Max-Age=0; Secure")
        )
    );
    webhook.served.stop();
    let served = Served::start(&store, db(), &[]);
    assert!(served.base.starts_with("http://"), "{}", served.base);
    assert_eq!(
        cookies(&plain, &served),
        (format!("hullguard_token={read}; {attributes}"), format!("hullguard_token=; {attributes}; Max-Age=0"))
    );
    served.stop();
}
