//! The PostgreSQL store and `server --worker`: a throwaway PostgreSQL cluster (Debian's
//! `postgresql`) on a free loopback port, three worker processes, one killed mid-job and the
//! database restarted under them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::scan::db;
use crate::server::app_mixed_sbom;
use crate::support::hullguard;

/// A PostgreSQL cluster in a temporary folder, run by the `postgres` user when the tests run as
/// root (PostgreSQL refuses root); stopped and removed when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl Cluster {
    /// `initdb` and `pg_ctl start` on a free port of 127.0.0.1; `None` (skip) outside CI when
    /// PostgreSQL is not installed.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .max()
        else {
            assert!(std::env::var("CI").is_err(), "PostgreSQL (Debian postgresql) is required in CI but missing");
            eprintln!("skipping: PostgreSQL not installed");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Cluster { dir, bin, port };
        if Cluster::as_root() {
            let out = Command::new("id").args(["-u", "postgres"]).output().unwrap();
            let uid: u32 = String::from_utf8(out.stdout).unwrap().trim().parse().unwrap();
            std::os::unix::fs::chown(cluster.dir.path(), Some(uid), None).unwrap();
        }
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c max_connections=40",
            cluster.port,
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("log").display().to_string();
        cluster.run("pg_ctl", &["-D", &data, "-l", &log, "-o", &options, "-w", "start"]);
        Some(cluster)
    }

    fn as_root() -> bool {
        String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap().trim() == "0"
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs PostgreSQL tool `tool` (as `postgres` when root), expecting success.
    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.command(tool, args).output().unwrap();
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn command(&self, tool: &str, args: &[&str]) -> Command {
        let tool = self.bin.join(tool);
        let mut command = if Self::as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(tool);
            c
        } else {
            Command::new(tool)
        };
        command.args(args).current_dir(self.dir.path()).stdin(Stdio::null());
        command
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Restarts the server (a fast shutdown: open connections are cut); its output goes to the
    /// log, or `pg_ctl`'s pipes would stay open.
    pub fn restart(&self) {
        let log = self.dir.path().join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-l", &log, "-m", "fast", "-w", "restart"]);
    }

    /// The rows of `sql`, one line each, columns split by `|`.
    pub fn query(&self, sql: &str) -> Vec<String> {
        let port = self.port.to_string();
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-AtX",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
    }

    /// The single number `sql` selects.
    pub fn number(&self, sql: &str) -> i64 {
        self.query(sql)[0].parse().unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]).output();
    }
}

/// A `server --worker` process; killed when dropped.
struct Worker(Child);

impl Worker {
    fn start(store: &str, db: &Path, log: &Path) -> Worker {
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new(assert_cmd::cargo::cargo_bin("hullguard"))
            .args(["server", "--worker", "--lease", "3", "--store", store, "--db"])
            .arg(db)
            .env("HULLGUARD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Worker(child)
    }

    fn signal(&self, signal: &str) {
        let pid = self.0.id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits (at most `limit`) until `done` holds.
fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// 200 SBOMs, each app-mixed's without one of its components (so 200 image digests).
fn sboms(dir: &Path) -> Vec<PathBuf> {
    let sbom = app_mixed_sbom();
    let components = sbom["components"].as_array().unwrap();
    assert!(components.len() > 200, "{}", components.len());
    (0..200)
        .map(|i| {
            let mut one: Value = sbom.clone();
            one["components"].as_array_mut().unwrap().remove(i);
            let path = dir.join(format!("sbom-{i:03}.cdx.json"));
            std::fs::write(&path, serde_json::to_vec(&one).unwrap()).unwrap();
            path
        })
        .collect()
}

#[test]
fn three_workers_do_200_jobs_exactly_once_through_a_sigkill_and_a_postgres_restart() {
    let Some(pg) = Cluster::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.url();
    let files = sboms(dir.path());
    let mut args = vec!["server", "job", "add", "--store", &url];
    let names: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    args.extend(&names);
    let out = hullguard(Path::new("."), &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200 jobs queued\n");
    assert_eq!(pg.number("SELECT count(*) FROM jobs WHERE state = 'queued'"), 200);
    assert_eq!(pg.query("SELECT version FROM schema_migrations ORDER BY version"), ["1", "2", "3", "4", "5"]);

    let started = Instant::now();
    let workers: Vec<Worker> =
        (0..3).map(|i| Worker::start(&url, db(), &dir.path().join(format!("worker-{i}.log")))).collect();
    let done = || pg.number("SELECT count(*) FROM jobs WHERE state = 'done'");
    wait_for("20 jobs done", Duration::from_secs(60), || done() >= 20);

    // Freeze worker 0 while it holds a lease, note the job, then kill it.
    let victim = &workers[0];
    let victim_name = format!("%:{}", victim.0.id());
    let held = loop {
        victim.signal("-STOP");
        let held = pg.query(&format!("SELECT id FROM jobs WHERE state = 'leased' AND worker LIKE '{victim_name}'"));
        if let [id] = held.as_slice() {
            break id.clone();
        }
        victim.signal("-CONT");
        std::thread::sleep(Duration::from_millis(20));
    };
    victim.signal("-KILL");
    let killed_at = done();

    wait_for("100 jobs done", Duration::from_secs(60), || done() >= 100.max(killed_at + 20));
    pg.restart();
    wait_for("every job done", Duration::from_secs(90), || {
        pg.number("SELECT count(*) FROM jobs WHERE state IN ('queued', 'leased')") == 0
    });
    let seconds = started.elapsed().as_secs_f64();

    // Every job done once, each with its own scan of its own SBOM; nothing failed, nothing twice.
    assert_eq!(pg.query("SELECT state, count(*) FROM jobs GROUP BY state"), ["done|200"]);
    assert_eq!(pg.number("SELECT count(DISTINCT scan_id) FROM jobs"), 200);
    assert_eq!(pg.number("SELECT count(*) FROM scans"), 200);
    let mut stored = pg.query("SELECT name FROM inventories ORDER BY name");
    let mut queued: Vec<String> = (0..200).map(|i| format!("sbom-{i:03}.cdx.json")).collect();
    stored.sort();
    queued.sort();
    assert_eq!(stored, queued);
    assert_eq!(pg.number("SELECT count(*) FROM events"), 0, "first scans record no events");
    // The killed worker's job went to another worker after its lease ran out.
    let row = pg.query(&format!("SELECT attempts, worker LIKE '{victim_name}' FROM jobs WHERE id = {held}"));
    let (attempts, by_victim) = row[0].split_once('|').unwrap();
    assert!(attempts.parse::<i32>().unwrap() >= 2 && by_victim == "f", "job {held}: {row:?}");
    assert_eq!(pg.number("SELECT count(DISTINCT worker) FROM jobs"), 3);
    let retried = pg.number("SELECT count(*) FROM jobs WHERE attempts > 1");
    eprintln!(
        "200 jobs by 3 workers in {seconds:.1} s; {retried} taken again (the killed worker's, and those the restart cut)"
    );
}
