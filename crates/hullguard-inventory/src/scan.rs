//! The per-layer pass: every entry is recorded (for the merged view) and handed, with its
//! content read once and capped, to the analyzers that want it.

use std::io::Read;

use hullguard_image::{EntryKind, EntryVisitor, LayerEntry};
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, LayerFacts};

/// What one layer holds: its entries and what the analyzers found.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScannedLayer {
    /// Every entry, whiteouts included.
    pub entries: Vec<LayerEntry>,
    /// Analyzer results.
    pub facts: LayerFacts,
}

/// The entry visitor that runs analyzers over one layer.
pub struct LayerScan<'a> {
    analyzers: &'a [Box<dyn Analyzer>],
    layer: ScannedLayer,
    buf: Vec<u8>,
}

impl<'a> LayerScan<'a> {
    /// A scan running `analyzers`.
    pub fn new(analyzers: &'a [Box<dyn Analyzer>]) -> Self {
        LayerScan { analyzers, layer: ScannedLayer::default(), buf: Vec::new() }
    }
}

impl EntryVisitor for LayerScan<'_> {
    type Output = ScannedLayer;

    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        self.layer.entries.push(entry.clone());
        if entry.kind != EntryKind::File {
            return Ok(());
        }
        let mut wanted: Vec<&dyn Analyzer> =
            self.analyzers.iter().filter(|a| a.wants_entry(entry)).map(AsRef::as_ref).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        // A read error here is a broken layer stream: the layer reader reports it with the blob's name.
        let broken = |e: std::io::Error| {
            hullguard_image::Error::new(
                hullguard_image::ErrorKind::Malformed,
                format!("/{}", entry.path),
                e.to_string(),
            )
        };
        self.buf.clear();
        // When every analyzer asks for a magic prefix, read only the head first: most executables
        // are not Go binaries, and they are never held whole (nor warned about when over a cap).
        let magics: Option<Vec<&[u8]>> = wanted.iter().map(|a| a.magic()).collect();
        if let Some(magics) = magics {
            let head = magics.iter().map(|m| m.len()).max().unwrap_or(0) as u64;
            content.take(head).read_to_end(&mut self.buf).map_err(broken)?;
            wanted.retain(|a| a.magic().is_some_and(|m| self.buf.starts_with(m)));
        }
        let (fits, over): (Vec<&dyn Analyzer>, Vec<&dyn Analyzer>) =
            wanted.into_iter().partition(|a| entry.size <= a.max_size());
        // Every analyzer finds packages (or the OS): a file it wanted and could not read may hide findings.
        for a in &over {
            let path = format!("/{}", entry.path);
            let what =
                format!("{path}: {}: {} bytes, over its {} byte cap; not read", a.id(), entry.size, a.max_size());
            self.layer.facts.incomplete.push((path, what));
        }
        if !over.is_empty() {
            self.layer.facts.warnings.push(format!(
                "/{}: {} bytes, over {}; skipped",
                entry.path,
                entry.size,
                caps(&over)
            ));
        }
        if fits.is_empty() {
            return Ok(());
        }
        content.read_to_end(&mut self.buf).map_err(broken)?;
        // Analyzers reading the same file may fail for the same reason: one line per file and
        // problem, naming them all.
        let mut problems: Vec<(String, Vec<&str>)> = Vec::new();
        for analyzer in fits {
            if let Err(problem) = analyzer.analyze(&entry.path, &self.buf, &mut self.layer.facts) {
                match problems.iter_mut().find(|(p, _)| *p == problem) {
                    Some((_, ids)) => ids.push(analyzer.id()),
                    None => problems.push((problem, vec![analyzer.id()])),
                }
            }
        }
        for (problem, ids) in problems {
            self.layer.facts.warnings.push(format!("/{}: {}: {problem}", entry.path, ids.join(", ")));
        }
        Ok(())
    }

    fn finish(self) -> ScannedLayer {
        self.layer
    }
}

/// `the N byte cap of a, b and the M byte cap of c`: the size caps of `over`, analyzers with the
/// same cap named together.
fn caps(over: &[&dyn Analyzer]) -> String {
    let mut by_cap: Vec<(u64, Vec<&str>)> = Vec::new();
    for a in over {
        match by_cap.iter_mut().find(|(cap, _)| *cap == a.max_size()) {
            Some((_, ids)) => ids.push(a.id()),
            None => by_cap.push((a.max_size(), vec![a.id()])),
        }
    }
    by_cap
        .iter()
        .map(|(cap, ids)| format!("the {cap} byte cap of {}", ids.join(", ")))
        .collect::<Vec<_>>()
        .join(" and ")
}
