//! The JSON report: the [`Report`] serialised as it is (pretty, final newline); its schema is
//! `docs/report.schema.json`.

use std::io::{self, Write};

use crate::Report;

/// Writes `report` as pretty JSON with a final newline.
///
/// # Errors
///
/// When `out` fails.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    super::write_json(out, report)
}
