//! The watch without eBPF (`--source proc`: the proc connector and `/proc` polling) against real
//! debian-base containers: the start message, each rule it can serve, the webhook and the
//! Prometheus counters, and the rules file reloaded on change. The processes acted with live a
//! second (`sleep 1`): the fallback reads `/proc/PID` after the exec, and misses a process gone
//! before that (docs/watch.md).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{Case, Step, alert, perl, root, user};
use hullguard_watch::rules::{self, DEFAULT};
use hullguard_watch::{Options, SourceChoice};
use serde_json::Value;

const WINDOW: Duration = Duration::from_secs(10);

/// The alerts of the default rules raised while `act` runs, and the watch's log.
fn proc_watch(name: &str, flags: &[&str], act: impl FnOnce(&common::Container)) -> Option<common::Watched> {
    common::fallback_ready().then(|| common::watch(SourceChoice::Proc, name, flags, DEFAULT, WINDOW, act))
}

/// The start message of `--source proc` over the default rules.
const DEFAULT_COVERAGE: &str = "\
hullguard watch: proc connector and /proc polling (--source proc); 6 of 16 rules active
  active: Terminal shell in container
  inactive: Read sensitive file
  inactive: Write below binary dir
  inactive: Write below etc
  active: Package management process in container
  active: Outbound connection to mining pool port
  inactive: Docker socket contacted from container
  active: Drift detected (exec of a file not in the image)
  active: Reverse shell
  inactive: User or group id change by non-root process
  active: Setuid binary run by non-root user
  inactive: PTRACE attached to another process
  inactive: Mount in container
  inactive: Namespace change in container
  inactive: Kernel module load from container
  inactive: BPF from container
";

#[test]
fn the_start_message_lists_the_rules_active_without_ebpf() {
    let rules = rules::parse("default rules", DEFAULT).unwrap();
    assert_eq!(hullguard_watch::fallback::coverage(&rules, "--source proc"), DEFAULT_COVERAGE);
}

/// The rules the fallback serves against the action done in a fresh container (steps and
/// expected alerts, with `proc.exe` and `proc.cmdline`), a shadow read it cannot see, and a
/// non-setuid program run by a non-root user.
fn fallback_cases(revshell_port: u16) -> Vec<Case> {
    let shell = "Terminal shell in container";
    let drift = "Drift detected (exec of a file not in the image)";
    let listen = "use IO::Socket::INET; $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1:3333', Listen => 1, \
                  ReuseAddr => 1) or die; $c = $s->accept; sleep 5";
    let connect = "for i in $(seq 50); do exec 3<>/dev/tcp/127.0.0.1/3333 && break; sleep 0.1; done 2>/dev/null; \
                   read -t 1 -u 3; true";
    let connect_cmdline = format!("bash -c {connect}");
    let revshell = common::reverse_shell(revshell_port, "sleep 1; true");
    vec![
        Case {
            name: "proc-shell",
            flags: &[],
            steps: vec![
                root(&["/bin/bash", "-c", "sleep 1; true"]),
                root(&["/bin/sh", "-c", "sleep 1 | /usr/bin/dpkg --set-selections"]),
                root(&["/usr/bin/cat", "/etc/shadow"]), // no open events: not seen
            ],
            alerts: vec![
                alert(
                    shell,
                    &[
                        ("proc.exe", "/usr/bin/bash"),
                        ("proc.cmdline", "bash -c sleep 1; true"),
                        ("proc.origin", "exec"),
                        ("container.image.repository", "debian-base"),
                    ],
                ),
                alert(
                    shell,
                    &[
                        ("proc.exe", "/usr/bin/dash"),
                        ("proc.cmdline", "dash -c sleep 1 | /usr/bin/dpkg --set-selections"),
                    ],
                ),
                alert(
                    "Package management process in container",
                    &[
                        ("proc.exe", "/usr/bin/dpkg"),
                        ("proc.cmdline", "dpkg --set-selections"),
                        ("proc.origin", "container"),
                    ],
                ),
            ],
        },
        Case {
            name: "proc-drift",
            flags: &[],
            steps: vec![
                root(&["/usr/bin/cp", "/usr/bin/sleep", "/usr/bin/x"]),
                root(&["/usr/bin/x", "1"]),
                root(&["/usr/bin/cp", "/usr/bin/sleep", "/tmp/s"]),
                root(&["/usr/bin/chmod", "4755", "/tmp/s"]),
                user(&["/tmp/s", "1"]),
                user(&["/usr/bin/sleep", "1"]), // in the image, not setuid: nothing
            ],
            alerts: vec![
                alert(drift, &[("proc.exe", "/usr/bin/x"), ("proc.cmdline", "x 1")]),
                alert(drift, &[("proc.exe", "/tmp/s"), ("proc.cmdline", "s 1")]),
                alert(
                    "Setuid binary run by non-root user",
                    &[
                        ("proc.exe", "/tmp/s"),
                        ("proc.cmdline", "s 1"),
                        ("evt.arg.mode", "104755"),
                        ("user.uid", "1000"),
                    ],
                ),
            ],
        },
        Case {
            name: "proc-mining",
            flags: &[],
            steps: vec![
                Step::Detached(["/usr/bin/perl", "-e", listen].map(String::from).to_vec()),
                root(&["/bin/bash", "-c", connect]),
            ],
            alerts: vec![
                alert(shell, &[("proc.exe", "/usr/bin/bash"), ("proc.cmdline", &connect_cmdline)]),
                alert(
                    "Outbound connection to mining pool port",
                    &[("proc.exe", "/usr/bin/bash"), ("proc.cmdline", &connect_cmdline), ("fd.name", "127.0.0.1:3333")],
                ),
            ],
        },
        Case {
            name: "proc-revshell",
            flags: &["--network", "host"],
            steps: vec![perl(&revshell)],
            alerts: vec![alert(
                "Reverse shell",
                &[
                    ("proc.exe", "/usr/bin/dash"),
                    ("proc.cmdline", "dash -c sleep 1; true"),
                    ("proc.stdio_socket", "true"),
                ],
            )],
        },
    ]
}

#[test]
fn each_rule_the_fallback_serves_alerts_on_its_action_after_the_start_message() {
    // The loopback listener the reverse shell case connects to.
    let revshell = TcpListener::bind("127.0.0.1:0").expect("a free port");
    for case in fallback_cases(revshell.local_addr().unwrap().port()) {
        let Some(watched) = proc_watch(case.name, case.flags, |c| case.act(c)) else {
            return;
        };
        assert_eq!(watched.log, DEFAULT_COVERAGE, "{}", case.name);
        case.check(&watched.alerts);
    }
}

/// A rule alerting on bash in the container `hg-watch-NAME-PID` only (tests run side by side).
fn bash_rule(rule: &str, name: &str) -> String {
    let container = format!("hg-watch-{name}-{}", std::process::id());
    format!(
        "rules:\n  - rule: {rule}\n    priority: warning\n    \
         condition: evt.type = exec and proc.name = bash and container.name = {container}\n    \
         output: \"bash in %container.name\"\n"
    )
}

/// One HTTP request read from `stream`: its request line and body.
fn read_request(stream: &mut std::net::TcpStream) -> (String, Vec<u8>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (line.trim().to_owned(), body)
}

#[test]
fn webhook_retries_and_prometheus_counts() {
    if !common::fallback_ready() {
        return;
    }
    // The receiver: 503 to the first POST, 200 to the next; at most 3 connections, 30 s.
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alerts", receiver.local_addr().unwrap());
    let received = std::thread::spawn(move || {
        receiver.set_nonblocking(true).unwrap();
        let start = Instant::now();
        let mut requests = Vec::new();
        while requests.len() < 2 && start.elapsed() < Duration::from_secs(30) {
            let Ok((mut stream, _)) = receiver.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            requests.push(read_request(&mut stream));
            let status = if requests.len() == 1 { "503 Service Unavailable" } else { "200 OK" };
            let _ = write!(stream, "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
        requests
    });
    let metrics_addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap(); // a free port
    let options = Options {
        rules: rules::parse("rules.yaml", &bash_rule("Bash", "hook")).unwrap(),
        window: WINDOW,
        source: SourceChoice::Proc,
        webhook: Some(url),
        metrics_addr: Some(metrics_addr),
        ..Options::default()
    };
    let mut scraped = String::new();
    let watched = common::watch_with(options, "hook", &[], |c| {
        c.exec(&["/bin/bash", "-c", "sleep 1; true"]);
        let answer = reqwest::blocking::get(format!("http://{metrics_addr}/metrics")).unwrap();
        assert_eq!(answer.status(), 200);
        scraped = answer.text().unwrap();
    });
    let requests = received.join().unwrap();
    assert_eq!(watched.alerts.len(), 1);
    assert_eq!(requests.len(), 2, "one 503, then the retry");
    for (line, body) in &requests {
        assert_eq!(line, "POST /alerts HTTP/1.1");
        assert_eq!(&serde_json::from_slice::<Value>(body).unwrap(), &watched.alerts[0]);
    }
    let lines: Vec<&str> = scraped.lines().collect();
    assert!(lines.contains(&"hullguard_watch_alerts_total{rule=\"Bash\"} 1"), "{scraped}");
    assert!(lines.iter().any(|l| l.starts_with("hullguard_watch_dropped_total ")), "{scraped}");
    let events: u64 = lines
        .iter()
        .find_map(|l| l.strip_prefix("hullguard_watch_events_total "))
        .and_then(|n| n.parse().ok())
        .expect(&scraped);
    assert!(events >= 2, "bash and its sleep: {events}");
    assert!(!watched.log.contains("not delivered"), "{}", watched.log);
}

#[test]
fn webhook_gives_up_after_three_tries_with_one_line() {
    if !common::fallback_ready() {
        return;
    }
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/alerts", receiver.local_addr().unwrap());
    let answered = std::thread::spawn(move || {
        (0..3)
            .map(|_| {
                let (mut stream, _) = receiver.accept().unwrap();
                read_request(&mut stream);
                let _ = write!(
                    stream,
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            })
            .count()
    });
    let options = Options {
        rules: rules::parse("rules.yaml", &bash_rule("Bash", "hook-down")).unwrap(),
        window: WINDOW,
        source: SourceChoice::Proc,
        webhook: Some(url.clone()),
        ..Options::default()
    };
    let watched = common::watch_with(options, "hook-down", &[], |c| {
        c.exec(&["/bin/bash", "-c", "sleep 1; true"]);
    });
    assert_eq!(answered.join().unwrap(), 3);
    assert_eq!(watched.alerts.len(), 1);
    let failure = format!("webhook {url}: alert \"Bash\" not delivered: HTTP 500 after 3 tries\n");
    assert!(watched.log.ends_with(&failure), "{}", watched.log);
}

#[test]
fn rules_file_is_reloaded_and_a_broken_one_keeps_the_rules() {
    if !common::fallback_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.yaml");
    std::fs::write(&path, bash_rule("First", "reload")).unwrap();
    let options = Options {
        rules: rules::parse("rules.yaml", &bash_rule("First", "reload")).unwrap(),
        rules_file: Some(path.clone()),
        window: Duration::ZERO,
        source: SourceChoice::Proc,
        ..Options::default()
    };
    // Long enough for the watch to look at the file (every 500 ms).
    let settle = || std::thread::sleep(Duration::from_millis(1200));
    let watched = common::watch_with(options, "reload", &[], |c| {
        c.exec(&["/bin/bash", "-c", "sleep 1; true"]);
        std::fs::write(&path, "x: 1\n").unwrap();
        settle();
        c.exec(&["/bin/bash", "-c", "sleep 1; true"]);
        std::fs::write(&path, bash_rule("Second", "reload")).unwrap();
        settle();
        c.exec(&["/bin/bash", "-c", "sleep 1; true"]);
    });
    let names: Vec<&str> = watched.alerts.iter().map(|a| a["rule"].as_str().unwrap()).collect();
    assert_eq!(names, ["First", "First", "Second"]);
    let file = path.display();
    assert_eq!(
        watched.log,
        format!(
            "hullguard watch: proc connector and /proc polling (--source proc); 1 of 1 rules active\n  active: First\n\
             {file}: expected a top-level `rules:` list (the previous rules stay in force)\n\
             {file}: reloaded, 1 rules\n"
        )
    );
}
