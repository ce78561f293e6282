//! Facts from the Docker Engine API, through bollard: the daemon's `/info`, `/version` and
//! `/plugins`, and per container `/containers/{id}/json`, `/containers/{id}/top` (the processes'
//! real uids and commands) and `/exec/{id}/json` (its exec sessions); and the responses to a
//! runtime alert: stop, pause or kill a container.
//!
//! The Engine is the one `DOCKER_HOST` names (`unix://…` by default, `tcp://…`, with TLS when
//! `DOCKER_TLS_VERIFY` is set and the certificates in `DOCKER_CERT_PATH`), and the API version is
//! negotiated. Facts are kept as the API's JSON (field names as the API spells them), so the checks
//! name the exact field and read fixture documents as easily as live ones.

use bollard::Docker;
use bollard::query_parameters::{
    InspectContainerOptions, KillContainerOptions, ListContainersOptions, StopContainerOptionsBuilder, TopOptions,
};
use futures_util::future::join_all;
use serde_json::Value;

use crate::error::{Error, Result};

mod processes;

pub use processes::ProcTable;

/// The default Engine address, when `DOCKER_HOST` is not set.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// What the daemon says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DaemonFacts {
    /// The Engine address used (`unix:///var/run/docker.sock`).
    pub host: String,
    /// The negotiated API version.
    pub api_version: String,
    /// `GET /info`.
    pub info: Value,
    /// `GET /version`.
    pub version: Value,
    /// `GET /plugins` (managed plugins; authorization plugins also appear in `info.Plugins`).
    pub plugins: Value,
    /// The images of every container, running or not (`/containers/json?all=1`), to find
    /// Docker Enterprise components.
    pub container_images: Vec<String>,
}

/// What the Engine says about one container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerFacts {
    /// `GET /containers/{id}/json`.
    pub inspect: Value,
    /// The processes of a running container as `/containers/{id}/top?ps_args=-o pid,uid,comm`
    /// shows them (`{"Titles": […], "Processes": [[…]]}`), read from the host's `/proc` when the
    /// Engine is local ([`ProcTable`]); `None` when it is not running or they cannot be listed.
    pub top: Option<Value>,
    /// `GET /exec/{id}/json` of each exec session the daemon still knows.
    pub execs: Vec<Value>,
}

/// What can be done to a running container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `POST /containers/{id}/stop`, SIGKILL after one second.
    Stop,
    /// `POST /containers/{id}/pause` (its processes frozen, kept for inspection).
    Pause,
    /// `POST /containers/{id}/kill` (SIGKILL).
    Kill,
}

/// A connection to the Engine, with the runtime its calls run on.
pub struct Engine {
    docker: Docker,
    runtime: tokio::runtime::Runtime,
    host: String,
}

/// The `ps` arguments of `/top`: the PID column (which Docker needs), the real uid and the command.
const TOP_ARGS: &str = "-o pid,uid,comm";

impl Engine {
    /// Connects to the Engine `DOCKER_HOST` names and negotiates the API version.
    ///
    /// # Errors
    /// The address is not supported, TLS material cannot be loaded, or the Engine does not answer.
    pub fn connect() -> Result<Self> {
        let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| DEFAULT_HOST.to_owned());
        let subject = format!("Docker Engine at {host}");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(&subject, format!("cannot start the I/O runtime: {e}")))?;
        let docker = runtime
            .block_on(async { Docker::connect_with_defaults()?.negotiate_version().await })
            .map_err(|e| Error::new(&subject, e))?;
        Ok(Engine { docker, runtime, host })
    }

    /// The Engine address.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    fn error(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::new(format!("Docker Engine at {}", self.host), format!("{what}: {e}"))
    }

    /// The daemon's `/info`, `/version`, `/plugins` and its containers' images.
    ///
    /// # Errors
    /// A call the Engine does not answer.
    pub fn daemon(&self) -> Result<DaemonFacts> {
        let docker = &self.docker;
        let (info, version, plugins, containers) = self.runtime.block_on(async {
            futures_util::join!(
                docker.info(),
                docker.version(),
                docker.list_plugins(None),
                docker.list_containers(Some(ListContainersOptions { all: true, ..Default::default() }))
            )
        });
        let json = |v: std::result::Result<Value, serde_json::Error>, what: &str| {
            v.map_err(|e| self.error(what, format!("cannot represent the answer: {e}")))
        };
        let info = json(serde_json::to_value(info.map_err(|e| self.error("/info", e))?), "/info")?;
        let version = json(serde_json::to_value(version.map_err(|e| self.error("/version", e))?), "/version")?;
        // Plugins are optional to the audit: an Engine without the plugin API still has /info.
        let plugins = plugins.ok().and_then(|p| serde_json::to_value(p).ok()).unwrap_or(Value::Null);
        let container_images =
            containers.map_err(|e| self.error("/containers/json", e))?.into_iter().filter_map(|c| c.image).collect();
        Ok(DaemonFacts {
            host: self.host.clone(),
            api_version: self.docker.client_version().to_string(),
            info,
            version,
            plugins,
            container_images,
        })
    }

    /// The containers named (names or ids, in any state), or every running one when `wanted` is
    /// empty, in the order asked (running ones by name). A container that goes away while it is
    /// read is left out with a warning.
    ///
    /// # Errors
    /// The list cannot be read, or a named container does not exist.
    pub fn containers(&self, wanted: &[String]) -> Result<(Vec<ContainerFacts>, Vec<String>)> {
        let docker = &self.docker;
        let ids: Vec<String> = if wanted.is_empty() {
            let list = self
                .runtime
                .block_on(docker.list_containers(Some(ListContainersOptions::default())))
                .map_err(|e| self.error("/containers/json", e))?;
            list.into_iter().filter_map(|c| c.id).collect()
        } else {
            wanted.to_vec()
        };
        let named = !wanted.is_empty();
        // With the Engine on this machine the processes come from /proc, else from /top.
        let procs = self.host.starts_with("unix://").then(ProcTable::read);
        let results = self.runtime.block_on(join_all(ids.iter().map(|id| self.container(id, procs.as_ref()))));
        let mut facts = Vec::with_capacity(ids.len());
        let mut warnings = Vec::new();
        for (id, result) in ids.iter().zip(results) {
            match result {
                Ok(f) => facts.push(f),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) if named => {
                    return Err(self.error(&format!("container {id}"), "no such container"));
                }
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                    warnings.push(format!("container {id}: removed while it was read; left out"));
                }
                Err(e) => return Err(self.error(&format!("/containers/{id}/json"), e)),
            }
        }
        if !named {
            facts.sort_by(|a, b| name(&a.inspect).cmp(name(&b.inspect)));
        }
        Ok((facts, warnings))
    }

    /// Stops, pauses or kills the container `id`.
    ///
    /// # Errors
    /// The Engine refuses (no such container, not running, already paused).
    pub fn act(&self, id: &str, action: Action) -> Result<()> {
        let docker = &self.docker;
        let (what, done) = match action {
            Action::Stop => {
                let options = StopContainerOptionsBuilder::new().t(1).build();
                ("stop", self.runtime.block_on(docker.stop_container(id, Some(options))))
            }
            Action::Pause => ("pause", self.runtime.block_on(docker.pause_container(id))),
            Action::Kill => ("kill", self.runtime.block_on(docker.kill_container(id, None::<KillContainerOptions>))),
        };
        done.map_err(|e| self.error(&format!("/containers/{id}/{what}"), e))
    }

    async fn container(
        &self,
        id: &str,
        procs: Option<&ProcTable>,
    ) -> std::result::Result<ContainerFacts, bollard::errors::Error> {
        let inspect = self.docker.inspect_container(id, None::<InspectContainerOptions>).await?;
        let running = inspect.state.as_ref().and_then(|s| s.running).unwrap_or(false);
        let exec_ids = inspect.exec_ids.clone().unwrap_or_default();
        let inspect = serde_json::to_value(inspect).unwrap_or(Value::Null);
        let local = procs.filter(|_| running).and_then(|p| p.top(&inspect));
        let top = async {
            if !running {
                return None;
            }
            if local.is_some() {
                return local;
            }
            let options = TopOptions { ps_args: TOP_ARGS.to_owned() };
            let top = self.docker.top_processes(id, Some(options)).await.ok()?;
            serde_json::to_value(top).ok()
        };
        let execs = join_all(exec_ids.iter().map(|e| self.docker.inspect_exec(e)));
        let (top, execs) = futures_util::join!(top, execs);
        let execs = execs.into_iter().filter_map(|e| e.ok().and_then(|e| serde_json::to_value(e).ok())).collect();
        Ok(ContainerFacts { inspect, top, execs })
    }
}

/// A container's name without the leading `/`.
#[must_use]
pub fn name(inspect: &Value) -> &str {
    let n = inspect.get("Name").and_then(Value::as_str).unwrap_or_default();
    n.strip_prefix('/').unwrap_or(n)
}
