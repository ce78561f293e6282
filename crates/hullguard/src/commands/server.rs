//! `hullguard server`: run the API server until interrupted, or create a token.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, anyhow};
use hullguard_server::auth::Scope;
use hullguard_server::worker::WorkerConfig;
use hullguard_server::{AdmissionConfig, Config, Limits};
use hullguard_vulndb::refresh;
use hullguard_vulndb::update::Limits as UpdateLimits;

/// A `server` subcommand.
pub enum Action {
    /// `server token create`: a token of `scope` named `name` in the store file `store`.
    TokenCreate { store: PathBuf, scope: Scope, name: String },
    /// `server job add`: a scan job of each SBOM in the PostgreSQL store `store`.
    JobAdd { store: PathBuf, sboms: Vec<PathBuf> },
}

/// The serving flags.
pub struct ServeArgs {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The store file or URL.
    pub store: Option<PathBuf>,
    /// Take scan jobs instead of serving.
    pub worker: bool,
    /// A worker's job lease.
    pub lease: Duration,
    /// The database file.
    pub db: Option<PathBuf>,
    /// Database poll interval in seconds (0: none).
    pub db_poll: u64,
    /// `db update` on a schedule.
    pub update: Option<ScheduledUpdate>,
    /// Loopback registries reached over plain HTTP by image submissions.
    pub plain_http_registries: Vec<String>,
    /// Caps.
    pub limits: Limits,
    /// How webhook deliveries are retried.
    pub webhooks: hullguard_server::webhook::Retry,
    /// The admission webhook, when served.
    pub admission: Option<AdmissionConfig>,
}

/// `--update every DURATION`: how often the server runs `db update`, and from where.
pub struct ScheduledUpdate {
    /// The interval between two updates (the first runs one interval after the start).
    pub every: Duration,
    /// The feed mirror (`None`: the production feeds).
    pub mirror: Option<String>,
}

/// Runs `db update` of `db` every `schedule.every` on a thread of its own, for as long as the
/// server runs. The server takes the new file by polling it; a failed update is one log line and
/// leaves the database as it was ([`refresh::update`] replaces the file only when a build
/// succeeds).
fn schedule_updates(db: PathBuf, schedule: ScheduledUpdate) {
    let deadline = Duration::from_secs(schedule.every.as_secs().clamp(60, 1800));
    let limits = UpdateLimits { deadline, ..UpdateLimits::default() };
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(schedule.every);
            match refresh::update(&db, schedule.mirror.as_deref(), &limits, false, |_| {}) {
                Ok(_) => eprintln!("hullguard: scheduled database update done"),
                Err(e) => eprintln!("hullguard: scheduled database update failed, the database is kept: {e:#}"),
            }
        }
    });
}

/// Creates a token (printing it once), queues jobs, takes jobs (`--worker`), or serves until
/// SIGINT/SIGTERM.
pub fn run(action: Option<Action>, args: ServeArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match action {
        Some(Action::TokenCreate { store, scope, name }) => {
            writeln!(out, "{}", hullguard_server::create_token(&store, &name, scope)?)?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Action::JobAdd { store, sboms }) => {
            let ids = hullguard_server::worker::enqueue(&store, &sboms, args.limits.max_sbom_bytes)?;
            writeln!(out, "{} jobs queued", ids.len())?;
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let (Some(store), Some(db)) = (args.store, args.db) else {
        return Err(anyhow!("server needs --store and --db"));
    };
    if args.worker {
        let config = WorkerConfig { store, db, lease: args.lease, max_sbom_bytes: args.limits.max_sbom_bytes };
        eprintln!("hullguard: worker taking jobs from {}", config.store.display());
        hullguard_server::worker::run(&config)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(schedule) = args.update {
        if args.db_poll == 0 {
            return Err(anyhow!("--update needs --db-poll above 0: the server takes the updated file by polling it"));
        }
        schedule_updates(db.clone(), schedule);
    }
    let config = Config {
        listen: args.listen,
        store,
        db,
        db_poll: (args.db_poll > 0).then(|| Duration::from_secs(args.db_poll)),
        limits: args.limits,
        stop_on_signal: true,
        admission: args.admission,
        webhooks: args.webhooks,
        plain_http_registries: args.plain_http_registries,
    };
    let scheme = if config.admission.is_some() { "https" } else { "http" };
    let running = hullguard_server::start(config)?;
    eprintln!("hullguard: server listening on {scheme}://{}", running.addr);
    running.wait()?;
    Ok(ExitCode::SUCCESS)
}
