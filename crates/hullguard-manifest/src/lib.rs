//! Kubernetes manifests and compose files: a YAML loader that keeps every node's line and column
//! ([`yaml`]), the Kubernetes object model and its checks ([`k8s`]), and compose files ([`compose`]).

pub mod yaml;
