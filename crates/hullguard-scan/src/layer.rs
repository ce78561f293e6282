//! The one pass over a layer: every entry goes, with its content read once, to the inventory
//! analyzers, the image checks' file facts (entries and account files) and, when asked, the
//! secret scanner. What they found is one value per layer, cached by blob digest.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use hullguard_checks::image::account_file;
use hullguard_image::{EntryKind, EntryVisitor, LayerEntry};
use hullguard_inventory::{Analyzer, LayerScan, ScannedLayer};
use hullguard_secrets::SecretFinding;

/// What every analyzer found in one layer.
#[derive(Debug, Default)]
pub struct AnalyzedLayer {
    /// Entries (whiteouts included) and inventory facts.
    pub inventory: Arc<ScannedLayer>,
    /// Path (`etc/shadow`) → contents of the account files this layer writes.
    pub account_files: BTreeMap<String, Vec<u8>>,
    /// The secrets in the layer's regular files (empty when the secret scanner is off).
    pub secrets: Vec<SecretFinding>,
}

/// The entry visitor of the single pass.
pub struct LayerAnalyzer<'a> {
    inventory: LayerScan<'a>,
    account_files: BTreeMap<String, Vec<u8>>,
    secrets: Option<Vec<SecretFinding>>,
}

impl<'a> LayerAnalyzer<'a> {
    /// A pass running the inventory `analyzers`, collecting account files, and scanning for
    /// secrets when `secrets`.
    pub fn new(analyzers: &'a [Box<dyn Analyzer>], secrets: bool) -> Self {
        LayerAnalyzer {
            inventory: LayerScan::new(analyzers),
            account_files: BTreeMap::new(),
            secrets: secrets.then(Vec::new),
        }
    }
}

/// A file's content read once from its stream, replayed to each reader in turn: what an
/// earlier reader pulled is kept so the next one starts at byte 0.
pub(crate) struct Replay<'r> {
    inner: &'r mut dyn Read,
    seen: Vec<u8>,
}

/// One reader's position in a [`Replay`].
struct Cursor<'c, 'r> {
    replay: &'c mut Replay<'r>,
    at: usize,
}

impl<'r> Replay<'r> {
    /// Replays `inner`.
    pub(crate) fn new(inner: &'r mut dyn Read) -> Self {
        Replay { inner, seen: Vec::new() }
    }

    /// A reader from byte 0.
    fn cursor(&mut self) -> Cursor<'_, 'r> {
        Cursor { replay: self, at: 0 }
    }

    /// The whole content, read to the end and kept.
    pub(crate) fn whole(&mut self) -> std::io::Result<&[u8]> {
        self.inner.read_to_end(&mut self.seen)?;
        Ok(&self.seen)
    }

    /// The last reader: from byte 0, what is kept replayed and the rest streamed, not kept.
    pub(crate) fn rest(&mut self) -> impl Read + '_ {
        (&self.seen[..]).chain(&mut *self.inner)
    }
}

impl Read for Cursor<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let seen = &self.replay.seen;
        if self.at < seen.len() {
            let n = buf.len().min(seen.len() - self.at);
            buf[..n].copy_from_slice(&seen[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        let n = self.replay.inner.read(buf)?;
        self.replay.seen.extend_from_slice(&buf[..n]);
        self.at += n;
        Ok(n)
    }
}

impl EntryVisitor for LayerAnalyzer<'_> {
    type Output = AnalyzedLayer;

    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        // The account files and the analyzers read what they want first (the entries themselves
        // are kept once, by the inventory pass); the secret scanner then reads the whole file,
        // their bytes replayed and the rest streamed.
        let mut replay = Replay::new(content);
        if let Some(bytes) = account_file(entry, &mut replay.cursor())? {
            self.account_files.insert(entry.path.clone(), bytes);
        }
        self.inventory.entry(entry, &mut replay.cursor())?;
        let Some(found) = self.secrets.as_mut().filter(|_| entry.kind == EntryKind::File) else {
            return Ok(());
        };
        let scanned = hullguard_secrets::scan_reader(&entry.path, &mut replay.rest())
            .map_err(|e| hullguard_image::Error::io(entry.path.as_str(), &e))?;
        if let Some(why) = scanned.skipped {
            tracing::debug!("secret scan skipped /{}: {why}", entry.path);
        }
        found.extend(scanned.findings);
        Ok(())
    }

    fn finish(self) -> AnalyzedLayer {
        AnalyzedLayer {
            inventory: Arc::new(self.inventory.finish()),
            account_files: self.account_files,
            secrets: self.secrets.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reader_of_a_replay_sees_the_whole_content() {
        let mut source: &[u8] = b"0123456789";
        let mut replay = Replay::new(&mut source);
        let mut head = [0u8; 4];
        replay.cursor().read_exact(&mut head).unwrap();
        assert_eq!(&head, b"0123");
        let mut all = Vec::new();
        replay.cursor().read_to_end(&mut all).unwrap();
        assert_eq!(all, b"0123456789");
        let mut again = Vec::new();
        replay.cursor().take(6).read_to_end(&mut again).unwrap();
        assert_eq!(again, b"012345");
        assert_eq!(replay.whole().unwrap(), b"0123456789");
        let mut rest = Vec::new();
        replay.rest().read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"0123456789");
    }
}
