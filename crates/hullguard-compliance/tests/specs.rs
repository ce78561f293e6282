//! The shipped specs against the check registry, and the verdict rules on audit outcomes.

use hullguard_checks::registry::registry;
use hullguard_compliance::spec::{builtin, names};
use hullguard_compliance::{Scanned, SpecKind, TargetKind, Verdict, evaluate};
use hullguard_report::{CheckStatus, Location};

#[test]
fn every_spec_has_its_control_count_and_kind() {
    let got: Vec<(String, usize, SpecKind)> = names()
        .map(|n| {
            let spec = builtin(n).unwrap();
            assert_eq!(spec.id, n);
            (spec.id.clone(), spec.sections.iter().map(|s| s.controls.len()).sum(), spec.kind)
        })
        .collect();
    let want = [
        ("cis-docker", 130, SpecKind::Benchmark),
        ("cis-k8s", 35, SpecKind::Benchmark),
        ("nsa-k8s", 26, SpecKind::Benchmark),
        ("pss-restricted", 18, SpecKind::Benchmark),
        ("soc2", 13, SpecKind::EvidenceMapping),
        ("hipaa", 11, SpecKind::EvidenceMapping),
    ];
    assert_eq!(got, want.map(|(n, c, k)| (n.to_owned(), c, k)));
}

#[test]
fn cis_docker_maps_every_check_that_names_a_cis_number_to_that_control() {
    let spec = builtin("cis-docker").unwrap();
    for meta in registry() {
        for number in meta.peer_ids.iter().filter_map(|p| p.strip_prefix("CIS ")) {
            let control = spec.sections.iter().flat_map(|s| &s.controls).find(|c| c.id == number);
            let control = control.unwrap_or_else(|| panic!("CIS {number} of {} is not a control", meta.id));
            // 4.2 needs an allow-list the compliance run does not have: it stays manual.
            assert!(number == "4.2" || control.checks.iter().any(|c| c == meta.id), "{number}: {}", meta.id);
        }
    }
}

#[test]
fn pss_restricted_covers_every_pod_security_check_of_the_registry() {
    let spec = builtin("pss-restricted").unwrap();
    let mapped: Vec<&String> = spec.sections.iter().flat_map(|s| &s.controls).flat_map(|c| &c.checks).collect();
    for meta in registry().iter().filter(|m| m.peer_ids.iter().any(|p| p.starts_with("PSS-"))) {
        assert!(mapped.contains(&&meta.id.to_owned()), "{} ({}) not mapped", meta.id, meta.concept);
    }
}

fn audited(outcomes: &[(&str, CheckStatus)]) -> Scanned {
    Scanned {
        kind: TargetKind::Containers,
        name: "containers".to_owned(),
        checked_at: "2026-12-07T00:00:00Z".to_owned(),
        findings: Vec::new(),
        outcomes: Some(outcomes.iter().map(|(id, s)| ((*id).to_owned(), *s)).collect()),
        db: None,
    }
}

fn verdict(report: &hullguard_compliance::ComplianceReport, id: &str) -> Verdict {
    report.sections.iter().flat_map(|s| &s.controls).find(|c| c.id == id).unwrap().verdict
}

#[test]
fn audit_outcomes_decide_controls_worst_first() {
    let spec = builtin("cis-docker").unwrap();
    let privileged = registry().iter().find(|m| m.id == "HG-CTR-005").unwrap();
    let mut target = audited(&[
        ("HG-CTR-005", CheckStatus::Pass),
        ("HG-CTR-005", CheckStatus::Warn),
        ("HG-CTR-007", CheckStatus::Manual),
        ("HG-CTR-007", CheckStatus::Pass),
        ("HG-CTR-010", CheckStatus::Pass),
        ("HG-CTR-002", CheckStatus::NotApplicable),
    ]);
    let at =
        Location::Container { name: "web".into(), id: "0123456789ab".into(), image: "x".into(), field: "f".into() };
    let mut finding = privileged.finding(at, "HostConfig.Privileged: true".into(), None);
    finding.status = Some(CheckStatus::Warn);
    target.findings.push(finding);
    let report = evaluate(&spec, &[target], "now", "0");
    let got: Vec<Verdict> = ["5.5", "5.7", "5.10", "5.2", "5.11", "4.1", "1.1.1"].map(|id| verdict(&report, id)).into();
    use Verdict::*;
    assert_eq!(got, [Fail, Manual, Pass, NotApplicable, NotApplicable, NotApplicable, NotApplicable]);
    let control = report.sections.iter().flat_map(|s| &s.controls).find(|c| c.id == "5.5").unwrap();
    assert_eq!(control.findings.len(), 1);
    assert_eq!(control.findings[0].place, "web f");
    assert_eq!(control.reason, "1 finding(s) on 1 target(s) of kind containers");
    assert_eq!(verdict(&report, "4.3"), Manual, "no check: manual whatever was scanned");
    assert_eq!(report.targets[0].checks, 38, "every container check is mapped");
}
