//! Compliance reports: `hullguard compliance --spec NAME TARGET…`.
//!
//! - [`spec`]: the shipped specs (CIS Docker, CIS Kubernetes §5, NSA/CISA Kubernetes, Pod Security
//!   Standards restricted, SOC 2, HIPAA), one TOML file each in `specs/`: sections of controls,
//!   each control naming the hullguard check ids that decide it (data, validated against the
//!   check registry).
//! - [`evaluate`]: the verdict of every control (pass, fail, manual, not-applicable) from what
//!   was scanned ([`Scanned`]: the target's kind, its findings, the audit outcomes), with the
//!   findings behind it and the evidence (targets, times, database version).
//! - [`render`]: table, JSON and a single-file offline HTML report.
//!
//! The crate scans nothing itself: the caller (the binary) runs the scans through the engine,
//! the manifest checks and the host audit, and hands their results over.

pub mod evaluate;
pub mod render;
pub mod spec;

pub use evaluate::{
    ComplianceReport, ControlResult, Counts, DbEvidence, FindingRef, Scanned, TargetEvidence, TargetKind, Verdict,
    evaluate,
};
pub use spec::{Control, Section, Spec, SpecError, SpecKind};
