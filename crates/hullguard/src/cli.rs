//! Command-line interface: flags are parsed and validated here once; library crates never see them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use hullguard_image::source::registry::{Credentials, RegistryOptions, RegistrySpec};
use hullguard_image::{Limits, Platform, SourceSpec};

use crate::commands;

/// hullguard: one fast binary that secures containers across their whole life.
#[derive(Parser)]
#[command(name = "hullguard", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bar, no informational messages.
    #[arg(short, long, global = true)]
    quiet: bool,
}

/// `hullguard watch`.
#[derive(Args)]
pub struct WatchArgs {
    /// A rules file (docs/watch.md); the built-in default rules without it.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<std::path::PathBuf>,
    /// Repeats of one alert (rule, container, process image, target) within this many seconds are counted
    /// in the next one, not written.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub window: u64,
    /// Stop after this many seconds (default: until interrupted).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
    /// Where events come from: eBPF, or the proc connector and /proc polling (exec and TCP
    /// connect only); `auto` falls back to `proc` when eBPF cannot load.
    #[arg(long, value_enum, default_value_t = WatchSource::Auto)]
    pub source: WatchSource,
    /// Also POST each alert (its JSON) to this URL, up to 3 tries each.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
    /// Also record each alert in the event store of the hullguard server at URL
    /// (`POST /api/v1/events`, up to 3 tries each).
    #[arg(long, value_name = "URL", requires = "token")]
    pub server: Option<String>,
    /// The server's API token (scope scan).
    #[arg(long, value_name = "TOKEN", env = "HULLGUARD_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Serve Prometheus counters (events, alerts per rule, drops) on http://ADDR/metrics.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,
}

/// `hullguard watch --source`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum WatchSource {
    /// eBPF, else proc.
    Auto,
    /// eBPF tracepoints only.
    Ebpf,
    /// The proc connector and /proc polling only.
    Proc,
}

#[derive(Subcommand)]
enum Command {
    /// Watch running containers (eBPF, root): alerts of the rules as Falco-shaped JSON lines.
    Watch(WatchArgs),
    /// Scan an image for known vulnerabilities in its OS and language packages.
    Image(ImageScanArgs),
    /// Build, update or describe the vulnerability database.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Show an image's config, history and layers, or its files.
    Inspect(InspectArgs),
    /// Lint Dockerfiles/Containerfiles, Kubernetes manifests and compose files found under PATH (files or directories).
    Config(ConfigCommandArgs),
    /// Check Kubernetes manifests (YAML/JSON files, directories, or `-` for stdin).
    K8s(commands::manifest::K8sArgs),
    /// Check compose files (compose.yaml, docker-compose*.yml, or `-` for stdin).
    Compose(commands::manifest::ComposeArgs),
    /// Lint one Dockerfile of any name.
    Dockerfile(DockerfileArgs),
    /// Custom Rego policies: run their tests, evaluate a query.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// The check registry.
    Checks {
        #[command(subcommand)]
        action: ChecksAction,
    },
    /// Scan the dependencies the lockfiles of a source tree pin (--list-packages: list them).
    Fs(FsArgs),
    /// Scan the packages of a CycloneDX or SPDX JSON SBOM, ours or another tool's (--list-packages: list them).
    Sbom(SbomArgs),
    /// List the OS and the packages installed in an image (dpkg, Python, npm, Cargo.lock so far).
    Inventory(InventoryArgs),
    /// Audit the Docker daemon and its host: CIS Docker Benchmark §1–3, 7, 8 (Engine API and host files).
    Host(HostArgs),
    /// Audit containers in the Docker Engine (CIS Docker §5–6): every running one, or those named.
    Containers(ContainersArgs),
    /// Compliance report of a spec (CIS Docker, CIS Kubernetes, NSA/CISA, PSS restricted; SOC 2 and
    /// HIPAA as evidence mappings) over images, Dockerfiles, manifests, the host and containers.
    Compliance(commands::compliance::ComplianceArgs),
    /// Compare two scans: each a saved `--format json` report, an SBOM, or an image (scanned now).
    Diff(DiffArgs),
    /// Why a package is in an image: the dependency chains to it, the layer and instruction that
    /// added it, and what depends on it.
    Why(WhyArgs),
    /// Run the API server (results store, continuous re-scan, metrics), or manage its tokens.
    Server(ServerArgs),
    /// The Kubernetes admission webhook (served by `server --admission`).
    Admission {
        #[command(subcommand)]
        action: AdmissionAction,
    },
    /// Seccomp profiles.
    Seccomp {
        #[command(subcommand)]
        action: SeccompAction,
    },
    /// Signing keys (cosign's format).
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Sign an image in a registry with a key, as cosign does (legacy `.sig` tag).
    Sign(SignArgs),
    /// Verify an image's signatures (cosign legacy and Sigstore bundle v0.3) with keys or a trust policy.
    Verify(VerifyArgs),
    /// Whole registries.
    Registry {
        #[command(subcommand)]
        action: RegistryAction,
    },
}

#[derive(Subcommand)]
enum AdmissionAction {
    /// Print what installs the webhook: webhook configurations, Deployment, Service, policy
    /// ConfigMap, data claim and the cert-manager serving certificate (YAML).
    Manifests {
        /// The namespace it runs in.
        #[arg(long, default_value = "hullguard")]
        namespace: String,
        /// The Service's name (and every object's).
        #[arg(long, default_value = "hullguard-webhook")]
        service: String,
        /// The hullguard image.
        #[arg(long, default_value = concat!("ghcr.io/hullguard/hullguard:", env!("CARGO_PKG_VERSION")))]
        image: String,
        /// Seconds the API server waits for an answer (1 to 30).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=30))]
        timeout: u32,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Write a new ECDSA P-256 key pair: PREFIX.key (encrypted as cosign does; password from
    /// $HULLGUARD_PASSWORD, $COSIGN_PASSWORD or stdin) and PREFIX.pub.
    Generate {
        /// File name prefix of the pair.
        #[arg(long, value_name = "PREFIX", default_value = "cosign")]
        output_key_prefix: String,
    },
}

/// Arguments of `sign`.
#[derive(Args)]
struct SignArgs {
    /// The image: [registry:]HOST/REPO[:TAG|@DIGEST].
    #[arg(value_name = "IMAGE")]
    image: String,
    /// The private key (cosign.key; password from $HULLGUARD_PASSWORD, $COSIGN_PASSWORD or stdin).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Annotation signed with the digest (legacy: the payload's `optional`; bundle: the in-toto
    /// subject's annotations); repeatable.
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// How the signature is stored: a Sigstore bundle v0.3 as an OCI 1.1 referrer (cosign 3's
    /// default), or the `sha256-<hex>.sig` tag (cosign 2's).
    #[arg(long, value_enum, default_value_t = commands::trust::SignFormat::Bundle)]
    format: commands::trust::SignFormat,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Arguments of `verify`.
#[derive(Args)]
struct VerifyArgs {
    /// The image: [registry:]HOST/REPO[:TAG|@DIGEST] (not with --payload or --bundle).
    #[arg(value_name = "IMAGE", required_unless_present_any = ["payload", "bundle"])]
    image: Option<String>,
    /// A public key (cosign.pub); repeatable: each verified signature names its key.
    #[arg(long, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// A trust policy: the keys it requires, and its other rules (exit 1 on any violation).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Require this annotation in the signed payload; repeatable.
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Offline: a simple-signing payload file (with --signature), no registry.
    #[arg(long, value_name = "FILE", requires = "signature", conflicts_with_all = ["image", "bundle"])]
    payload: Option<PathBuf>,
    /// Offline: the signature of --payload (base64 or DER).
    #[arg(long, value_name = "FILE", requires = "payload")]
    signature: Option<PathBuf>,
    /// Offline: a Sigstore bundle file, no registry.
    #[arg(long, value_name = "FILE", conflicts_with = "image")]
    bundle: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Subcommand)]
enum RegistryAction {
    /// Scan every image of a registry (or of the repositories below HOST/PREFIX).
    Scan(commands::registry::RegistryScanArgs),
}

/// Arguments of `diff`.
#[derive(Args)]
pub struct DiffArgs {
    /// The earlier side: report:FILE, sbom:FILE, a JSON file (a hullguard report or an SBOM,
    /// told apart by content), or an image source as `image` takes it.
    #[arg(value_name = "BEFORE")]
    pub before: String,
    /// The later side, of the same forms.
    #[arg(value_name = "AFTER")]
    pub after: String,
    /// Scanners run on a side that is scanned now (an SBOM gets vuln only).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "vuln")]
    pub scanners: Vec<Scanner>,
    /// The vulnerability database for sides scanned now (default: $HULLGUARD_DB, else ~/.cache/hullguard/db/hullguard.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Analyse every layer, reading and writing no cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Output format (sarif: only the findings AFTER added).
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Write the diff to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail (exit 1, or --exit-code) when AFTER added a finding of at least this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<hullguard_report::Severity>,
    /// Exit code of a failed gate; alone (without --fail-on), fail when AFTER added any finding.
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    /// Counts, then the added and removed findings and packages.
    Table,
    /// The whole diff (docs/diff.md).
    Json,
    /// SARIF 2.1.0 of the added findings only.
    Sarif,
    /// Markdown for a pull-request comment.
    Markdown,
}

/// Output, ignore file and gate of the audit commands (`host`, `containers`, `seccomp audit`).
#[derive(Args)]
pub struct AuditArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Order findings by the benchmark's recommendation numbers (cis-docker) instead of by severity.
    #[arg(long, value_enum, value_name = "BENCHMARK")]
    pub compliance: Option<Compliance>,
    /// Ignore file: entries name check ids (HG-CTR-005), concept keys (ctr-privileged), with
    /// `path` a glob on the container name or host path; default: .hullguardignore, else
    /// .trivyignore, in the working directory.
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// Show only findings of these severities (comma-separated, e.g. HIGH,CRITICAL).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub severity: Vec<hullguard_report::Severity>,
    /// Fail (exit 1, or --exit-code) when a `warn` finding of at least this severity remains
    /// after the ignore file, whether --severity shows it or not (`manual` findings never fail).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<hullguard_report::Severity>,
    /// Exit code of a failed gate; alone (without --fail-on), fail when any `warn` finding is shown.
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,
}

/// Output formats of the audit commands.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum AuditFormat {
    /// Human-readable text, with the compliance summary.
    Table,
    /// Stable JSON: findings, outcomes of every check, compliance summary.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// A self-contained HTML page.
    Html,
}

/// Benchmarks `--compliance` orders by.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Compliance {
    /// CIS Docker Benchmark (docker-bench-security's numbering).
    CisDocker,
}

/// Arguments of `host`.
#[derive(Args)]
pub struct HostArgs {
    /// The host's root filesystem: daemon.json, unit files, sockets, audit rules and mounts are
    /// read below it (symlinks are resolved inside it, never out of it).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,
    /// Leave out the Engine API: audit the host files alone.
    #[arg(long)]
    pub no_engine: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub policy: commands::policy::PolicyArgs,
}

/// Arguments of `containers`.
#[derive(Args)]
pub struct ContainersArgs {
    /// Containers to audit (names or ids, in any state); default: every running container.
    #[arg(value_name = "NAME|ID")]
    pub containers: Vec<String>,
    /// Also scan the image each container runs: vuln (once per image id, from the local Engine).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub scanners: Vec<ContainerScanner>,
    /// With --scanners vuln: the vulnerability database (default: $HULLGUARD_DB, else ~/.cache/hullguard/db/hullguard.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub policy: commands::policy::PolicyArgs,
}

/// The scanners `containers --scanners` adds to the audit.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ContainerScanner {
    /// Known vulnerabilities of the images the containers run.
    Vuln,
}

#[derive(Subcommand)]
enum SeccompAction {
    /// Audit a seccomp profile (Docker/OCI JSON) against what Docker's default profile denies.
    Audit {
        /// The profile.
        #[arg(value_name = "PROFILE.json")]
        profile: PathBuf,
        #[command(flatten)]
        audit: AuditArgs,
    },
    /// Record the syscalls a running container makes (eBPF, root), or (`-- docker run …`) a
    /// container from its start, into a profile allowing exactly those (plus what runc needs to
    /// start it), every other syscall failing with EPERM.
    Record(SeccompRecordArgs),
}

/// Arguments of `seccomp record`.
#[derive(Args)]
pub struct SeccompRecordArgs {
    /// The running container (id or name).
    #[arg(required_unless_present = "docker_run", conflicts_with = "docker_run")]
    pub container: Option<String>,
    /// `docker run [ARGS…]`, run with the recorder attached: its container is recorded from its
    /// first process until it stops.
    #[arg(last = true, value_name = "DOCKER RUN")]
    pub docker_run: Vec<String>,
    /// How long to record: seconds, or a number with `s`, `m` or `h` (a running container: 60s
    /// by default; `-- docker run`: until the container stops by default).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Write the profile to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `90`, `90s`, `2m`, `1h`: a whole number of seconds, minutes or hours, above zero.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = match s.strip_suffix(['s', 'm', 'h']) {
        Some(number) => (number, &s[number.len()..]),
        None => (s, "s"),
    };
    let n: u64 =
        number.parse().ok().filter(|&n| n > 0).ok_or_else(|| format!("{s:?} is not a duration like 60s or 5m"))?;
    let seconds = match unit {
        "h" => n.saturating_mul(3600),
        "m" => n.saturating_mul(60),
        _ => n,
    };
    Ok(std::time::Duration::from_secs(seconds))
}

/// The interval of `--update every DURATION`.
fn schedule(words: &[String]) -> anyhow::Result<Option<std::time::Duration>> {
    if words.is_empty() {
        return Ok(None);
    }
    let joined = words.join(" ");
    let mut parts = joined.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some("every"), Some(every), None) => parse_duration(every).map(Some).map_err(anyhow::Error::msg),
        _ => Err(anyhow::anyhow!("--update takes `every DURATION` (e.g. every 6h), not {joined:?}")),
    }
}

/// Arguments of `config`: the Dockerfile linter's, and the manifests' own.
#[derive(Args)]
struct ConfigCommandArgs {
    #[command(flatten)]
    lint: hullguard_lint::ConfigArgs,
    /// Honour no `hullguard.dev/ignore` annotation in Kubernetes manifests (central policy).
    #[arg(long)]
    no_inline_ignores: bool,
    #[command(flatten)]
    policy: commands::policy::PolicyArgs,
}

/// Arguments of `dockerfile`: the linter's, and custom policies.
#[derive(Args)]
struct DockerfileArgs {
    #[command(flatten)]
    lint: hullguard_lint::ConfigArgs,
    #[command(flatten)]
    policy: commands::policy::PolicyArgs,
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Run the `test_*` rules of the policies as `opa test` does: PASS/FAIL per test, exit 1
    /// when one fails (or none is found).
    Test {
        /// Policy directories or files (`*.rego`).
        #[arg(value_name = "DIR", required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Evaluate a Rego query over an input document (JSON or YAML) and print its results as JSON.
    Eval {
        /// The input document.
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
        /// The query, e.g. `data.main.deny`.
        #[arg(value_name = "QUERY")]
        query: String,
        #[command(flatten)]
        policy: commands::policy::PolicyArgs,
    },
}

/// Output formats of `inspect`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Human-readable text.
    Table,
    /// Stable JSON.
    Json,
}

/// Where the image comes from and how to read it (shared by every image command).
#[derive(Args)]
pub struct ImageArgs {
    /// Image: oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REPO:TAG],
    /// docker:NAME|ID, dir:PATH, registry:[HOST/]REPO[:TAG|@DIGEST], a path written as one (/…,
    /// ./…, ../…; format detected), a reference with a registry host (localhost:5000/app:1,
    /// ghcr.io/o/r) pulled from it, or any other name: an image in the local Docker Engine.
    #[arg(value_name = "SOURCE", required_unless_present = "input")]
    source: Option<String>,
    /// Read the image from an archive or directory, detecting its format by content.
    #[arg(long, value_name = "FILE", conflicts_with = "source")]
    input: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (os/arch[/variant]); default: this host's.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<String>,
    /// Refuse layers that expand more than this many times (decompression bombs).
    #[arg(long, value_name = "RATIO", default_value_t = Limits::default().max_expansion_ratio)]
    max_expansion_ratio: u64,
    /// Refuse images whose layers add up to more than this many uncompressed bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_image_bytes)]
    max_image_size: u64,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// How to reach a registry (every command that talks to one).
#[derive(Args)]
pub struct RegistryArgs {
    /// Registry user name (with --password-stdin); default: the Docker config's `auths`.
    #[arg(long, value_name = "USER", requires = "password_stdin")]
    username: Option<String>,
    /// Read the registry password from stdin (with --username).
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Talk plain HTTP to the registry; only for a registry on this machine (localhost, 127.0.0.0/8, ::1).
    #[arg(long)]
    insecure: bool,
    /// Trust the PEM certificates of FILE (a private CA) besides the system roots, for the registry.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
}

impl RegistryArgs {
    /// Whether any registry option is given.
    fn any(&self) -> bool {
        self.insecure || self.username.is_some() || self.ca_file.is_some()
    }

    /// The transport and credentials the options ask for (reads the password from stdin).
    pub fn options(&self) -> Result<RegistryOptions> {
        let credentials = match &self.username {
            Some(username) => Some(Credentials { username: username.clone(), password: read_password_stdin()? }),
            None => None,
        };
        Ok(RegistryOptions { credentials, insecure: self.insecure, ca_file: self.ca_file.clone() })
    }

    /// `reference` (a registry image) with these options.
    pub fn spec(&self, reference: &str) -> Result<RegistrySpec> {
        let mut spec = RegistrySpec::parse(reference.strip_prefix("registry:").unwrap_or(reference))?;
        spec.options = self.options()?;
        Ok(spec)
    }
}

/// A validated image request.
pub struct ImageRequest {
    /// What to open.
    pub spec: SourceSpec,
    /// Wanted platform.
    pub platform: Option<Platform>,
    /// Caps.
    pub limits: Limits,
}

impl ImageArgs {
    fn request(&self) -> Result<ImageRequest> {
        let mut spec = match (&self.source, &self.input) {
            (_, Some(path)) => SourceSpec::Detect(path.clone(), None),
            (Some(s), None) => SourceSpec::parse(s)?,
            (None, None) => bail!("no image given"),
        };
        match &mut spec {
            SourceSpec::Registry(registry) => registry.options = self.registry.options()?,
            _ if self.registry.any() => {
                bail!("--insecure, --ca-file, --username and --password-stdin apply only to registry images")
            }
            _ => {}
        }
        let platform = self.platform.as_deref().map(Platform::parse).transpose()?;
        if self.max_expansion_ratio == 0 {
            bail!("--max-expansion-ratio must be at least 1");
        }
        let limits = Limits {
            max_expansion_ratio: self.max_expansion_ratio,
            max_image_bytes: self.max_image_size,
            ..Limits::default()
        };
        Ok(ImageRequest { spec, platform, limits })
    }
}

/// The password piped to stdin, without its line end; refused when empty.
fn read_password_stdin() -> Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::io::stdin().take(64 << 10).read_to_string(&mut text)?;
    let password = text.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("--password-stdin: no password on stdin");
    }
    Ok(password)
}

/// Where a report goes.
#[derive(Args)]
struct OutputArg {
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct InspectArgs {
    #[command(flatten)]
    image: ImageArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    output: OutputArg,
    /// List files: the merged final filesystem, or one layer's entries with --layer.
    #[arg(long)]
    files: bool,
    /// With --files: list this layer's entries (whiteouts included) instead of the merged view.
    #[arg(long, value_name = "N", requires = "files")]
    layer: Option<usize>,
}

#[derive(Args)]
struct InventoryArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = InventoryFormat::Table)]
    format: InventoryFormat,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Args)]
struct WhyArgs {
    /// Package name, as the inventory spells it.
    package: String,
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Subcommand)]
enum ChecksAction {
    /// List every check with its id, concept, severity and peer ids.
    List {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Args)]
struct FsArgs {
    /// The source tree.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// List the packages (table, json, cyclonedx, spdx-json) instead of scanning them.
    #[arg(long)]
    list_packages: bool,
    /// Scanners to run: vuln (lockfiles), misconfig (the Dockerfiles of the tree), secret (every file).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "vuln")]
    scanners: Vec<Scanner>,
    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(Args)]
struct SbomArgs {
    /// The SBOM file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// List the packages (table, json, cyclonedx, spdx-json) instead of scanning them.
    #[arg(long)]
    list_packages: bool,
    /// Refuse SBOM files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = hullguard_inventory::sbom::MAX_SBOM_BYTES)]
    max_sbom_size: u64,
    #[command(flatten)]
    scan: ScanArgs,
}

/// The layer cache flags of the commands that read images.
#[derive(Args)]
pub struct CacheArgs {
    /// Layer cache directory (default: $XDG_CACHE_HOME/hullguard/layers or ~/.cache/hullguard/layers).
    #[arg(long, value_name = "DIR", env = "HULLGUARD_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Analyse every layer, reading and writing no cache.
    #[arg(long, conflicts_with = "cache_dir")]
    no_cache: bool,
}

impl CacheArgs {
    /// The layer cache directory to use: none with --no-cache, else --cache-dir or the default.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache { None } else { self.cache_dir.clone().or_else(hullguard_scan::DirCache::default_dir) }
    }
}

#[derive(Args)]
struct ImageScanArgs {
    #[command(flatten)]
    image: ImageArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// Scanners to run: vuln, misconfig (image config, history and files), secret (every layer).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "vuln")]
    scanners: Vec<Scanner>,
    /// Client mode: read the image here, have the hullguard server at URL match its inventory
    /// (layers never leave this host; --db is not used).
    #[arg(long, value_name = "URL", requires = "token")]
    server: Option<String>,
    /// The server's API token (scope scan).
    #[arg(long, value_name = "TOKEN", env = "HULLGUARD_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Evaluate this trust policy too: each violation is a `policy` finding (registry images
    /// are looked up for their signatures when the policy requires some).
    #[arg(long, value_name = "FILE")]
    trust_policy: Option<PathBuf>,
    #[command(flatten)]
    scan: ScanArgs,
}

#[derive(Subcommand)]
enum ServerAction {
    /// Create an API token in the store; its secret is printed once.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Scan jobs for `server --worker` processes (PostgreSQL store).
    Job {
        #[command(subcommand)]
        action: JobAction,
    },
}

#[derive(Subcommand)]
enum JobAction {
    /// Queue a scan job of each SBOM (CycloneDX or SPDX JSON); prints how many were queued.
    Add {
        /// The store: a postgres:// URL.
        #[arg(long, value_name = "postgres://…")]
        store: PathBuf,
        /// The SBOM files.
        #[arg(required = true, value_name = "SBOM.json")]
        sboms: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a token.
    Create {
        /// The store file.
        #[arg(long, value_name = "FILE.sqlite")]
        store: PathBuf,
        /// What it may do: read, scan (and read) or admin (everything).
        #[arg(long, value_parser = parse_scope)]
        scope: hullguard_server::auth::Scope,
        /// Who uses it.
        #[arg(long, default_value = "default")]
        name: String,
    },
}

fn parse_scope(s: &str) -> Result<hullguard_server::auth::Scope, String> {
    s.parse()
}

/// Arguments of `server`.
#[derive(Args)]
#[command(subcommand_negates_reqs = true)]
struct ServerArgs {
    #[command(subcommand)]
    action: Option<ServerAction>,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The results store: a SQLite file (created when missing) or a postgres:// URL.
    #[arg(long, value_name = "FILE.sqlite|postgres://…", required = true)]
    store: Option<PathBuf>,
    /// Take scan jobs from the (PostgreSQL) store instead of serving the API.
    #[arg(long)]
    worker: bool,
    /// Seconds a worker's job lease lasts without a heartbeat; a dead worker's job is taken again after it.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    lease: u64,
    /// The vulnerability database; a new file there is picked up and every stored inventory re-matched.
    #[arg(long, value_name = "VULN.db", required = true)]
    db: Option<PathBuf>,
    /// How often to check the database file for a change, in seconds (0: only on POST /api/v1/db).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    db_poll: u64,
    /// A loopback registry (`host:port`) that image submissions reach over plain HTTP; repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    plain_http_registry: Vec<String>,
    /// Run `db update` on a schedule (`--update every 6h`): the feeds are fetched into the `feeds`
    /// folder beside --db, the database rebuilt when they changed, and the new file taken (it is
    /// polled every --db-poll seconds); a failed update keeps the database it had.
    #[arg(long, value_name = "every DURATION", num_args = 1..=2)]
    update: Vec<String>,
    /// The feed mirror of the scheduled update (BASE_URL/<mirror path>, as `db update --mirror`); default: the production feeds.
    #[arg(long, value_name = "BASE_URL", requires = "update")]
    update_mirror: Option<String>,
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = hullguard_server::Limits::default().max_body_bytes)]
    max_body_size: usize,
    /// Seconds before a request is answered 408.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    request_timeout: u64,
    /// Requests per minute and token.
    #[arg(long, value_name = "N", default_value_t = hullguard_server::Limits::default().requests_per_minute)]
    rate_limit: u32,
    /// Attempts to deliver an event to a webhook before it is kept as a dead letter.
    #[arg(long, value_name = "N", default_value_t = hullguard_server::webhook::Retry::default().attempts)]
    webhook_attempts: u32,
    /// Milliseconds to wait after a webhook's first failed attempt; the wait doubles after each further one (at most 5 minutes).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    webhook_backoff: u64,
    /// Serve the Kubernetes admission webhook (POST /validate) under this admission policy, re-read
    /// when it changes; everything is then served over TLS.
    #[arg(long, value_name = "POLICY.yaml", requires_all = ["tls_cert", "tls_key"])]
    admission: Option<PathBuf>,
    /// The PEM certificate chain of the TLS listener (with --admission).
    #[arg(long, value_name = "FILE.pem", requires = "admission")]
    tls_cert: Option<PathBuf>,
    /// Its PEM private key.
    #[arg(long, value_name = "FILE.pem", requires = "admission")]
    tls_key: Option<PathBuf>,
}

/// The scanners of `image`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Scanner {
    /// Known vulnerabilities of the installed packages.
    Vuln,
    /// Image config, history and file checks (CIS Docker §4, Dockle).
    Misconfig,
    /// Secrets in every file of every layer, deleted ones included.
    Secret,
}

/// Options of every vulnerability scan: database, report and CI gate.
#[derive(Args)]
pub struct ScanArgs {
    /// The vulnerability database (default: $HULLGUARD_DB, else ~/.cache/hullguard/db/hullguard.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    /// With --format template: a minijinja template file, or @html for the shipped HTML report.
    #[arg(long, value_name = "FILE|@html")]
    pub template: Option<String>,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show only findings of these severities (comma-separated, e.g. HIGH,CRITICAL).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub severity: Vec<hullguard_report::Severity>,
    /// Fail (exit 1, or --exit-code) when a finding of at least this severity remains after the
    /// ignore file and VEX, whether --severity shows it or not.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<hullguard_report::Severity>,
    /// Exit code of a failed gate; alone (without --fail-on), fail when any finding is shown, as
    /// Trivy's --exit-code does.
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,
    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Keep only vulnerabilities in CISA's Known Exploited Vulnerabilities catalog.
    #[arg(long)]
    pub kev_only: bool,
    /// Ignore file: YAML (`vulnerabilities:` with id, package, path, expires, reason) or one id
    /// per line; default: .hullguardignore, else .trivyignore, in the working directory.
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// OpenVEX or CycloneDX VEX document; `not_affected` statements suppress findings. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Accept an incomplete scan (something that decides findings could not be read: listed in
    /// the report) instead of failing with exit 2.
    #[arg(long)]
    pub allow_incomplete: bool,
    /// The stage scanned for (dev, test, prod, or one of --stages): its gate applies on top of
    /// --fail-on (built in: test fails on what the baseline ignored and is still present; prod
    /// also on KEV-listed vulnerabilities and CRITICAL/HIGH ones with a fix).
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// The stages file (TOML, docs/diff.md); default: hullguard-stages.toml in the working
    /// directory when present, else the built-in stages.
    #[arg(long, value_name = "FILE", requires = "stage")]
    pub stages: Option<PathBuf>,
    /// The JSON report of the stage before: every finding it ignored (ignore file, VEX,
    /// --ignore-unfixed) that is still present is listed as carried over.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Reachability of Go findings from the binaries' functions: off, report (each Go finding
    /// carries its verdict) or gate (also, the gate ignores `not_affected` findings).
    #[arg(long, value_enum, default_value_t = Reachability::Report)]
    pub reachability: Reachability,
    #[command(flatten)]
    pub policy: commands::policy::PolicyArgs,
}

/// `--reachability`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Reachability {
    /// Functions not read; no verdicts.
    Off,
    /// Verdicts in the report; every finding counts for the gate.
    Report,
    /// Verdicts in the report; `not_affected` findings do not count for the gate.
    Gate,
}

impl From<Reachability> for hullguard_scan::ReachabilityMode {
    fn from(mode: Reachability) -> Self {
        match mode {
            Reachability::Off => Self::Off,
            Reachability::Report => Self::Report,
            Reachability::Gate => Self::Gate,
        }
    }
}

/// Output formats of the vulnerability scans.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ScanFormat {
    /// Human-readable text, grouped by ecosystem.
    Table,
    /// The stable JSON report (schema_version 1, docs/report.schema.json).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// CycloneDX 1.6 JSON: the SBOM with its vulnerabilities.
    Cyclonedx,
    /// SPDX 2.3 JSON: the SBOM (SPDX has no place for vulnerabilities).
    SpdxJson,
    /// A minijinja template (--template FILE, or @html).
    Template,
    /// JUnit XML (Jenkins, Azure DevOps): a failing testcase per finding.
    Junit,
    /// GitLab's container-scanning report (security report schema 15).
    Gitlab,
    /// OpenVEX 0.2.0 JSON: a statement per vulnerability finding (reachability verdicts).
    Openvex,
}

impl ScanFormat {
    /// The inventory format for `--list-packages` (and the SBOM formats), if any.
    pub fn inventory_format(self) -> Option<InventoryFormat> {
        match self {
            ScanFormat::Table => Some(InventoryFormat::Table),
            ScanFormat::Json => Some(InventoryFormat::Json),
            ScanFormat::Cyclonedx => Some(InventoryFormat::Cyclonedx),
            ScanFormat::SpdxJson => Some(InventoryFormat::SpdxJson),
            ScanFormat::Sarif | ScanFormat::Template | ScanFormat::Junit | ScanFormat::Gitlab | ScanFormat::Openvex => {
                None
            }
        }
    }
}

#[derive(Subcommand)]
enum DbAction {
    /// Build a database from feeds on disk (OSV zips or folders, or a folder laid out like shared/vulndata).
    Build {
        /// Feed files or folders; repeatable.
        #[arg(long = "source", value_name = "PATH", required = true)]
        sources: Vec<PathBuf>,
        /// Where to write the database (default: the default database location).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
    /// Fetch the production feeds into <db dir>/feeds (only what changed) and rebuild the database from them.
    Update(UpdateArgs),
    /// Show what a database holds: build date, feeds, counts, licences.
    Info {
        /// The database (default: the default database location).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        format: Format,
        #[command(flatten)]
        output: OutputArg,
    },
}

/// Options of `db update`.
#[derive(Args)]
pub struct UpdateArgs {
    /// The database to update (default: the default database location).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Fetch every feed from BASE_URL/<mirror path> (e.g. BASE_URL/osv/PyPI.zip) instead of the production URLs.
    #[arg(long, value_name = "BASE_URL")]
    pub mirror: Option<String>,
    /// The whole update must finish within SECS seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1800)]
    pub timeout: u64,
    /// Each download must bring at least BYTES bytes per second over each --rate-window (0: no minimum).
    #[arg(long, value_name = "BYTES", default_value_t = 1024)]
    pub min_rate: u64,
    /// The span in seconds the --min-rate is measured over; also the longest wait for any answer or data.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub rate_window: u64,
    /// Follow redirects to HOST or HOST:PORT too (by default only to the feed's own scheme, host and port); repeatable.
    #[arg(long = "allow-redirect", value_name = "HOST")]
    pub allow_redirect: Vec<String>,
    /// Replace the database even when the new one has fewer feeds, or a feed more than 10% fewer records.
    #[arg(long)]
    pub force: bool,
}

/// Output formats of `inventory`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum InventoryFormat {
    /// Human-readable text.
    Table,
    /// Stable JSON.
    Json,
    /// CycloneDX 1.6 JSON SBOM.
    Cyclonedx,
    /// SPDX 2.3 JSON SBOM.
    SpdxJson,
}

/// When the command started.
static STARTED: LazyLock<SystemTime> = LazyLock::new(SystemTime::now);

/// The scan's start (the command's) and end (now), for reports that carry them.
pub fn scan_times() -> hullguard_report::render::ScanTimes {
    let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    hullguard_report::render::ScanTimes { start: secs(*STARTED), end: secs(SystemTime::now()) }
}

/// Parse arguments and run the command.
pub fn run() -> Result<ExitCode> {
    LazyLock::force(&STARTED);
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Watch(args) => commands::watch::run(&args),
        Command::Image(args) => {
            let cache = args.cache.dir();
            let request = args.image.request()?;
            let reference = request.spec.reference().unwrap_or_default().to_owned();
            let remote = match (&args.server, &args.token) {
                (Some(url), Some(token)) => Some(hullguard_server::client::Remote::new(url, token)?),
                _ => None,
            };
            let image = commands::scan::ImageScan {
                request: &request,
                reference: &reference,
                cache_dir: cache.as_deref(),
                scanners: &args.scanners,
                trust_policy: args.trust_policy.as_deref(),
                remote,
            };
            commands::scan::run_image(image, &args.scan, cli.quiet)
        }
        Command::Key { action: KeyAction::Generate { output_key_prefix } } => {
            commands::trust::generate(&output_key_prefix)
        }
        Command::Sign(args) => {
            let spec = args.registry.spec(&args.image)?;
            commands::trust::sign(&spec, &args.key, &args.annotations, args.format, args.registry.password_stdin)
        }
        Command::Verify(args) => {
            let spec = args.image.as_deref().map(|i| args.registry.spec(i)).transpose()?;
            commands::trust::verify(&commands::trust::VerifyRequest {
                spec: spec.as_ref(),
                keys: &args.key,
                policy: args.policy.as_deref(),
                payload: args.payload.as_deref(),
                signature: args.signature.as_deref(),
                bundle: args.bundle.as_deref(),
                annotations: &args.annotations,
                format: args.format,
            })
        }
        Command::Registry { action: RegistryAction::Scan(args) } => commands::registry::scan(&args, cli.quiet),
        Command::Server(args) => commands::server::run(
            args.action.map(|action| match action {
                ServerAction::Token { action: TokenAction::Create { store, scope, name } } => {
                    commands::server::Action::TokenCreate { store, scope, name }
                }
                ServerAction::Job { action: JobAction::Add { store, sboms } } => {
                    commands::server::Action::JobAdd { store, sboms }
                }
            }),
            commands::server::ServeArgs {
                listen: args.listen,
                store: args.store,
                worker: args.worker,
                lease: std::time::Duration::from_secs(args.lease.max(1)),
                db: args.db,
                db_poll: args.db_poll,
                update: schedule(&args.update)?
                    .map(|every| commands::server::ScheduledUpdate { every, mirror: args.update_mirror }),
                plain_http_registries: args.plain_http_registry,
                limits: hullguard_server::Limits {
                    max_body_bytes: args.max_body_size,
                    max_sbom_bytes: args.max_body_size as u64,
                    request_timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
                    requests_per_minute: args.rate_limit,
                },
                webhooks: hullguard_server::webhook::Retry {
                    attempts: args.webhook_attempts.max(1),
                    backoff: std::time::Duration::from_millis(args.webhook_backoff),
                    ..hullguard_server::webhook::Retry::default()
                },
                admission: match (args.admission, args.tls_cert, args.tls_key) {
                    (Some(policy), Some(cert), Some(key)) => {
                        Some(hullguard_server::AdmissionConfig { policy, cert, key })
                    }
                    _ => None,
                },
            },
        ),
        Command::Admission { action: AdmissionAction::Manifests { namespace, service, image, timeout } } => {
            let install = hullguard_server::admission::manifests::Install {
                namespace: &namespace,
                service: &service,
                image: &image,
                timeout_seconds: timeout,
            };
            let yaml = hullguard_server::admission::manifests::yaml(&install).map_err(anyhow::Error::msg)?;
            std::io::Write::write_all(&mut std::io::stdout().lock(), yaml.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Db { action: DbAction::Build { sources, db } } => commands::db::build(&sources, db, cli.quiet),
        Command::Db { action: DbAction::Update(args) } => commands::db::update(&args, cli.quiet),
        Command::Db { action: DbAction::Info { db, format, output } } => {
            commands::db::info(db, format, output.output.as_deref())
        }
        Command::Inspect(args) => {
            let request = args.image.request()?;
            let what = if args.files {
                commands::inspect::What::Files { layer: args.layer }
            } else {
                commands::inspect::What::Summary
            };
            commands::inspect::run(&request, what, args.format, args.output.output.as_deref(), cli.quiet)
        }
        Command::Config(args) => {
            let manifests = commands::manifest::Manifests {
                no_inline_ignores: args.no_inline_ignores,
                policies: args.policy.load()?,
            };
            hullguard_lint::run(&args.lint, true, Some(&manifests))
        }
        Command::Dockerfile(args) => {
            let policies = commands::manifest::Manifests { no_inline_ignores: false, policies: args.policy.load()? };
            hullguard_lint::run(&args.lint, false, Some(&policies))
        }
        Command::Policy { action: PolicyAction::Test { dirs } } => commands::policy::run_test(&dirs),
        Command::Policy { action: PolicyAction::Eval { input, query, policy } } => {
            commands::policy::run_eval(&policy.policy_dirs, &input, &query)
        }
        Command::K8s(args) => commands::manifest::run_k8s(&args),
        Command::Compose(args) => commands::manifest::run_compose(&args),
        Command::Checks { action: ChecksAction::List { format, output } } => {
            commands::checks::list(format, output.output.as_deref())
        }
        Command::Fs(args) => {
            commands::scan::run_fs(&args.dir, args.list_packages, &args.scanners, &args.scan, cli.quiet)
        }
        Command::Sbom(args) => {
            commands::scan::run_sbom(&args.file, args.list_packages, args.max_sbom_size, &args.scan, cli.quiet)
        }
        Command::Diff(args) => commands::diff::run(&args, commands::scan::scanners(&args.scanners), cli.quiet),
        Command::Why(args) => {
            let cache = args.cache.dir();
            let output = args.output.output;
            commands::why::run(
                &args.package,
                &args.image.request()?,
                cache.as_deref(),
                args.format,
                output.as_deref(),
                cli.quiet,
            )
        }
        Command::Host(args) => commands::audit::host(&args, cli.quiet),
        Command::Compliance(args) => commands::compliance::run(&args, cli.quiet),
        Command::Containers(args) => commands::audit::containers(&args, cli.quiet),
        Command::Seccomp { action: SeccompAction::Audit { profile, audit } } => {
            commands::audit::seccomp(&profile, &audit, cli.quiet)
        }
        Command::Seccomp { action: SeccompAction::Record(args) } => commands::watch::record(&args, cli.quiet),
        Command::Inventory(args) => {
            let cache = args.cache.dir();
            let output = args.output.output;
            commands::inventory::run(
                &args.image.request()?,
                cache.as_deref(),
                args.format,
                output.as_deref(),
                cli.quiet,
            )
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HULLGUARD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // The TLS verifier logs each refused certificate as an ERROR; the registry source reports it
    // once, as the command's error.
    let filter = match "rustls_platform_verifier=off".parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
