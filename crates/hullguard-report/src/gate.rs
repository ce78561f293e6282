//! The CI gate: which findings make a scan fail, and with which exit code.
//!
//! Two ways to ask, as Trivy users expect: `--fail-on SEVERITY` fails when a finding of at least
//! that severity remains after suppression, whether `--severity` shows it or not; `--exit-code N`
//! alone fails when any finding is shown. `--exit-code` sets the code in both cases (default 1).

use crate::Severity;

/// A gate built from `--fail-on` and `--exit-code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Gate {
    /// `--fail-on`: the lowest severity that fails the scan.
    pub fail_on: Option<Severity>,
    /// `--exit-code`: the code of a failed scan; alone, any shown finding fails it.
    pub exit_code: Option<u8>,
}

impl Gate {
    /// Whether the scan fails: `remaining` are the severities of every finding left after
    /// suppression, `shown` those the report shows.
    pub fn trips(
        self,
        remaining: impl IntoIterator<Item = Severity>,
        shown: impl IntoIterator<Item = Severity>,
    ) -> bool {
        match (self.fail_on, self.exit_code) {
            (Some(min), _) => remaining.into_iter().any(|s| s >= min),
            (None, Some(_)) => shown.into_iter().next().is_some(),
            (None, None) => false,
        }
    }

    /// The exit code of a scan that failed the gate.
    pub fn code(self) -> u8 {
        self.exit_code.unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_counts_hidden_findings_and_exit_code_alone_counts_shown_ones() {
        let all = [Severity::Low, Severity::High];
        let shown = [Severity::Low];
        let fail_on = |fail_on, exit_code| Gate { fail_on, exit_code };
        assert!(fail_on(Some(Severity::High), None).trips(all, shown));
        assert!(!fail_on(Some(Severity::Critical), Some(3)).trips(all, shown));
        assert!(fail_on(None, Some(3)).trips(all, shown));
        assert!(!fail_on(None, Some(3)).trips(all, []));
        assert!(!Gate::default().trips(all, shown));
        assert_eq!((fail_on(None, Some(3)).code(), fail_on(Some(Severity::Low), None).code()), (3, 1));
    }
}
