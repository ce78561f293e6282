//! The Kubernetes checks, one module per area; [`object`] runs every check of one object.

pub(crate) mod container;
pub(crate) mod host;
pub(crate) mod hygiene;
pub(crate) mod network;
pub(crate) mod psp;
pub(crate) mod rbac;
pub(crate) mod security;

use super::inventory::Inventory;
use super::object::{Object, pod_spec};
use crate::report::Reporter;
use crate::yaml::Node;

/// Runs the checks of one object (with what the other objects of the scan say, in `inventory`).
pub(crate) fn object(r: &mut Reporter<'_>, obj: &Object<'_>, inventory: &Inventory) {
    if let Some(pod) = pod_spec(obj) {
        security::pod(r, &pod);
        host::pod(r, &pod);
        let account = pod
            .spec
            .field("serviceAccountName")
            .or_else(|| pod.spec.field("serviceAccount"))
            .and_then(Node::as_str)
            .unwrap_or("default");
        container::service_account(r, &pod, inventory.account_automount(obj.effective_namespace(), account));
        if inventory.account_users(obj.effective_namespace(), account) > 1 && account != "default" {
            r.add(
                "k8s-sa-shared",
                &format!("{}.serviceAccountName", pod.path),
                pod.spec.get("serviceAccountName").unwrap_or(pod.spec),
                format!("service account {account} is shared with other workloads"),
                "serviceAccountName: an account of this workload's own",
            );
        }
        for c in pod.containers() {
            security::container(r, &pod, &c);
            host::container(r, &pod, &c);
            container::container(r, obj, &c);
            container::known_images(r, obj, &c);
        }
        network::workload(r, obj, &pod, inventory);
        hygiene::workload(r, obj, &pod, inventory);
        let rights = inventory.account_rights(obj.effective_namespace(), account);
        if !rights.is_empty() {
            let at = pod.spec.get("serviceAccountName").unwrap_or(pod.spec);
            let field = format!("{}.serviceAccountName", pod.path);
            r.add(
                "hg-k8s-sa-rights",
                &field,
                at,
                format!("service account {account} holds {}", rights.join(", ")),
                "bind the account to a role with only the rights the workload needs",
            );
            let automount = pod.spec.field("automountServiceAccountToken").and_then(Node::as_bool);
            let mounts = automount.or(inventory.account_automount(obj.effective_namespace(), account)).unwrap_or(true);
            if mounts {
                r.add(
                    "hg-k8s-sa-token-risky",
                    &format!("{}.automountServiceAccountToken", pod.path),
                    pod.spec.get("automountServiceAccountToken").unwrap_or(pod.spec),
                    format!("the token of {account} ({}) is mounted into every container", rights.join(", ")),
                    "automountServiceAccountToken: false",
                );
            }
        }
    }
    hygiene::any(r, obj);
    match obj.kind {
        "ServiceAccount" if obj.name == "default" => {
            let automount = obj.node.field("automountServiceAccountToken");
            if automount.and_then(Node::as_bool) != Some(false) {
                r.add(
                    "k8s-sa-default-automount",
                    "automountServiceAccountToken",
                    automount.unwrap_or(obj.node),
                    "the default service account mounts its token into every pod that does not opt out".to_owned(),
                    "automountServiceAccountToken: false",
                );
            }
        }
        "Role" | "ClusterRole" => rbac::role(r, obj),
        "RoleBinding" | "ClusterRoleBinding" => {
            let role = obj.node.get("roleRef");
            let get = |k: &str| role.and_then(|n| n.get(k)).and_then(Node::as_str).unwrap_or_default();
            let escalating = inventory.role_escalates(get("kind"), obj.effective_namespace(), get("name"));
            rbac::binding(r, obj, escalating);
        }
        "Ingress" => network::ingress(r, obj, inventory),
        "NetworkPolicy" => network::policy(r, obj, inventory),
        "Namespace" => network::namespace(r, obj, inventory),
        "PodSecurityPolicy" => psp::policy(r, obj),
        "Service" => {
            network::service(r, obj, inventory);
            let tiller = obj.name.contains("tiller")
                || (obj.metadata("labels", "app") == Some("helm") && obj.metadata("labels", "name") == Some("tiller"));
            if tiller {
                r.add(
                    "k8s-tiller-service",
                    "metadata.name",
                    obj.node.get("metadata").unwrap_or(obj.node),
                    format!("{} is Tiller's Service", obj.id()),
                    "delete the Service (and Tiller)",
                );
            }
        }
        _ => hygiene::other(r, obj, inventory),
    }
}
