//! The database file made whole from feeds and renamed over the old one once complete: built from
//! feeds found on disk (`hullguard db build`), or kept current from the feed servers (`hullguard
//! db update`: the feeds fetched into the `feeds` folder beside the database, which is rebuilt
//! from that folder when anything changed).

use std::path::{Path, PathBuf};

use crate::db::{Builder, Db, DbError, DbInfo};
use crate::feeds::{self, Feed, FeedError};
use crate::update::{self, FetchReport, Limits, Outcome, UpdateError};

/// What [`build`] and [`update`] tell their caller as they go, for a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice<'a> {
    /// The server does not have the feed at `url` (HTTP 404): skipped.
    Missing {
        /// The feed's URL.
        url: &'a str,
        /// Whether the copy fetched earlier is kept.
        cached: bool,
    },
    /// Records of a feed were rejected on import (each logged at debug level).
    Rejected {
        /// The feed's name.
        feed: &'a str,
        /// How many.
        count: usize,
    },
}

/// An error of [`build`] or [`update`]; the database file is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// A feed could not be fetched, or the `feeds` folder written.
    #[error(transparent)]
    Fetch(#[from] UpdateError),
    /// Every feed answered HTTP 404.
    #[error("cannot update: every feed answered HTTP 404 (the first: {first}); nothing was changed")]
    AllMissing {
        /// The first feed's URL (empty when there were none).
        first: String,
    },
    /// The `feeds` folder holds no feed after fetching.
    #[error("no feed could be fetched into {}: {problem}", .folder.display())]
    NoFeeds {
        /// The `feeds` folder.
        folder: PathBuf,
        /// Why nothing was found there.
        problem: FeedError,
    },
    /// A feed could not be imported.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// The database could not be written, or the new one was refused.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Imports `found` into a new database renamed over `target` once complete, if `accept` says
/// yes to it; `notice` is told of each feed's rejected records.
///
/// # Errors
/// The database cannot be written, a feed cannot be imported, or `accept` refuses.
pub fn build(
    found: &[Feed],
    target: &Path,
    accept: impl FnOnce(&DbInfo) -> Result<(), DbError>,
    mut notice: impl FnMut(Notice<'_>),
) -> Result<DbInfo, RefreshError> {
    let mut builder = Builder::create(target)?;
    for feed in found {
        let rejected = feeds::import(feed, &mut builder)?;
        if !rejected.is_empty() {
            notice(Notice::Rejected { feed: &feed.name, count: rejected.len() });
        }
        for line in rejected {
            tracing::debug!("rejected: {line}");
        }
    }
    Ok(builder.finish_if(accept)?)
}

/// What [`update`] did.
#[derive(Debug)]
pub struct Updated {
    /// How each feed fared.
    pub report: FetchReport,
    /// The new database; `None` when nothing changed and the database was kept as it is.
    pub built: Option<DbInfo>,
}

/// Fetches the feeds (from the mirror at base URL `mirror` when given, else the production
/// feeds) within `limits` into the `feeds` folder beside the database `target`, then rebuilds the
/// database from that folder if anything changed or it does not exist yet. Any failed or
/// corrupt download leaves both the folder and the database as they were; so does a new
/// database that would lose a feed or more than [`update::MAX_RECORD_DROP_PERCENT`] of a feed's
/// records, unless `force`. `notice` is told of each feed skipped (HTTP 404) and each feed's
/// rejected records.
///
/// # Errors
/// `target` is a folder; a feed cannot be fetched or is corrupt; every feed answered HTTP 404;
/// nothing could be fetched; the database cannot be built or would lower coverage.
pub fn update(
    target: &Path,
    mirror: Option<&str>,
    limits: &Limits,
    force: bool,
    mut notice: impl FnMut(Notice<'_>),
) -> Result<Updated, RefreshError> {
    if target.is_dir() {
        return Err(DbError::Folder(target.to_owned()).into());
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let folder = dir.join("feeds");
    let remotes = mirror.map_or_else(update::production_feeds, update::mirrored_feeds);
    let (report, state) = update::fetch(&folder, &remotes, limits)?;
    if report.feeds.iter().all(|(_, o)| matches!(o, Outcome::Missing { .. })) {
        let first = report.feeds.first().map_or("", |(r, _)| r.url.as_str());
        return Err(RefreshError::AllMissing { first: first.to_owned() });
    }
    for (remote, outcome) in &report.feeds {
        if let Outcome::Missing { cached } = outcome {
            notice(Notice::Missing { url: &remote.url, cached: *cached });
        }
    }
    if !report.changed() && target.is_file() {
        state.save(&folder)?;
        return Ok(Updated { report, built: None });
    }
    let found =
        feeds::discover(&folder).map_err(|problem| RefreshError::NoFeeds { folder: folder.clone(), problem })?;
    let old = target.is_file().then(|| Db::open(target).and_then(|db| db.info()).ok()).flatten();
    let keep_coverage = |new: &DbInfo| match old.as_ref().and_then(|old| update::coverage_loss(old, new)) {
        Some(lost) if !force => Err(DbError::Refused {
            path: target.to_owned(),
            problem: format!("not replaced: the update would lower coverage ({lost}); rerun with --force to accept"),
        }),
        _ => Ok(()),
    };
    let info = build(&found, target, keep_coverage, &mut notice)?;
    // Saved only now: after a failed build the next update fetches again.
    state.save(&folder)?;
    Ok(Updated { report, built: Some(info) })
}
