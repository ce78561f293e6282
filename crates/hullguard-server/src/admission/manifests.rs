//! `hullguard admission manifests`: what installs the webhook in a cluster. The two webhook
//! configurations (`failurePolicy: Fail`, `sideEffects: None`, a timeout, and a namespace
//! selector leaving out kube-system and the webhook's own namespace), the Deployment (restricted
//! pod security) with its ServiceAccount, PodDisruptionBudget and NetworkPolicy, its Service, the
//! policy ConfigMap, the data claim, and the serving certificate
//! from cert-manager (a self-signed Issuer, a Certificate whose Secret the pods mount, and the
//! `cert-manager.io/inject-ca-from` annotation that fills each `caBundle`).

use serde_json::{Value, json};

/// What the manifests name.
pub struct Install<'a> {
    /// The namespace the webhook runs in.
    pub namespace: &'a str,
    /// The Service (and the name of every object).
    pub service: &'a str,
    /// The hullguard image.
    pub image: &'a str,
    /// Seconds the API server waits for an answer.
    pub timeout_seconds: u32,
}

/// The port the server listens on in its pod.
const PORT: u16 = 8443;

/// The workload kinds (and the ephemeral-containers subresource) the webhooks see.
fn rules() -> Value {
    json!([
        {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
         "resources": ["pods", "pods/ephemeralcontainers", "replicationcontrollers", "podtemplates"], "scope": "Namespaced"},
        {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
         "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"], "scope": "Namespaced"},
        {"apiGroups": ["batch"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
         "resources": ["jobs", "cronjobs"], "scope": "Namespaced"}
    ])
}

/// The objects, in the order they are applied.
pub fn objects(install: &Install<'_>) -> Vec<Value> {
    let Install { namespace, service, image, timeout_seconds } = *install;
    let labels = json!({"app.kubernetes.io/name": "hullguard", "app.kubernetes.io/instance": service});
    let metadata = |name: String| json!({"name": name, "namespace": namespace, "labels": labels});
    let secret = format!("{service}-tls");
    let webhook = |kind: &str, path: &str| {
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
            "metadata": {"name": service, "labels": labels,
                         "annotations": {"cert-manager.io/inject-ca-from": format!("{namespace}/{secret}")}},
            "webhooks": [{
                "name": format!("{}.{service}.{namespace}.svc", path.trim_start_matches('/')),
                "admissionReviewVersions": ["v1"],
                "sideEffects": "None",
                "failurePolicy": "Fail",
                "timeoutSeconds": timeout_seconds,
                "clientConfig": {"service": {"namespace": namespace, "name": service, "path": path, "port": 443}},
                "rules": rules(),
                "namespaceSelector": {"matchExpressions": [{
                    "key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", namespace]
                }]}
            }]
        })
    };
    let mut mutating = webhook("MutatingWebhookConfiguration", "/mutate");
    mutating["webhooks"][0]["reinvocationPolicy"] = json!("Never");
    let args = [
        "server",
        "--listen",
        "0.0.0.0:8443",
        "--store",
        "/var/lib/hullguard/store.sqlite",
        "--db",
        "/var/lib/hullguard/hullguard.db",
        "--admission",
        "/etc/hullguard/admission.yaml",
        "--tls-cert",
        "/etc/hullguard/tls/tls.crt",
        "--tls-key",
        "/etc/hullguard/tls/tls.key",
    ];
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(service.to_owned()),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": service,
                    "automountServiceAccountToken": false,
                    "hostUsers": false,
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100,
                        "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": labels}}
                    }]}},
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532,
                                        "fsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "hullguard", "image": image, "imagePullPolicy": "Always", "args": args,
                        "ports": [{"name": "https", "containerPort": PORT}],
                        "readinessProbe": {"httpGet": {"scheme": "HTTPS", "path": "/api/v1/health", "port": PORT}},
                        "livenessProbe": {"httpGet": {"scheme": "HTTPS", "path": "/api/v1/health", "port": PORT},
                                          "periodSeconds": 20, "failureThreshold": 3},
                        "resources": {"requests": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
                                      "limits": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "64Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                            "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]},
                                            "seccompProfile": {"type": "RuntimeDefault"},
                                            "appArmorProfile": {"type": "RuntimeDefault"}},
                        "volumeMounts": [
                            {"name": "policy", "mountPath": "/etc/hullguard", "readOnly": true},
                            {"name": "tls", "mountPath": "/etc/hullguard/tls", "readOnly": true},
                            {"name": "data", "mountPath": "/var/lib/hullguard"}
                        ]
                    }],
                    "volumes": [
                        {"name": "policy", "configMap": {"name": format!("{service}-policy")}},
                        {"name": "tls", "secret": {"secretName": secret}},
                        {"name": "data", "persistentVolumeClaim": {"claimName": format!("{service}-data")}}
                    ]
                }
            }
        }
    });
    vec![
        json!({"apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": metadata(format!("{service}-selfsigned")),
               "spec": {"selfSigned": {}}}),
        json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": metadata(secret.clone()),
               "spec": {"secretName": secret, "dnsNames": [format!("{service}.{namespace}.svc")],
                        "issuerRef": {"name": format!("{service}-selfsigned"), "kind": "Issuer"}}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(format!("{service}-policy")),
               "data": {"admission.yaml": "mode: audit\nexempt_namespaces: [kube-system]\n"}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata(format!("{service}-data")),
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(service.to_owned()),
               "automountServiceAccountToken": false}),
        deployment,
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": metadata(service.to_owned()),
               "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}}}),
        // The API server (outside the pod network, so no selector can name it) calls in on the
        // webhook port; out go DNS and HTTPS to the registries.
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata(service.to_owned()),
               "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Ingress", "Egress"],
                        "ingress": [{"ports": [{"protocol": "TCP", "port": PORT}]}],
                        "egress": [{"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53},
                                              {"protocol": "TCP", "port": 443}]}]}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": metadata(service.to_owned()),
               "spec": {"selector": labels, "ports": [{"name": "https", "port": 443, "targetPort": PORT}]}}),
        webhook("ValidatingWebhookConfiguration", "/validate"),
        mutating,
    ]
}

/// The objects as one YAML stream.
pub fn yaml(install: &Install<'_>) -> Result<String, String> {
    let mut out = String::new();
    for object in objects(install) {
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(&object).map_err(|e| e.to_string())?);
    }
    Ok(out)
}
