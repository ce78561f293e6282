//! `hullguard server`: run the API server until interrupted, or create a token.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, anyhow};
use hullguard_server::auth::Scope;
use hullguard_server::{AdmissionConfig, Config, Limits};

/// `server token create`.
pub struct TokenCreate {
    /// The store file.
    pub store: PathBuf,
    /// The token's scope.
    pub scope: Scope,
    /// Its name.
    pub name: String,
}

/// The serving flags.
pub struct ServeArgs {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The store file.
    pub store: Option<PathBuf>,
    /// The database file.
    pub db: Option<PathBuf>,
    /// Database poll interval in seconds (0: none).
    pub db_poll: u64,
    /// Caps.
    pub limits: Limits,
    /// The admission webhook, when served.
    pub admission: Option<AdmissionConfig>,
}

/// Creates a token (printing it once), or serves until SIGINT/SIGTERM.
pub fn run(token: Option<TokenCreate>, args: ServeArgs) -> Result<ExitCode> {
    if let Some(TokenCreate { store, scope, name }) = token {
        let secret = hullguard_server::create_token(&store, &name, scope)?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{secret}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(store), Some(db)) = (args.store, args.db) else {
        return Err(anyhow!("server needs --store and --db"));
    };
    let config = Config {
        listen: args.listen,
        store,
        db,
        db_poll: (args.db_poll > 0).then(|| Duration::from_secs(args.db_poll)),
        limits: args.limits,
        stop_on_signal: true,
        admission: args.admission,
    };
    let scheme = if config.admission.is_some() { "https" } else { "http" };
    let running = hullguard_server::start(config)?;
    eprintln!("hullguard: server listening on {scheme}://{}", running.addr);
    running.wait()?;
    Ok(ExitCode::SUCCESS)
}
