//! Which container an event comes from, through the Engine API (the `hullguard-host` client):
//! the container id is the leaf of the process's cgroup (cgroup v1 `…:/docker/<id>`), from the
//! kernel's event or else `/proc/PID/cgroup`; each container is asked for once and cached.

use std::collections::HashMap;
use std::rc::Rc;

use hullguard_host::engine::{self, Engine};
use serde_json::Value;

use crate::events::{Action, Event};
use crate::{Error, Result};

/// What the Engine says about one container, as alerts show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The full id.
    pub id: String,
    /// The name, without the leading `/`.
    pub name: String,
    /// The image as the container was created from it (`debian-base`, `repo:tag`).
    pub image: String,
    /// The argv a healthcheck exec runs (`CMD-SHELL x` runs `/bin/sh -c x`); `None` without one.
    pub healthcheck: Option<Vec<String>>,
    /// The argv of its first process: entrypoint then command.
    pub init: Vec<String>,
    /// Its writable layer (`GraphDriver.Data.UpperDir` of overlay drivers): what the image lacked.
    pub upper_dir: Option<String>,
}

impl Container {
    /// The image's repository: the image without its tag or digest.
    #[must_use]
    pub fn repository(&self) -> &str {
        let image = self.image.split('@').next().unwrap_or_default();
        match image.rfind(':') {
            Some(colon) if !image[colon..].contains('/') => &image[..colon],
            _ => image,
        }
    }

    fn from_inspect(inspect: &Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let config = &inspect["Config"];
        let strings =
            |v: &Value| -> Vec<String> { v.as_array().map(|t| t.iter().map(text).collect()).unwrap_or_default() };
        let test = strings(&config["Healthcheck"]["Test"]);
        let healthcheck = match test.split_first() {
            Some((kind, rest)) if kind == "CMD" => Some(rest.to_vec()),
            Some((kind, rest)) if kind == "CMD-SHELL" => {
                Some(["/bin/sh", "-c"].iter().map(|s| (*s).to_owned()).chain(rest.iter().cloned()).collect())
            }
            _ => None,
        };
        Container {
            id: text(&inspect["Id"]),
            name: engine::name(inspect).to_owned(),
            image: text(&config["Image"]),
            healthcheck,
            init: [strings(&config["Entrypoint"]), strings(&config["Cmd"])].concat(),
            upper_dir: inspect["GraphDriver"]["Data"]["UpperDir"].as_str().map(str::to_owned),
        }
    }
}

/// How a process came to run in its container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Started by `docker exec` (the exec entry that is not the healthcheck).
    Exec,
    /// The container's healthcheck, which the daemon runs as an exec session.
    Healthcheck,
    /// Anything else: the container's own processes and their children.
    Container,
}

/// The command name of runc's process that enters a container and execs its first command
/// (the container's init or an exec session's).
pub const RUNC_INIT: &str = "runc:[2:INIT]";

/// How the process of an exec event came to run: runc's init execs the container's first process
/// (its argv is entrypoint + command) and the first process of each exec session, the
/// healthcheck's when its argv is the healthcheck's.
#[must_use]
pub fn origin(container: &Container, event: &Event) -> Origin {
    match &event.action {
        Action::Exec { argv, .. } if event.comm == RUNC_INIT => {
            if container.healthcheck.as_ref() == Some(argv) {
                Origin::Healthcheck
            } else if container.init == *argv {
                Origin::Container
            } else {
                Origin::Exec
            }
        }
        _ => Origin::Container,
    }
}

/// The container id in the text of `/proc/PID/cgroup` (cgroup v1: `N:cpu,cpuacct:/docker/<id>`).
#[must_use]
pub fn id_in_cgroup(text: &str) -> Option<&str> {
    text.lines().find_map(|line| {
        let path = line.splitn(3, ':').nth(2)?;
        let id = path.strip_prefix("/docker/")?;
        (id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
    })
}

/// The Engine and what it said about each container asked for (`None`: not a container it knows).
pub struct Containers {
    engine: Engine,
    cache: HashMap<String, Option<Rc<Container>>>,
}

impl Containers {
    /// Connects to the Engine `DOCKER_HOST` names.
    ///
    /// # Errors
    /// The Engine does not answer.
    pub fn connect() -> Result<Self> {
        let engine = Engine::connect().map_err(|e| Error::Engine(e.to_string()))?;
        Ok(Containers { engine, cache: HashMap::new() })
    }

    /// The container the event's process runs in, if the Engine knows it.
    pub fn of(&mut self, event: &Event) -> Option<Rc<Container>> {
        let id = if id_in_cgroup(&format!("0:cpu:/docker/{}", event.cgroup)).is_some() {
            event.cgroup.clone()
        } else {
            let text = std::fs::read_to_string(format!("/proc/{}/cgroup", event.pid)).ok()?;
            id_in_cgroup(&text)?.to_owned()
        };
        if let Some(known) = self.cache.get(&id) {
            return known.clone();
        }
        let found = match self.engine.containers(std::slice::from_ref(&id)) {
            Ok((facts, _)) => facts.first().map(|f| Rc::new(Container::from_inspect(&f.inspect))),
            Err(_) => None,
        };
        self.cache.insert(id, found.clone());
        found
    }

    /// Stops, pauses or kills the container `id` through the Engine.
    ///
    /// # Errors
    /// The Engine refuses.
    pub fn act(&self, id: &str, action: engine::Action) -> Result<()> {
        self.engine.act(id, action).map_err(|e| Error::Engine(e.to_string()))
    }

    /// How many containers were asked for (the cache's size).
    #[must_use]
    pub fn asked(&self) -> usize {
        self.cache.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_from_the_docker_cgroup_line() {
        let id = "1d3343496f7244b84146341ed93109b9032a5fa64bdd51e1c62371005760bf69";
        let text = format!("12:pids:/docker/{id}\n4:cpu,cpuacct:/docker/{id}\n1:name=systemd:/docker/{id}\n");
        assert_eq!(id_in_cgroup(&text), Some(id));
        assert_eq!(id_in_cgroup("12:pids:/user.slice\n0::/init.scope\n"), None);
        assert_eq!(id_in_cgroup("4:cpu:/docker/abc\n"), None);
    }

    #[test]
    fn repository_drops_tag_and_digest_but_not_a_registry_port() {
        let image = |i: &str| Container {
            id: String::new(),
            name: String::new(),
            image: i.into(),
            healthcheck: None,
            init: vec![],
            upper_dir: None,
        };
        assert_eq!(image("debian-base").repository(), "debian-base");
        assert_eq!(image("debian-base:latest").repository(), "debian-base");
        assert_eq!(image("127.0.0.1:5000/app@sha256:ab").repository(), "127.0.0.1:5000/app");
        assert_eq!(image("127.0.0.1:5000/app").repository(), "127.0.0.1:5000/app");
    }
}
