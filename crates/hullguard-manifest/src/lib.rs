//! Kubernetes manifests and compose files: a YAML loader that keeps every node's line and column
//! ([`yaml`]), which files are manifests ([`files`]), and the Kubernetes object model and its
//! checks ([`k8s`]).

pub mod files;
pub mod k8s;
pub mod yaml;
