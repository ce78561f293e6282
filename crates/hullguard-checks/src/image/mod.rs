//! Checks on a built image: its config (`config.rs`), its build history (`history.rs`), the
//! metadata of every layer's files (`files.rs`) and, when the caller supplies them, the account
//! files `/etc/passwd`, `/etc/shadow`, `/etc/group` (`accounts.rs`). No other file content is read.
//!
//! Fill an [`ImageFacts`] from what [`hullguard_image::read_image`] returns and call
//! [`check_image`]:
//!
//! ```no_run
//! use hullguard_checks::image::{FactsVisitor, ImageFacts, check_image};
//! use hullguard_image::{Limits, MergedFs, ReadOptions, SourceSpec, read_image};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let source = SourceSpec::parse("oci-archive:images.tar:app:latest")?.open(None, &Limits::default())?;
//! let read = read_image(source.as_ref(), &ReadOptions::default(), FactsVisitor::default)?;
//! let fs = MergedFs::build("app", read.layers.iter().map(|l| l.output.entries.as_slice()))?;
//! let facts = ImageFacts::from_listing(&read, &fs).with_reference("app:latest");
//! let findings = check_image(&facts, &["HG-IMG-002"]);
//! # let _ = findings; Ok(()) }
//! ```
//!
//! A caller that already reads layers with [`hullguard_image::Listing`] uses
//! [`ImageFacts::from_read`] instead (no account files: `img-empty-password` and
//! `img-duplicate-uid-gid` then do not run unless [`ImageFacts::with_accounts`] supplies them);
//! a config-only scan uses [`ImageFacts::from_meta`].
//!
//! # Implemented concepts
//!
//! | id | concept | input | notes |
//! |---|---|---|---|
//! | HG-IMG-001 | `img-user-root` | config | `User` empty, `root`, `0` (with or without a group) |
//! | HG-IMG-002 | `img-healthcheck` | config | no `Healthcheck` or an empty test; `HEALTHCHECK NONE` counts as present |
//! | HG-IMG-003 | `img-update-alone` | history | a RUN step of only index updates (apt/apk update, yum/dnf makecache, zypper refresh) |
//! | HG-IMG-004 | `img-setuid-setgid` | layers | every layer, with the layer that added the file and its fate (still present, removed or replaced in layer N) |
//! | HG-IMG-005 | `img-add` | history | ADD steps; a base filesystem added at `/`, local archives (extracted by ADD), git sources and `--checksum` downloads exempt |
//! | HG-IMG-006 | `img-secrets` | config, history, layers | secret-named ENV and labels with a value, secret-named `ENV`/`LABEL`/`ARG`/build-arg/shell assignments in history, credential files by name in any layer (values redacted) |
//! | HG-IMG-007 | `img-sudo` | history | a RUN step that runs `sudo` |
//! | HG-IMG-008 | `img-sensitive-volume` | config | VOLUME on `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/root`, `/boot`, `/usr`, `/lib`, `/bin`, `/sbin`, `/run`, `/var/run`, `/var/lib/docker`, the Docker socket |
//! | HG-IMG-009 | `img-dist-upgrade` | history | `apt-get`/`apt`/`aptitude` `dist-upgrade` or `full-upgrade` |
//! | HG-IMG-010 | `img-apk-cache` | history, layers | `apk add` without `--no-cache`, `rm /var/cache/apk` or a cache mount; or the step's layer keeps files in `/var/cache/apk` |
//! | HG-IMG-011 | `img-apt-cache` | history, layers | `apt-get`/`apt`/`aptitude` `install` without `rm /var/lib/apt/lists` or a cache mount; or the step's layer keeps apt lists, `.deb`s or `*.bin` caches |
//! | HG-IMG-012 | `img-latest-tag` | reference, config | the scanned reference (when given) and the `org.opencontainers.image.base.name` label: `:latest` or no tag; digests exempt |
//! | HG-IMG-013 | `img-unneeded-files` | layers | `.git`/`.svn`/`.hg` directories, `.DS_Store`, `Thumbs.db`, `.npmrc` in any layer; files inside installed packages exempt |
//! | HG-IMG-014 | `img-empty-password` | account files | an `/etc/shadow` entry with an empty password field (only when [`ImageFacts::accounts`] holds the file) |
//! | HG-IMG-015 | `img-duplicate-uid-gid` | account files | a uid shared by accounts of `/etc/passwd`, a gid shared by groups of `/etc/group` (same condition) |
//! | HG-IMG-016 | `hg-img-expose-ssh` | config | exposed port 22 (any protocol, or a range containing it) |
//! | HG-IMG-017 | `hg-img-sudo-binary` | final fs | `sudo` in `/usr/bin`, `/usr/sbin`, `/bin`, `/sbin`, `/usr/local/bin` |
//! | HG-IMG-018 | `hg-img-world-writable` | final fs | directories with `o+w` and without the sticky bit |
//! | HG-IMG-019 | `hg-img-shadow-readable` | final fs | `/etc/shadow`, `/etc/gshadow` readable by others |
//! | HG-IMG-020 | `hg-img-package-cache` | final fs | pip, npm, yarn, yum, dnf, zypper caches with files, one finding per cache directory |
//!
//! Concepts starting with `hg-` are hullguard's own (not in the catalogue). The catalogue's
//! image concepts that are not implemented are listed, with the reason, in [`NOT_IMPLEMENTED`].
//!
//! # Locations
//!
//! Config findings point at a [`Location::ConfigField`] (`config.User`, `config.Healthcheck`,
//! `config.Env[NAME]`, `config.Labels[KEY]`, `config.ExposedPorts[22/tcp]`, `config.Volumes[/etc]`),
//! history findings at `history[N].created_by` (N indexes the full history, empty-layer steps
//! included; the evidence names the layer the step made), file findings at
//! [`Location::Image`] with the layer that added the path (or, for final-filesystem checks, the
//! layer that last wrote it) and the absolute path. The scanned reference itself is
//! `Location::Image { layer: None, path: None }`.
//!
//! Secret values are never shown: evidence masks them with hullguard's one policy
//! ([`hullguard_secrets::mask_value`]: fewer than 12 characters masked whole, else the first
//! quarter, at most 4 characters, then `*****`).

mod accounts;
mod config;
mod files;

pub use files::{Fate, FileFates, FilesOfInterest, MAX_PATHS_OF_INTEREST, PathOfInterest, paths_of_interest};
mod history;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use hullguard_image::spec::ImageConfig;
use hullguard_image::{EntryKind, EntryVisitor, ImageMeta, ImageRead, LayerEntry, MergedFs};
use hullguard_report::{Finding, Location};

use crate::registry::by_concept;

/// Catalogue image concepts hullguard does not check, each with the reason.
pub const NOT_IMPLEMENTED: &[(&str, &str)] = &[
    (
        "img-content-trust",
        "Docker Content Trust is a setting of the client or daemon that pulled or built the image (DOCKER_CONTENT_TRUST), not a property of the image",
    ),
    ("img-unneeded-packages", "a manual review: which packages an application needs cannot be decided from the image"),
    (
        "img-vulns",
        "reported by the vulnerability scanner (known CVEs of the installed packages), not by a configuration check",
    ),
    ("img-verified-packages", "a manual review of where packages came from (CIS marks it manual)"),
    ("img-signed-artifacts", "a manual review of artifact signatures (CIS marks it manual)"),
];

/// Evidence is cut to this many characters.
const MAX_EVIDENCE: usize = 200;

/// What the image checks look at. Cheap to build: it borrows what the image reader produced.
#[derive(Debug, Clone)]
pub struct ImageFacts<'a> {
    /// The image config: runtime defaults (`config.User`, `Env`, `Labels`, `ExposedPorts`,
    /// `Volumes`, `Healthcheck`) and the build `history`.
    pub config: &'a ImageConfig,
    /// The reference the image was scanned by (`app:latest`, `registry/app@sha256:…`), for
    /// `img-latest-tag`; `None` leaves that part of the check out.
    pub reference: Option<&'a str>,
    /// Every layer's entries (base first, whiteouts included), as
    /// [`hullguard_image::Listing`] produces them. Empty: the per-layer file checks are skipped
    /// and the cache checks judge the history text alone.
    pub layers: Vec<&'a [LayerEntry]>,
    /// The final filesystem; `None` skips the final-filesystem checks.
    pub fs: Option<&'a MergedFs>,
    /// Contents of the final filesystem's account files ([`ACCOUNT_FILES`]); the account checks
    /// (`img-empty-password`, `img-duplicate-uid-gid`) run only on the files given here.
    pub accounts: AccountFiles<'a>,
}

/// The account files the account checks read, as paths of the final filesystem.
pub const ACCOUNT_FILES: [&str; 3] = ["etc/passwd", "etc/shadow", "etc/group"];

/// Only this many bytes of each account file are read.
pub const MAX_ACCOUNT_FILE: usize = 4 * 1024 * 1024;

/// The contents of the final filesystem's `/etc/passwd`, `/etc/shadow` and `/etc/group`, when
/// the caller read them (e.g. from the layer [`MergedFs::get`] names for each path).
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountFiles<'a> {
    /// `/etc/passwd`.
    pub passwd: Option<&'a [u8]>,
    /// `/etc/shadow`.
    pub shadow: Option<&'a [u8]>,
    /// `/etc/group`.
    pub group: Option<&'a [u8]>,
}

impl<'a> ImageFacts<'a> {
    /// Facts from a config alone (no files, no reference).
    #[must_use]
    pub fn from_config(config: &'a ImageConfig) -> Self {
        Self { config, reference: None, layers: Vec::new(), fs: None, accounts: AccountFiles::default() }
    }

    /// Facts from an image's verified description alone (config and history; no files).
    #[must_use]
    pub fn from_meta(meta: &'a ImageMeta) -> Self {
        Self::from_config(&meta.config)
    }

    /// Facts from a full read with [`hullguard_image::Listing`] and the merged filesystem built
    /// from the same layers.
    #[must_use]
    pub fn from_read(read: &'a ImageRead<Vec<LayerEntry>>, fs: &'a MergedFs) -> Self {
        Self::from_meta(&read.meta).with_layers(read.layers.iter().map(|l| l.output.as_slice())).with_fs(fs)
    }

    /// Facts from a full read with [`FactsVisitor`] and the merged filesystem built from the
    /// same layers (`MergedFs::build(name, read.layers.iter().map(|l| l.output.entries.as_slice()))`):
    /// entries, final filesystem and the account files of the final filesystem.
    #[must_use]
    pub fn from_listing(read: &'a ImageRead<LayerListing>, fs: &'a MergedFs) -> Self {
        let content = |path: &str| {
            let layer = fs.get(path)?.layer;
            read.layers.get(layer)?.output.account_files.get(path).map(Vec::as_slice)
        };
        let accounts =
            AccountFiles { passwd: content("etc/passwd"), shadow: content("etc/shadow"), group: content("etc/group") };
        Self::from_meta(&read.meta)
            .with_layers(read.layers.iter().map(|l| l.output.entries.as_slice()))
            .with_fs(fs)
            .with_accounts(accounts)
    }

    /// Sets the per-layer entries, one slice per layer, base first.
    #[must_use]
    pub fn with_layers(mut self, layers: impl IntoIterator<Item = &'a [LayerEntry]>) -> Self {
        self.layers = layers.into_iter().collect();
        self
    }

    /// Sets the final filesystem.
    #[must_use]
    pub fn with_fs(mut self, fs: &'a MergedFs) -> Self {
        self.fs = Some(fs);
        self
    }

    /// Sets the contents of the account files.
    #[must_use]
    pub fn with_accounts(mut self, accounts: AccountFiles<'a>) -> Self {
        self.accounts = accounts;
        self
    }

    /// Sets the reference the image was scanned by.
    #[must_use]
    pub fn with_reference(mut self, reference: &'a str) -> Self {
        self.reference = Some(reference);
        self
    }
}

/// What [`FactsVisitor`] keeps of one layer: every entry (as [`hullguard_image::Listing`] does)
/// and the contents of the [`ACCOUNT_FILES`] the layer writes.
#[derive(Debug, Clone, Default)]
pub struct LayerListing {
    /// Every entry of the layer, in tar order, whiteouts included.
    pub entries: Vec<LayerEntry>,
    /// Path (`etc/shadow`) → contents (at most [`MAX_ACCOUNT_FILE`] bytes) of the account
    /// files this layer writes.
    pub account_files: BTreeMap<String, Vec<u8>>,
}

/// An [`EntryVisitor`] for [`hullguard_image::read_image`] that collects everything the image
/// checks need from a layer; use with [`ImageFacts::from_listing`].
#[derive(Debug, Default)]
pub struct FactsVisitor {
    out: LayerListing,
}

impl EntryVisitor for FactsVisitor {
    type Output = LayerListing;

    fn entry(&mut self, entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
        self.out.entries.push(entry.clone());
        if let Some(bytes) = account_file(entry, content)? {
            self.out.account_files.insert(entry.path.clone(), bytes);
        }
        Ok(())
    }

    fn finish(self) -> LayerListing {
        self.out
    }
}

/// The content of `entry` (at most [`MAX_ACCOUNT_FILE`] bytes) when it is one of the
/// [`ACCOUNT_FILES`], else `None` (nothing read).
///
/// # Errors
///
/// When the content cannot be read.
pub fn account_file(entry: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<Option<Vec<u8>>> {
    if !matches!(entry.kind, EntryKind::File) || !ACCOUNT_FILES.contains(&entry.path.as_str()) {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    content
        .take(MAX_ACCOUNT_FILE as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| hullguard_image::Error::io(entry.path.as_str(), &e))?;
    Ok(Some(bytes))
}

/// One problem found by a check, before it becomes a [`Finding`].
#[derive(Debug, Clone)]
struct Hit {
    concept: &'static str,
    location: Location,
    evidence: String,
    fix: Option<String>,
}

impl Hit {
    fn config(concept: &'static str, field: String, evidence: String, fix: Option<String>) -> Self {
        Self { concept, location: Location::ConfigField { field }, evidence, fix }
    }

    fn file(concept: &'static str, layer: usize, path: &str, evidence: String) -> Self {
        Self { concept, location: Location::Image { layer: Some(layer), path: Some(abs(path)) }, evidence, fix: None }
    }
}

/// Runs every image check on `facts`.
///
/// `skip` holds check ids (`HG-IMG-002`) or concept keys (`img-healthcheck`) to leave out.
/// Returns the findings sorted by [`Finding::sort_key`]; identical findings (same id, location
/// and evidence) are reported once.
#[must_use]
pub fn check_image<S: AsRef<str>>(facts: &ImageFacts<'_>, skip: &[S]) -> Vec<Finding> {
    let mut hits = Vec::new();
    config::check(facts, &mut hits);
    history::check(facts, &mut hits);
    files::check(facts, &mut hits);
    accounts::check(facts, &mut hits);

    let mut seen = BTreeSet::new();
    let mut findings = Vec::new();
    for hit in hits {
        let Some(meta) = by_concept(hit.concept) else {
            continue;
        };
        if skip.iter().any(|s| meta.is_named(s.as_ref()))
            || !seen.insert((meta.id, hit.location.clone(), hit.evidence.clone()))
        {
            continue;
        }
        findings.push(meta.finding(hit.location, truncate(&hit.evidence), hit.fix));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// `usr/bin/sudo` → `/usr/bin/sudo`.
fn abs(path: &str) -> String {
    format!("/{}", path.trim_start_matches('/'))
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(MAX_EVIDENCE).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// True for a value that can be a secret: not empty, not a variable reference, not a flag.
pub(crate) fn is_secret_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    !v.is_empty()
        && !v.starts_with('$')
        && !matches!(v.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "0" | "1" | "on" | "off")
}
