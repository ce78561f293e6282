#!/usr/bin/env python3
"""Writes a seeded corpus of Kubernetes manifests and compose files for bench/k8s.sh: varied
workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod; hardened or not), Services,
Ingresses, NetworkPolicies, RBAC (Roles, ClusterRoles, bindings), ConfigMaps and compose files.
One file per application (a multi-document stream), some as JSON or a List.

    bench/k8s-corpus.py OUT_DIR --count 1000 [--seed 7]
"""

import argparse
import json
import os
import random

IMAGES = ["nginx", "nginx:1.27", "redis:7", "ghcr.io/acme/api:2.3.1", "registry.example.com/app@sha256:" + "0" * 64,
          "postgres:16", "busybox:latest", "gcr.io/distroless/static:nonroot"]
KINDS = ["Deployment", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]


def container(rng, name):
    c = {"name": name, "image": rng.choice(IMAGES)}
    if rng.random() < 0.5:
        c["securityContext"] = {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        }
    else:
        sc = {}
        if rng.random() < 0.2:
            sc["privileged"] = True
        if rng.random() < 0.3:
            sc["capabilities"] = {"add": [rng.choice(["NET_ADMIN", "SYS_ADMIN", "NET_BIND_SERVICE", "chown"])]}
        if rng.random() < 0.2:
            sc["runAsUser"] = 0
        if sc:
            c["securityContext"] = sc
    if rng.random() < 0.6:
        c["resources"] = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
    if rng.random() < 0.5:
        c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}}
    c["ports"] = [{"name": "http", "containerPort": rng.choice([80, 8080, 443, 9090])}]
    if rng.random() < 0.2:
        c["env"] = [{"name": "DB_PASSWORD", "value": "s3cr3t-%d" % rng.randrange(10**6)}]
    return c


def pod_spec(rng, app):
    spec = {"containers": [container(rng, "app")]}
    if rng.random() < 0.3:
        spec["initContainers"] = [container(rng, "init")]
    if rng.random() < 0.1:
        spec["hostNetwork"] = True
    if rng.random() < 0.1:
        spec["volumes"] = [{"name": "host", "hostPath": {"path": rng.choice(["/var/run/docker.sock", "/etc", "/data"])}}]
    if rng.random() < 0.5:
        spec["serviceAccountName"] = app
        spec["automountServiceAccountToken"] = rng.random() < 0.5
    return spec


def workload(rng, app, ns):
    kind = rng.choice(KINDS)
    meta = {"name": app, "namespace": ns, "labels": {"app": app}}
    template = {"metadata": {"labels": {"app": app}}, "spec": pod_spec(rng, app)}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"]}
    if kind in ("Job", "CronJob"):
        template["spec"]["restartPolicy"] = "OnFailure"
        job = {"template": template}
        if kind == "Job":
            return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": job}
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
                "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": job}}}
    spec = {"selector": {"matchLabels": {"app": app}}, "template": template}
    if kind != "DaemonSet":
        spec["replicas"] = rng.choice([1, 2, 3])
    if kind == "StatefulSet":
        spec["serviceName"] = app
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


def extras(rng, app, ns):
    docs = []
    if rng.random() < 0.7:
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": ns},
                     "spec": {"type": rng.choice(["ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"]),
                              "selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]}})
    if rng.random() < 0.3:
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": app, "namespace": ns},
                     "spec": {"rules": [{"host": app + ".example.com", "http": {"paths": [
                         {"path": "/", "pathType": "Prefix",
                          "backend": {"service": {"name": app, "port": {"number": 80}}}}]}}]}})
    if rng.random() < 0.4:
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": app, "namespace": ns},
                     "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress", "Egress"],
                              "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}]}]}})
    if rng.random() < 0.4:
        verbs = rng.choice([["get", "list"], ["*"], ["create", "update"], ["get"]])
        resources = rng.choice([["pods"], ["secrets"], ["*"], ["pods/exec"], ["configmaps"]])
        kind = rng.choice(["Role", "ClusterRole"])
        role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": app},
                "rules": [{"apiGroups": [""], "resources": resources, "verbs": verbs}]}
        if kind == "Role":
            role["metadata"]["namespace"] = ns
        binding_kind = "RoleBinding" if kind == "Role" else "ClusterRoleBinding"
        binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": binding_kind, "metadata": {"name": app},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind,
                               "name": rng.choice([app, app, "cluster-admin"])},
                   "subjects": [{"kind": "ServiceAccount", "name": rng.choice([app, "default"]), "namespace": ns}]}
        if binding_kind == "RoleBinding":
            binding["metadata"]["namespace"] = ns
        docs += [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": app, "namespace": ns}}, role, binding]
    if rng.random() < 0.3:
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": app, "namespace": ns},
                     "data": {"LOG_LEVEL": "info", "API_KEY": "k-%d" % rng.randrange(10**8)}})
    return docs


def to_yaml(value, indent=0):
    """A small YAML writer (block style) so the corpus needs no YAML library."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return " {}"
        out = ""
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                out += "\n%s%s:%s" % (pad, k, to_yaml(v, indent + 1))
            else:
                out += "\n%s%s:%s" % (pad, k, to_yaml(v, indent + 1))
        return out
    if isinstance(value, list):
        if not value:
            return " []"
        out = ""
        for v in value:
            if isinstance(v, dict) and v:
                body = to_yaml(v, indent + 1).lstrip("\n")
                out += "\n%s- %s" % (pad, body.lstrip())
            else:
                out += "\n%s-%s" % (pad, to_yaml(v, indent + 1))
        return out
    return " " + json.dumps(value)


def compose(rng, i):
    services = {}
    for s in range(rng.randrange(1, 4)):
        svc = {"image": rng.choice(IMAGES)}
        if rng.random() < 0.3:
            svc["privileged"] = True
        if rng.random() < 0.5:
            svc["ports"] = [rng.choice(["80:80", "127.0.0.1:8080:8080", "8443:443"])]
        if rng.random() < 0.2:
            svc["volumes"] = ["/var/run/docker.sock:/var/run/docker.sock"]
        if rng.random() < 0.3:
            svc["environment"] = {"DB_PASSWORD": "pw-%d" % rng.randrange(10**6)}
        services["svc%d" % s] = svc
    return "services:" + to_yaml(services, 1) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "k8s"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "compose"), exist_ok=True)
    for i in range(args.count):
        app, ns = "app%d" % i, "team%d" % (i % 20)
        docs = [workload(rng, app, ns)] + extras(rng, app, ns)
        form = rng.random()
        if form < 0.1:
            with open(os.path.join(args.out, "k8s", app + ".json"), "w") as f:
                json.dump({"apiVersion": "v1", "kind": "List", "items": docs}, f, indent=2)
        else:
            with open(os.path.join(args.out, "k8s", app + ".yaml"), "w") as f:
                f.write("".join("---" + to_yaml(d) + "\n" for d in docs))
    for i in range(max(1, args.count // 20)):
        d = os.path.join(args.out, "compose", "stack%d" % i)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "docker-compose.yml"), "w") as f:
            f.write(compose(rng, i))


if __name__ == "__main__":
    main()
