//! The registry of hullguard's checks: one [`CheckMeta`] per check, keyed by a stable hullguard
//! id (`HG-DF-001` for Dockerfiles, `HG-IMG-001` for built images) and mapped to a catalogue
//! concept (`df-base-latest`) and to peer tools' ids. Concepts hullguard adds beyond the
//! catalogue start with `hg-` (e.g. `hg-img-world-writable`) and may have no peer ids.
//!
//! Ids are never reused or renumbered; a retired check keeps its id reserved.

use hullguard_report::{Finding, FindingKind, Location, Severity};

/// Static description of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckMeta {
    /// hullguard's stable id, e.g. `HG-DF-001`.
    pub id: &'static str,
    /// The catalogue concept key, e.g. `df-user-root`.
    pub concept: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// Severity of every finding of this check.
    pub severity: Severity,
    /// Why it matters.
    pub description: &'static str,
    /// How to fix it in general (findings may carry a more specific fix).
    pub remediation: &'static str,
    /// Ids of the same concept in other tools (Trivy, hadolint, Checkov, KICS, Dockle, CIS).
    pub peer_ids: &'static [&'static str],
    /// Further reading.
    pub references: &'static [&'static str],
}

impl CheckMeta {
    /// Whether `name` names this check (how `--skip-check` and ignore pragmas name it): its id,
    /// its concept key or one of its peer ids (`DL3008`, `DS002`, `CKV_DOCKER_3`; a peer id may
    /// name several checks). ShellCheck codes (`SC2086`) name codes, not `df-shellcheck` itself.
    #[must_use]
    pub fn is_named(&self, name: &str) -> bool {
        name == self.id || name == self.concept || (!is_shellcheck_code(name) && self.peer_ids.contains(&name))
    }

    /// A misconfiguration finding of this check; without a specific `fix` the check's general
    /// remediation is the fix.
    #[must_use]
    pub fn finding(&self, location: Location, evidence: String, fix: Option<String>) -> Finding {
        Finding {
            kind: FindingKind::Misconfiguration,
            id: self.id.to_owned(),
            concept: Some(self.concept.to_owned()),
            severity: self.severity,
            title: self.title.to_owned(),
            description: self.description.to_owned(),
            location,
            evidence: Some(evidence),
            fix: Some(fix.unwrap_or_else(|| self.remediation.to_owned())),
            references: self.references.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}

/// Every check, ordered by id.
#[must_use]
pub fn registry() -> &'static [CheckMeta] {
    REGISTRY
}

/// The check for a catalogue concept key.
#[must_use]
pub fn by_concept(concept: &str) -> Option<&'static CheckMeta> {
    REGISTRY.iter().find(|m| m.concept == concept)
}

/// Whether `name` names a check of the registry or a ShellCheck code: what `--skip-check` accepts.
#[must_use]
pub fn is_check_name(name: &str) -> bool {
    is_shellcheck_code(name) || REGISTRY.iter().any(|m| m.is_named(name))
}

/// Whether `name` is a ShellCheck code (`SC2086`), which selects one code of `df-shellcheck`.
#[must_use]
pub fn is_shellcheck_code(name: &str) -> bool {
    name.strip_prefix("SC").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

static REGISTRY: &[CheckMeta] = &[
    CheckMeta {
        id: "HG-DF-001",
        concept: "df-base-latest",
        title: "Base image uses the ':latest' tag",
        severity: Severity::Medium,
        description: "A ':latest' base image changes under you: builds are not reproducible and can silently pull in vulnerable or breaking versions.",
        remediation: "Pin the base image to a specific version tag, or better a digest (image:1.2.3@sha256:…).",
        peer_ids: &["DS001", "DL3007", "CKV_DOCKER_7", "kics:image_version_using_latest", "DKL-DI-0006"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3007",
            "https://avd.aquasec.com/misconfig/ds001",
        ],
    },
    CheckMeta {
        id: "HG-DF-002",
        concept: "df-base-untagged",
        title: "Base image has no explicit tag (implicit latest)",
        severity: Severity::Medium,
        description: "A FROM without tag or digest means ':latest': builds are not reproducible.",
        remediation: "Add an explicit version tag or digest to the base image.",
        peer_ids: &["DL3006", "kics:image_version_not_explicit", "DS001", "CKV_DOCKER_7"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3006",
            "https://avd.aquasec.com/misconfig/ds001",
        ],
    },
    CheckMeta {
        id: "HG-DF-003",
        concept: "df-user-missing",
        title: "No USER instruction: container runs as root",
        severity: Severity::High,
        description: "The final stage never sets USER, so the container runs as root unless the runtime overrides it.",
        remediation: "Create an unprivileged user and add 'USER <name-or-uid>' to the final stage.",
        peer_ids: &["CKV_DOCKER_3", "kics:missing_user_instruction", "DS002", "CIS 4.1"],
        references: &["https://docs.docker.com/reference/dockerfile/#user", "https://avd.aquasec.com/misconfig/ds002"],
    },
    CheckMeta {
        id: "HG-DF-004",
        concept: "df-user-root",
        title: "Last USER is root (or UID 0)",
        severity: Severity::High,
        description: "The last USER of the final stage is root (or UID 0), so the container runs as root.",
        remediation: "Switch to an unprivileged user (e.g. 'USER 10001') after the steps that need root.",
        peer_ids: &["DS002", "DL3002", "CKV_DOCKER_8", "kics:last_user_is_root"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#user",
            "https://github.com/hadolint/hadolint/wiki/DL3002",
            "https://avd.aquasec.com/misconfig/ds002",
        ],
    },
    CheckMeta {
        id: "HG-DF-005",
        concept: "df-sudo",
        title: "RUN uses sudo",
        severity: Severity::Medium,
        description: "sudo in a RUN has unpredictable TTY and signal behaviour and means the image ships sudo; RUN already runs as the current USER.",
        remediation: "Run the step before switching USER, or use a tool such as gosu at runtime; drop sudo from RUN.",
        peer_ids: &["DS010", "DL3004", "CKV2_DOCKER_1", "kics:run_using_sudo", "DKL-DI-0001"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3004",
            "https://avd.aquasec.com/misconfig/ds010",
        ],
    },
    CheckMeta {
        id: "HG-DF-006",
        concept: "df-expose-ssh",
        title: "Port 22 (SSH) exposed",
        severity: Severity::Medium,
        description: "Exposing port 22 suggests an SSH daemon in the container, a large attack surface; use 'docker exec' instead.",
        remediation: "Remove port 22 from EXPOSE and do not run sshd in the container.",
        peer_ids: &["DS004", "CKV_DOCKER_1", "kics:exposing_port_22"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#expose",
            "https://avd.aquasec.com/misconfig/ds004",
        ],
    },
    CheckMeta {
        id: "HG-DF-007",
        concept: "df-expose-out-of-range",
        title: "EXPOSEd port outside 0-65535",
        severity: Severity::Medium,
        description: "A TCP/UDP port must be in 0-65535; anything else is a typo the builder may reject.",
        remediation: "Use a valid port number (0-65535).",
        peer_ids: &["DS008", "DL3011", "kics:unix_ports_out_of_range"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#expose",
            "https://github.com/hadolint/hadolint/wiki/DL3011",
            "https://avd.aquasec.com/misconfig/ds008",
        ],
    },
    CheckMeta {
        id: "HG-DF-008",
        concept: "df-healthcheck-missing",
        title: "No HEALTHCHECK instruction",
        severity: Severity::Low,
        description: "Without HEALTHCHECK the engine cannot tell a hung container from a healthy one.",
        remediation: "Add 'HEALTHCHECK CMD <probe>' to the final stage (or 'HEALTHCHECK NONE' to opt out explicitly).",
        peer_ids: &[
            "DS026",
            "CKV_DOCKER_2",
            "kics:healthcheck_instruction_missing",
            "DL3057",
            "CIS 4.6",
            "CIS-DI-0006",
        ],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#healthcheck",
            "https://github.com/hadolint/hadolint/wiki/DL3057",
            "https://avd.aquasec.com/misconfig/ds026",
        ],
    },
    CheckMeta {
        id: "HG-DF-009",
        concept: "df-healthcheck-multiple",
        title: "More than one HEALTHCHECK",
        severity: Severity::Medium,
        description: "Only the last HEALTHCHECK of a stage takes effect; earlier ones are dead configuration.",
        remediation: "Keep a single HEALTHCHECK per stage.",
        peer_ids: &["DS023", "DL3012"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#healthcheck",
            "https://github.com/hadolint/hadolint/wiki/DL3012",
            "https://avd.aquasec.com/misconfig/ds023",
        ],
    },
    CheckMeta {
        id: "HG-DF-010",
        concept: "df-cmd-multiple",
        title: "More than one CMD in a stage",
        severity: Severity::Medium,
        description: "Only the last CMD of a stage takes effect; earlier ones are dead configuration.",
        remediation: "Keep a single CMD per stage.",
        peer_ids: &["DS016", "DL4003", "kics:multiple_cmd_instructions_listed"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#cmd",
            "https://github.com/hadolint/hadolint/wiki/DL4003",
            "https://avd.aquasec.com/misconfig/ds016",
        ],
    },
    CheckMeta {
        id: "HG-DF-011",
        concept: "df-entrypoint-multiple",
        title: "More than one ENTRYPOINT in a stage",
        severity: Severity::Medium,
        description: "Only the last ENTRYPOINT of a stage takes effect; earlier ones are dead configuration.",
        remediation: "Keep a single ENTRYPOINT per stage.",
        peer_ids: &["DS007", "DL4004", "kics:multiple_entrypoint_instructions_listed"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#entrypoint",
            "https://github.com/hadolint/hadolint/wiki/DL4004",
            "https://avd.aquasec.com/misconfig/ds007",
        ],
    },
    CheckMeta {
        id: "HG-DF-012",
        concept: "df-cmd-json-form",
        title: "CMD/ENTRYPOINT not in JSON (exec) form",
        severity: Severity::Low,
        description: "Shell form runs the process under '/bin/sh -c', so it does not receive signals such as SIGTERM and cannot shut down gracefully.",
        remediation: "Use the JSON (exec) form: CMD [\"executable\", \"arg\"].",
        peer_ids: &["DL3025", "kics:not_using_json_in_cmd_and_entrypoint_arguments"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#cmd",
            "https://github.com/hadolint/hadolint/wiki/DL3025",
        ],
    },
    CheckMeta {
        id: "HG-DF-013",
        concept: "df-maintainer",
        title: "Deprecated MAINTAINER instruction",
        severity: Severity::Low,
        description: "MAINTAINER is deprecated.",
        remediation: "Use 'LABEL maintainer=\"name <email>\"' (or org.opencontainers.image.authors).",
        peer_ids: &["DS022", "DL4000", "CKV_DOCKER_6", "kics:maintainer_instruction_being_used"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#maintainer-deprecated",
            "https://github.com/hadolint/hadolint/wiki/DL4000",
            "https://avd.aquasec.com/misconfig/ds022",
        ],
    },
    CheckMeta {
        id: "HG-DF-014",
        concept: "df-workdir-relative",
        title: "WORKDIR path is not absolute",
        severity: Severity::Low,
        description: "A relative WORKDIR depends on every earlier WORKDIR and is easy to get wrong.",
        remediation: "Use an absolute WORKDIR path.",
        peer_ids: &["DS009", "DL3000", "CKV_DOCKER_10", "kics:workdir_path_not_absolute"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#workdir",
            "https://github.com/hadolint/hadolint/wiki/DL3000",
            "https://avd.aquasec.com/misconfig/ds009",
        ],
    },
    CheckMeta {
        id: "HG-DF-015",
        concept: "df-run-cd",
        title: "RUN cd … instead of WORKDIR",
        severity: Severity::Low,
        description: "'cd' in RUN only lasts for that RUN; the intent is clearer and more robust with WORKDIR.",
        remediation: "Use WORKDIR to change directory (or a subshell / tool option such as 'make -C').",
        peer_ids: &["DS013", "DL3003", "kics:run_command_cd_instead_of_workdir"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#workdir",
            "https://github.com/hadolint/hadolint/wiki/DL3003",
            "https://avd.aquasec.com/misconfig/ds013",
        ],
    },
    CheckMeta {
        id: "HG-DF-016",
        concept: "df-copy-multi-src-slash",
        title: "COPY with more than two arguments must end the destination with /",
        severity: Severity::Medium,
        description: "With several sources the COPY destination must be a directory ending with '/', otherwise the build fails.",
        remediation: "End the destination with '/'.",
        peer_ids: &["DS011", "DL3021", "kics:copy_with_more_than_two_arguments_not_ending_with_slash"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#copy",
            "https://github.com/hadolint/hadolint/wiki/DL3021",
            "https://avd.aquasec.com/misconfig/ds011",
        ],
    },
    CheckMeta {
        id: "HG-DF-017",
        concept: "df-add-instead-of-copy",
        title: "ADD used where COPY suffices",
        severity: Severity::Low,
        description: "ADD fetches URLs and unpacks archives implicitly; for plain files COPY is explicit and safer.",
        remediation: "Use COPY for local files and directories; keep ADD for local tar archives that must be extracted.",
        peer_ids: &["DS005", "DL3020", "CKV_DOCKER_4", "kics:add_instead_of_copy", "CIS 4.9", "CIS-DI-0009"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#add",
            "https://github.com/hadolint/hadolint/wiki/DL3020",
            "https://avd.aquasec.com/misconfig/ds005",
        ],
    },
    CheckMeta {
        id: "HG-DF-018",
        concept: "df-copy-from-self",
        title: "COPY --from references the current stage",
        severity: Severity::Medium,
        description: "COPY --from cannot read from the stage it is in; the build fails.",
        remediation: "Reference an earlier stage alias or an image.",
        peer_ids: &["DS006", "DL3023", "kics:copy_from_references_current_from_alias"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#copy",
            "https://github.com/hadolint/hadolint/wiki/DL3023",
            "https://avd.aquasec.com/misconfig/ds006",
        ],
    },
    CheckMeta {
        id: "HG-DF-019",
        concept: "df-copy-from-unknown",
        title: "COPY --from references an undefined stage alias",
        severity: Severity::Low,
        description: "COPY --from names no earlier stage, so BuildKit pulls an image of that name instead; usually a typo.",
        remediation: "Reference a stage defined earlier with 'FROM … AS <name>', or a full image reference.",
        peer_ids: &["DL3022"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#copy",
            "https://github.com/hadolint/hadolint/wiki/DL3022",
        ],
    },
    CheckMeta {
        id: "HG-DF-020",
        concept: "df-stage-alias-duplicate",
        title: "Duplicate stage alias in different FROMs",
        severity: Severity::Medium,
        description: "Two stages share an alias; references to it become ambiguous and BuildKit rejects the file.",
        remediation: "Give every stage a unique alias.",
        peer_ids: &["DS012", "DL3024", "CKV_DOCKER_11", "kics:same_alias_in_different_froms"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3024",
            "https://avd.aquasec.com/misconfig/ds012",
        ],
    },
    CheckMeta {
        id: "HG-DF-021",
        concept: "df-pipefail",
        title: "RUN with a pipe without 'set -o pipefail' (SHELL)",
        severity: Severity::Low,
        description: "Without 'set -o pipefail' a failing command on the left of a pipe is ignored, and the RUN succeeds with broken output.",
        remediation: "Add 'SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]' before the RUN, or start the command with 'set -o pipefail &&'.",
        peer_ids: &["DL4006", "kics:shell_running_a_pipe_without_pipefail_flag"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#shell",
            "https://github.com/hadolint/hadolint/wiki/DL4006",
        ],
    },
    CheckMeta {
        id: "HG-DF-022",
        concept: "df-apt-yes",
        title: "apt-get install without -y",
        severity: Severity::Low,
        description: "Without -y apt-get waits for confirmation and the non-interactive build aborts.",
        remediation: "Add -y (or --yes / -qq) to 'apt-get install'.",
        peer_ids: &["DS021", "DL3014", "kics:apt_get_missing_flags_to_avoid_manual_input"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3014",
            "https://avd.aquasec.com/misconfig/ds021",
        ],
    },
    CheckMeta {
        id: "HG-DF-023",
        concept: "df-apt-no-recommends",
        title: "apt-get install without --no-install-recommends",
        severity: Severity::Low,
        description: "Recommended packages bloat the image and widen the attack surface.",
        remediation: "Add --no-install-recommends to 'apt-get install'.",
        peer_ids: &["DS029", "DL3015", "kics:apt_get_not_avoiding_additional_packages"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3015",
            "https://avd.aquasec.com/misconfig/ds029",
        ],
    },
    CheckMeta {
        id: "HG-DF-024",
        concept: "df-apt-pin",
        title: "apt-get install without pinned versions",
        severity: Severity::Medium,
        description: "Unpinned packages make builds non-reproducible.",
        remediation: "Pin versions: 'apt-get install <package>=<version>'.",
        peer_ids: &["DL3008", "kics:apt_get_install_pin_version_not_defined"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3008",
        ],
    },
    CheckMeta {
        id: "HG-DF-025",
        concept: "df-apt-lists",
        title: "apt lists not deleted after apt-get install",
        severity: Severity::Low,
        description: "The apt package lists stay in the layer and bloat the image.",
        remediation: "End the same RUN with 'rm -rf /var/lib/apt/lists/*' (or use a cache mount on /var/lib/apt).",
        peer_ids: &["DL3009", "kics:apt_get_install_lists_were_not_deleted", "DKL-DI-0005"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3009",
        ],
    },
    CheckMeta {
        id: "HG-DF-026",
        concept: "df-update-alone",
        title: "Package-manager update alone in its own RUN (stale cache layer)",
        severity: Severity::Medium,
        description: "A package-index update in its own RUN is cached as a layer, so later installs use a stale index and miss security fixes.",
        remediation: "Combine the update with the install in one RUN: 'apt-get update && apt-get install -y …'.",
        peer_ids: &["DS017", "CKV_DOCKER_5", "kics:update_instruction_alone", "CIS 4.7", "CIS-DI-0007"],
        references: &["https://docs.docker.com/reference/dockerfile/#run", "https://avd.aquasec.com/misconfig/ds017"],
    },
    CheckMeta {
        id: "HG-DF-027",
        concept: "df-pip-no-cache",
        title: "pip install without --no-cache-dir",
        severity: Severity::Low,
        description: "pip keeps downloaded packages in its cache inside the layer.",
        remediation: "Add --no-cache-dir to 'pip install' (or set PIP_NO_CACHE_DIR=1, or use a cache mount).",
        peer_ids: &["DL3042", "kics:pip_install_keeping_cached_packages"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3042",
        ],
    },
    CheckMeta {
        id: "HG-DF-028",
        concept: "df-pip-pin",
        title: "pip install without pinned versions",
        severity: Severity::Medium,
        description: "Unpinned Python packages make builds non-reproducible.",
        remediation: "Pin versions ('pkg==1.2.3') or install from a constraints/requirements file.",
        peer_ids: &["DL3013", "kics:unpinned_package_version_in_pip_install"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3013",
        ],
    },
    CheckMeta {
        id: "HG-DF-029",
        concept: "df-secrets",
        title: "Secrets in ARG/ENV or secret files copied into the image",
        severity: Severity::Critical,
        description: "Values of ARG and ENV are kept in the image config and history, and copied key files stay in a layer; anyone who can pull the image can read them.",
        remediation: "Use build secrets ('RUN --mount=type=secret') or runtime secrets; never bake credentials into ARG, ENV or layers.",
        peer_ids: &["DS031", "DL3064", "CIS 4.10", "CIS-DI-0010"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3064",
            "https://avd.aquasec.com/misconfig/ds031",
        ],
    },
    CheckMeta {
        id: "HG-DF-030",
        concept: "df-curl-insecure",
        title: "curl -k/--insecure (TLS verification disabled)",
        severity: Severity::High,
        description: "curl -k/--insecure disables TLS verification; downloads can be tampered with.",
        remediation: "Remove -k/--insecure and trust the right CA instead.",
        peer_ids: &["CKV2_DOCKER_2"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-031",
        concept: "df-wget-no-check-cert",
        title: "wget --no-check-certificate",
        severity: Severity::High,
        description: "wget --no-check-certificate disables TLS verification; downloads can be tampered with.",
        remediation: "Remove --no-check-certificate and trust the right CA instead.",
        peer_ids: &["CKV2_DOCKER_3"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-032",
        concept: "df-apt-not-apt-get",
        title: "apt used instead of apt-get/apt-cache",
        severity: Severity::Low,
        description: "apt has no stable command-line interface and is meant for interactive use.",
        remediation: "Use apt-get or apt-cache in scripts.",
        peer_ids: &["DL3027", "CKV_DOCKER_9", "kics:run_using_apt"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3027",
        ],
    },
    CheckMeta {
        id: "HG-DF-033",
        concept: "df-dist-upgrade",
        title: "apt-get dist-upgrade used",
        severity: Severity::Medium,
        description: "dist-upgrade can change the base image's release in unpredictable ways.",
        remediation: "Update the base image instead, or install specific package versions.",
        peer_ids: &["DS024", "DKL-DI-0003"],
        references: &["https://docs.docker.com/reference/dockerfile/#run", "https://avd.aquasec.com/misconfig/ds024"],
    },
    CheckMeta {
        id: "HG-DF-034",
        concept: "df-apk-no-cache",
        title: "apk add without --no-cache",
        severity: Severity::Low,
        description: "Without --no-cache apk keeps its index in /var/cache/apk inside the layer.",
        remediation: "Use 'apk add --no-cache'.",
        peer_ids: &["DS025", "DL3019", "kics:apk_add_using_local_cache_path", "DKL-DI-0004"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3019",
            "https://avd.aquasec.com/misconfig/ds025",
        ],
    },
    CheckMeta {
        id: "HG-DF-035",
        concept: "df-apt-allow-unauthenticated",
        title: "apt-get --allow-unauthenticated (unsigned packages)",
        severity: Severity::High,
        description: "--allow-unauthenticated installs packages whose signatures could not be verified.",
        remediation: "Remove --allow-unauthenticated and fix the repository keys.",
        peer_ids: &["CKV2_DOCKER_8"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-036",
        concept: "df-apt-force-yes",
        title: "apt-get --force-yes (disables signature checks)",
        severity: Severity::High,
        description: "--force-yes makes apt-get accept unauthenticated packages and other dangerous actions.",
        remediation: "Remove --force-yes; use -y and fix the repository keys.",
        peer_ids: &["CKV2_DOCKER_11"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-037",
        concept: "df-apk-allow-untrusted",
        title: "apk --allow-untrusted (unsigned packages)",
        severity: Severity::High,
        description: "--allow-untrusted installs packages with missing or invalid signatures.",
        remediation: "Remove --allow-untrusted and install the repository's signing key.",
        peer_ids: &["CKV2_DOCKER_7"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-038",
        concept: "df-env-node-tls-reject",
        title: "NODE_TLS_REJECT_UNAUTHORIZED=0",
        severity: Severity::High,
        description: "NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate checks for every Node.js request.",
        remediation: "Remove the variable; add the needed CA with NODE_EXTRA_CA_CERTS.",
        peer_ids: &["CKV2_DOCKER_6"],
        references: &["https://docs.docker.com/reference/dockerfile/#env"],
    },
    CheckMeta {
        id: "HG-DF-039",
        concept: "df-env-python-https-verify",
        title: "PYTHONHTTPSVERIFY=0",
        severity: Severity::High,
        description: "PYTHONHTTPSVERIFY=0 disables certificate checks in Python's HTTPS stack.",
        remediation: "Remove the variable; trust the needed CA instead.",
        peer_ids: &["CKV2_DOCKER_5"],
        references: &["https://docs.docker.com/reference/dockerfile/#env"],
    },
    CheckMeta {
        id: "HG-DF-040",
        concept: "df-env-git-ssl-no-verify",
        title: "GIT_SSL_NO_VERIFY set",
        severity: Severity::High,
        description: "GIT_SSL_NO_VERIFY disables TLS verification for git.",
        remediation: "Remove the variable; configure http.sslCAInfo instead.",
        peer_ids: &["CKV2_DOCKER_14"],
        references: &["https://docs.docker.com/reference/dockerfile/#env"],
    },
    CheckMeta {
        id: "HG-DF-041",
        concept: "df-workdir-system-dir",
        title: "WORKDIR set to a system directory (/proc, /boot, /dev, /initrd, /lost+found)",
        severity: Severity::High,
        description: "A WORKDIR under /proc, /boot, /dev, /initrd or /lost+found mixes application files with system directories.",
        remediation: "Use an application directory such as /app or /srv/<name>.",
        peer_ids: &["DS030"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#workdir",
            "https://avd.aquasec.com/misconfig/ds030",
        ],
    },
    CheckMeta {
        id: "HG-DF-042",
        concept: "df-onbuild-invalid",
        title: "ONBUILD triggers ONBUILD, FROM or MAINTAINER",
        severity: Severity::Medium,
        description: "ONBUILD may not trigger ONBUILD, FROM or MAINTAINER; the build fails when the image is used as a base.",
        remediation: "Remove the invalid trigger.",
        peer_ids: &["DL3043"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#onbuild",
            "https://github.com/hadolint/hadolint/wiki/DL3043",
        ],
    },
    CheckMeta {
        id: "HG-DF-043",
        concept: "df-wget-and-curl",
        title: "Both wget and curl used",
        severity: Severity::Low,
        description: "Installing and using both wget and curl duplicates tools with the same job and bloats the image.",
        remediation: "Use one of them consistently.",
        peer_ids: &["DS014", "DL4001", "kics:run_using_wget_and_curl"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL4001",
            "https://avd.aquasec.com/misconfig/ds014",
        ],
    },
    CheckMeta {
        id: "HG-DF-044",
        concept: "df-rpm-nogpgcheck",
        title: "yum/dnf/tdnf --nogpgcheck (unsigned packages)",
        severity: Severity::High,
        description: "--nogpgcheck installs packages without verifying their signatures.",
        remediation: "Remove --nogpgcheck and import the repository's GPG key.",
        peer_ids: &["CKV2_DOCKER_9"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-045",
        concept: "df-pip-trusted-host",
        title: "pip TLS verification disabled (--trusted-host or PIP_TRUSTED_HOST)",
        severity: Severity::High,
        description: "--trusted-host (or PIP_TRUSTED_HOST) disables TLS verification for that index.",
        remediation: "Remove it; serve the index over valid TLS or configure the CA with --cert.",
        peer_ids: &["CKV2_DOCKER_4", "CKV2_DOCKER_16"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-046",
        concept: "df-rpm-nosignature",
        title: "rpm --nosignature/--nodigest/--noverify/--nofiledigest",
        severity: Severity::High,
        description: "rpm --nosignature/--nodigest/--noverify/--nofiledigest installs packages without checking signatures or digests.",
        remediation: "Remove the option and import the vendor's GPG key.",
        peer_ids: &["CKV2_DOCKER_10"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-047",
        concept: "df-npm-strict-ssl-off",
        title: "npm/yarn strict-ssl disabled (config set or NPM_CONFIG_STRICT_SSL)",
        severity: Severity::High,
        description: "Disabling strict-ssl makes npm/yarn accept any TLS certificate; packages can be tampered with in transit.",
        remediation: "Remove the setting; configure the CA with 'npm config set cafile'.",
        peer_ids: &["CKV2_DOCKER_13", "CKV2_DOCKER_12"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-048",
        concept: "df-rpm-sslverify-off",
        title: "yum/dnf config-manager sets sslverify=false",
        severity: Severity::High,
        description: "sslverify=false makes yum/dnf accept any TLS certificate from the repository.",
        remediation: "Remove the setting; install the repository's CA instead.",
        peer_ids: &["CKV2_DOCKER_15"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-049",
        concept: "df-yum-yes",
        title: "yum install without -y",
        severity: Severity::Low,
        description: "Without -y yum waits for confirmation and the non-interactive build aborts.",
        remediation: "Add -y to 'yum install'.",
        peer_ids: &["DL3030", "kics:yum_install_allows_manual_input"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3030",
        ],
    },
    CheckMeta {
        id: "HG-DF-050",
        concept: "df-dnf-yes",
        title: "dnf install without -y",
        severity: Severity::Low,
        description: "Without -y dnf waits for confirmation and the non-interactive build aborts.",
        remediation: "Add -y to 'dnf install'.",
        peer_ids: &["DL3038", "kics:missing_flag_from_dnf_install"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3038",
        ],
    },
    CheckMeta {
        id: "HG-DF-051",
        concept: "df-yum-clean",
        title: "yum install without 'yum clean all'",
        severity: Severity::Low,
        description: "The yum cache stays in the layer and bloats the image.",
        remediation: "End the same RUN with 'yum clean all' (or use a cache mount on /var/cache/yum).",
        peer_ids: &["DS015", "DL3032", "kics:yum_clean_all_missing"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3032",
            "https://avd.aquasec.com/misconfig/ds015",
        ],
    },
    CheckMeta {
        id: "HG-DF-052",
        concept: "df-dnf-clean",
        title: "dnf install without 'dnf clean all'",
        severity: Severity::Low,
        description: "The dnf cache stays in the layer and bloats the image.",
        remediation: "End the same RUN with 'dnf clean all' (or use a cache mount on /var/cache/dnf).",
        peer_ids: &["DS019", "DL3040", "kics:missing_dnf_clean_all"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3040",
            "https://avd.aquasec.com/misconfig/ds019",
        ],
    },
    CheckMeta {
        id: "HG-DF-053",
        concept: "df-microdnf-clean",
        title: "microdnf install without 'microdnf clean all'",
        severity: Severity::Low,
        description: "The microdnf cache stays in the layer and bloats the image.",
        remediation: "End the same RUN with 'microdnf clean all'.",
        peer_ids: &["DS027"],
        references: &["https://docs.docker.com/reference/dockerfile/#run", "https://avd.aquasec.com/misconfig/ds027"],
    },
    CheckMeta {
        id: "HG-DF-054",
        concept: "df-zypper-yes",
        title: "zypper without non-interactive switch (-n/-y)",
        severity: Severity::Low,
        description: "Without -n/--non-interactive (or -y) zypper waits for confirmation and the build aborts.",
        remediation: "Use 'zypper --non-interactive install' or 'zypper install -y'.",
        peer_ids: &["DL3034", "kics:missing_zypper_non_interactive_switch"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3034",
        ],
    },
    CheckMeta {
        id: "HG-DF-055",
        concept: "df-zypper-clean",
        title: "zypper install without 'zypper clean'",
        severity: Severity::Low,
        description: "The zypper cache stays in the layer and bloats the image.",
        remediation: "End the same RUN with 'zypper clean'.",
        peer_ids: &["DS020", "DL3036", "kics:missing_zypper_clean"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3036",
            "https://avd.aquasec.com/misconfig/ds020",
        ],
    },
    CheckMeta {
        id: "HG-DF-056",
        concept: "df-zypper-dist-upgrade",
        title: "zypper dist-upgrade used",
        severity: Severity::Low,
        description: "dist-upgrade can change the base image's release in unpredictable ways.",
        remediation: "Update the base image instead, or install specific package versions.",
        peer_ids: &["DL3035"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3035",
        ],
    },
    CheckMeta {
        id: "HG-DF-057",
        concept: "df-apk-pin",
        title: "apk add without pinned versions",
        severity: Severity::Medium,
        description: "Unpinned packages make builds non-reproducible.",
        remediation: "Pin versions: 'apk add <package>=<version>'.",
        peer_ids: &["DL3018", "kics:unpinned_package_version_in_apk_add"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3018",
        ],
    },
    CheckMeta {
        id: "HG-DF-058",
        concept: "df-add-remote-url",
        title: "ADD of a remote URL instead of curl/wget with verification",
        severity: Severity::Low,
        description: "ADD of a URL downloads without any integrity check.",
        remediation: "Use 'ADD --checksum=sha256:…', or curl/wget followed by a checksum verification.",
        peer_ids: &["kics:curl_or_wget_instead_of_add"],
        references: &["https://docs.docker.com/reference/dockerfile/#add"],
    },
    CheckMeta {
        id: "HG-DF-059",
        concept: "df-base-platform-flag",
        title: "FROM uses --platform (non-portable)",
        severity: Severity::Info,
        description: "A hard-coded --platform makes the build non-portable and breaks multi-platform builds.",
        remediation: "Drop --platform or use a build argument such as $BUILDPLATFORM.",
        peer_ids: &["DL3029", "kics:using_platform_with_from"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3029",
        ],
    },
    CheckMeta {
        id: "HG-DF-060",
        concept: "df-base-platform-redundant",
        title: "FROM --platform=$TARGETPLATFORM is redundant",
        severity: Severity::Info,
        description: "--platform=$TARGETPLATFORM is the default and can be dropped.",
        remediation: "Remove --platform=$TARGETPLATFORM.",
        peer_ids: &["DL3065"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3065",
        ],
    },
    CheckMeta {
        id: "HG-DF-061",
        concept: "df-go-install-pin",
        title: "go install without @version",
        severity: Severity::Medium,
        description: "'go install' without @version installs whatever is newest: builds are not reproducible.",
        remediation: "Pin the module: 'go install example.com/cmd@v1.2.3'.",
        peer_ids: &["DL3062"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3062",
        ],
    },
    CheckMeta {
        id: "HG-DF-062",
        concept: "df-chpasswd",
        title: "RUN sets or removes passwords with chpasswd",
        severity: Severity::Medium,
        description: "Setting passwords in a RUN bakes them into the image history and layers.",
        remediation: "Do not set passwords in the image; use key-based or runtime authentication.",
        peer_ids: &["CKV2_DOCKER_17"],
        references: &["https://docs.docker.com/reference/dockerfile/#run"],
    },
    CheckMeta {
        id: "HG-DF-063",
        concept: "df-stage-unnamed",
        title: "Multi-stage build uses unnamed stages (COPY --from=<index>)",
        severity: Severity::Low,
        description: "COPY --from=<index> breaks when stages are added or reordered.",
        remediation: "Name the stage with 'FROM … AS <name>' and use --from=<name>.",
        peer_ids: &["kics:using_unnamed_build_stages"],
        references: &["https://docs.docker.com/reference/dockerfile/#copy"],
    },
    CheckMeta {
        id: "HG-DF-064",
        concept: "df-copy-whole-fs",
        title: "COPY of an entire filesystem (/) from another stage",
        severity: Severity::Low,
        description: "Copying the whole filesystem of another stage copies far more than needed.",
        remediation: "Copy only the files and directories you need.",
        peer_ids: &["DL3067"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#copy",
            "https://github.com/hadolint/hadolint/wiki/DL3067",
        ],
    },
    CheckMeta {
        id: "HG-DF-065",
        concept: "df-first-instruction",
        title: "Dockerfile must start with FROM, ARG or a comment",
        severity: Severity::Medium,
        description: "A Dockerfile must start with FROM (optionally preceded by ARG, comments and parser directives); anything else fails the build.",
        remediation: "Move the instruction after the first FROM.",
        peer_ids: &["DL3061"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3061",
        ],
    },
    CheckMeta {
        id: "HG-DF-066",
        concept: "df-stage-name-reserved",
        title: "Stage name is a reserved word",
        severity: Severity::Low,
        description: "'scratch' and 'context' are reserved and cannot name a stage.",
        remediation: "Rename the stage.",
        peer_ids: &["DL3063"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3063",
        ],
    },
    CheckMeta {
        id: "HG-DF-067",
        concept: "df-useradd-large-uid",
        title: "useradd with a high UID and without -l bloats the image",
        severity: Severity::Low,
        description: "useradd with a high UID and without -l writes a huge sparse /var/log/lastlog and faillog into the layer.",
        remediation: "Add -l (--no-log-init) to useradd, or use a UID below 100000.",
        peer_ids: &["DL3046"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3046",
        ],
    },
    CheckMeta {
        id: "HG-DF-068",
        concept: "df-user-non-numeric",
        title: "USER is non-numeric (may not resolve on the host / for runAsNonRoot)",
        severity: Severity::Info,
        description: "A user name cannot be checked against runAsNonRoot and may not exist on the host or in the runtime's user database.",
        remediation: "Use a numeric UID (and GID): 'USER 10001:10001'.",
        peer_ids: &["DL3066"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#user",
            "https://github.com/hadolint/hadolint/wiki/DL3066",
        ],
    },
    CheckMeta {
        id: "HG-DF-069",
        concept: "df-copy-chown",
        title: "COPY/ADD --chown gives non-root ownership of files (prefer root-owned, exec-only)",
        severity: Severity::Low,
        description: "--chown hands the copied files to a runtime user who can then modify the application; root-owned, read-only files are safer.",
        remediation: "Drop --chown (or use --chmod for execute bits) unless the process must write to those files.",
        peer_ids: &["kics:chown_flag_exists"],
        references: &["https://docs.docker.com/reference/dockerfile/#copy"],
    },
    CheckMeta {
        id: "HG-DF-070",
        concept: "df-copy-relative-no-workdir",
        title: "COPY to a relative destination without WORKDIR set",
        severity: Severity::Low,
        description: "A relative COPY destination depends on the base image's working directory.",
        remediation: "Set WORKDIR before the COPY or use an absolute destination.",
        peer_ids: &["DL3045"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#copy",
            "https://github.com/hadolint/hadolint/wiki/DL3045",
        ],
    },
    CheckMeta {
        id: "HG-DF-071",
        concept: "df-shell-via-run",
        title: "Default shell changed with RUN ln/… instead of SHELL",
        severity: Severity::Low,
        description: "Replacing /bin/sh with a RUN ln hides the change from the builder; SHELL is the supported way.",
        remediation: "Use 'SHELL [\"/bin/bash\", \"-c\"]'.",
        peer_ids: &["DL4005", "kics:changing_default_shell_using_run_command"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#shell",
            "https://github.com/hadolint/hadolint/wiki/DL4005",
        ],
    },
    CheckMeta {
        id: "HG-DF-072",
        concept: "df-env-self-reference",
        title: "ENV refers to a variable defined in the same ENV statement",
        severity: Severity::Low,
        description: "A variable defined in the same ENV instruction is not yet set when the rest of that instruction is expanded.",
        remediation: "Split the ENV into two instructions.",
        peer_ids: &["DL3044"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#env",
            "https://github.com/hadolint/hadolint/wiki/DL3044",
        ],
    },
    CheckMeta {
        id: "HG-DF-073",
        concept: "df-run-consecutive",
        title: "Consecutive RUN (or RUN/ADD/COPY) instructions should be merged",
        severity: Severity::Info,
        description: "Each RUN creates a layer; consecutive RUNs are usually better merged.",
        remediation: "Merge the RUN instructions with '&&' (or use a heredoc).",
        peer_ids: &["DL3059", "kics:multiple_run_add_copy_instructions_listed"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3059",
        ],
    },
    CheckMeta {
        id: "HG-DF-074",
        concept: "df-wget-progress",
        title: "wget without --progress bloats build logs",
        severity: Severity::Info,
        description: "wget's default progress output floods build logs.",
        remediation: "Add --progress=dot:giga (or -q / -nv).",
        peer_ids: &["DL3047"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3047",
        ],
    },
    CheckMeta {
        id: "HG-DF-075",
        concept: "df-run-interactive-utils",
        title: "RUN uses commands pointless in a container (ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig)",
        severity: Severity::Info,
        description: "These commands make no sense in a non-interactive build (ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig).",
        remediation: "Remove the command; configure the image declaratively.",
        peer_ids: &["DL3001", "kics:run_utilities_and_posix_commands"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3001",
        ],
    },
    CheckMeta {
        id: "HG-DF-076",
        concept: "df-npm-pin",
        title: "npm install without pinned versions",
        severity: Severity::Medium,
        description: "Unpinned npm packages make builds non-reproducible.",
        remediation: "Pin versions: 'npm install <package>@<version>', or install from a lockfile with 'npm ci'.",
        peer_ids: &["DL3016", "kics:npm_install_without_pinned_version"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3016",
        ],
    },
    CheckMeta {
        id: "HG-DF-077",
        concept: "df-gem-pin",
        title: "gem install without pinned versions",
        severity: Severity::Medium,
        description: "Unpinned gems make builds non-reproducible.",
        remediation: "Pin versions: 'gem install <gem>:<version>' or '-v <version>'.",
        peer_ids: &["DL3028", "kics:gem_install_without_version"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3028",
        ],
    },
    CheckMeta {
        id: "HG-DF-078",
        concept: "df-yarn-cache",
        title: "yarn install without 'yarn cache clean'",
        severity: Severity::Info,
        description: "The yarn cache stays in the layer and bloats the image.",
        remediation: "End the same RUN with 'yarn cache clean' (or use a cache mount).",
        peer_ids: &["DL3060"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3060",
        ],
    },
    CheckMeta {
        id: "HG-DF-079",
        concept: "df-yum-pin",
        title: "yum install without versions",
        severity: Severity::Medium,
        description: "Unpinned packages make builds non-reproducible.",
        remediation: "Pin versions: 'yum install -y <package>-<version>'.",
        peer_ids: &["DL3033", "kics:yum_install_without_version"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3033",
        ],
    },
    CheckMeta {
        id: "HG-DF-080",
        concept: "df-dnf-pin",
        title: "dnf install without versions",
        severity: Severity::Medium,
        description: "Unpinned packages make builds non-reproducible.",
        remediation: "Pin versions: 'dnf install -y <package>-<version>'.",
        peer_ids: &["DL3041", "kics:missing_version_specification_in_dnf_install"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3041",
        ],
    },
    CheckMeta {
        id: "HG-DF-081",
        concept: "df-zypper-pin",
        title: "zypper install without versions",
        severity: Severity::Medium,
        description: "Unpinned packages make builds non-reproducible.",
        remediation: "Pin versions: 'zypper install -y <package>=<version>'.",
        peer_ids: &["DL3037", "kics:zypper_install_without_version"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#run",
            "https://github.com/hadolint/hadolint/wiki/DL3037",
        ],
    },
    CheckMeta {
        id: "HG-DF-082",
        concept: "df-label-empty",
        title: "LABEL value empty",
        severity: Severity::Info,
        description: "An empty LABEL value carries no information and usually hides a missing build argument.",
        remediation: "Give the label a value or remove it.",
        peer_ids: &["DL3051"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3051",
        ],
    },
    CheckMeta {
        id: "HG-DF-083",
        concept: "df-label-key-invalid",
        title: "Invalid LABEL key",
        severity: Severity::Info,
        description: "Label keys should be lower-case reverse-DNS names of letters, digits, '.' and '-', must start and end with a letter or digit, and must not use the reserved com.docker.*, io.docker.* and org.dockerproject.* namespaces.",
        remediation: "Rename the key, e.g. org.example.my-key.",
        peer_ids: &["DL3048"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3048",
        ],
    },
    CheckMeta {
        id: "HG-DF-084",
        concept: "df-add-for-archives",
        title: "Use ADD (not curl|tar) to extract local archives",
        severity: Severity::Info,
        description: "A local tar archive is COPYed and then extracted with tar in a RUN; ADD extracts it in one step without leaving the archive in a layer.",
        remediation: "Use 'ADD <archive> <directory>/' instead of COPY plus 'tar x'.",
        peer_ids: &["DL3010"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#add",
            "https://github.com/hadolint/hadolint/wiki/DL3010",
        ],
    },
    CheckMeta {
        id: "HG-DF-085",
        concept: "df-base-untrusted-registry",
        title: "Base image from a registry outside the allow-list",
        severity: Severity::Medium,
        description: "The image (FROM, or COPY --from an image) is pulled from a registry the organisation has not approved; its content, provenance and patching are outside your control. Runs only when trusted registries are configured.",
        remediation: "Use an image from a trusted registry (--trusted-registry), or mirror the image into one.",
        peer_ids: &["DL3026", "CIS 4.2"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#from",
            "https://github.com/hadolint/hadolint/wiki/DL3026",
        ],
    },
    CheckMeta {
        id: "HG-DF-086",
        concept: "df-inline-ignore",
        title: "Inline ignore pragma used",
        severity: Severity::Info,
        description: "A '# hullguard:ignore=' comment hides findings; reported only when asked (--report-ignore-pragmas), so reviews can see every exception.",
        remediation: "Fix the finding instead, or move the exception to a reviewed ignore file.",
        peer_ids: &["DL1001"],
        references: &["https://github.com/hadolint/hadolint/wiki/DL1001"],
    },
    CheckMeta {
        id: "HG-DF-087",
        concept: "df-label-missing",
        title: "Required LABEL missing (label schema)",
        severity: Severity::Info,
        description: "The final image lacks a label the configured label schema requires (e.g. the source repository or licence), so inventories and provenance tools cannot rely on it.",
        remediation: "Add the label to the final stage.",
        peer_ids: &["DL3049"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3049",
        ],
    },
    CheckMeta {
        id: "HG-DF-088",
        concept: "df-label-superfluous",
        title: "Superfluous LABEL present (strict label schema)",
        severity: Severity::Info,
        description: "With a strict label schema, a label the schema does not name is a typo or an unreviewed addition.",
        remediation: "Remove the label or add it to the schema.",
        peer_ids: &["DL3050"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3050",
        ],
    },
    CheckMeta {
        id: "HG-DF-089",
        concept: "df-label-url",
        title: "LABEL value is not a valid URL",
        severity: Severity::Info,
        description: "The label schema says this label holds a URL, but the value is not an absolute URL with a host.",
        remediation: "Use an absolute URL such as https://github.com/org/repo.",
        peer_ids: &["DL3052"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3052",
        ],
    },
    CheckMeta {
        id: "HG-DF-090",
        concept: "df-label-rfc3339",
        title: "LABEL value is not an RFC3339 time",
        severity: Severity::Info,
        description: "The label schema says this label holds a time, but the value is not an RFC 3339 date-time with an offset (e.g. 2026-11-24T10:00:00Z).",
        remediation: "Write the time as RFC 3339, e.g. $(date -u +%Y-%m-%dT%H:%M:%SZ) passed as a build argument.",
        peer_ids: &["DL3053"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3053",
            "https://www.rfc-editor.org/rfc/rfc3339",
        ],
    },
    CheckMeta {
        id: "HG-DF-091",
        concept: "df-label-spdx",
        title: "LABEL value is not an SPDX license id",
        severity: Severity::Info,
        description: "The label schema says this label holds a licence, but the value is not an SPDX licence identifier or expression, so licence tooling cannot read it.",
        remediation: "Use an SPDX identifier or expression, e.g. Apache-2.0 or MIT OR Apache-2.0.",
        peer_ids: &["DL3054"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3054",
            "https://spdx.org/licenses/",
        ],
    },
    CheckMeta {
        id: "HG-DF-092",
        concept: "df-label-git-hash",
        title: "LABEL value is not a git hash",
        severity: Severity::Info,
        description: "The label schema says this label holds a commit, but the value is not a full git commit hash (40 or 64 hex digits).",
        remediation: "Pass the full commit hash, e.g. --build-arg REVISION=$(git rev-parse HEAD).",
        peer_ids: &["DL3055"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3055",
        ],
    },
    CheckMeta {
        id: "HG-DF-093",
        concept: "df-label-semver",
        title: "LABEL value is not semantic versioning",
        severity: Severity::Info,
        description: "The label schema says this label holds a version, but the value is not a semantic version (MAJOR.MINOR.PATCH with optional pre-release and build).",
        remediation: "Use a semantic version such as 1.4.2.",
        peer_ids: &["DL3056"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3056",
            "https://semver.org/",
        ],
    },
    CheckMeta {
        id: "HG-DF-094",
        concept: "df-label-email",
        title: "LABEL value is not an RFC5322 e-mail",
        severity: Severity::Info,
        description: "The label schema says this label holds an e-mail address, but the value is not an RFC 5322 address (a display name or missing domain is not).",
        remediation: "Use a bare address such as team@example.com.",
        peer_ids: &["DL3058"],
        references: &[
            "https://docs.docker.com/reference/dockerfile/#label",
            "https://github.com/hadolint/hadolint/wiki/DL3058",
        ],
    },
    CheckMeta {
        id: "HG-DF-095",
        concept: "df-shellcheck",
        title: "ShellCheck finding in a RUN script",
        severity: Severity::Info,
        description: "ShellCheck found a likely bug or portability problem in a RUN script (unquoted expansions, broken tests, wrong redirections); the SC code and message are in the evidence. Runs only with --shellcheck.",
        remediation: "Fix the script as the ShellCheck wiki page for the code explains.",
        peer_ids: &["SC1000", "SC1001", "SC1007", "SC1010", "SC1018", "SC1035"],
        references: &["https://www.shellcheck.net/wiki/", "https://github.com/koalaman/shellcheck"],
    },
    CheckMeta {
        id: "HG-DF-096",
        concept: "hg-df-pipe-to-shell",
        title: "Download piped into a shell (curl … | sh)",
        severity: Severity::High,
        description: "A script fetched at build time runs unverified: whoever controls the server, the DNS or the network path chooses what runs in the build, and a truncated download runs half a script.",
        remediation: "Download the script to a file, verify its checksum (sha256sum -c) or signature, then run the file; or install a verified package instead.",
        peer_ids: &[],
        references: &["https://docs.docker.com/build/building/best-practices/#run"],
    },
    CheckMeta {
        id: "HG-IMG-001",
        concept: "img-user-root",
        title: "Image config runs as root (Config.User empty, root or 0)",
        severity: Severity::High,
        description: "The image's default user is root: every process in a container started from it runs as root unless the runtime overrides the user, so a compromise of the application is a compromise of root in the container.",
        remediation: "Create an unprivileged user in the image and set it as the default ('USER 10001' in the Dockerfile).",
        peer_ids: &["CIS-DI-0001", "CIS 4.1"],
        references: &[
            "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0001",
            "https://docs.docker.com/reference/dockerfile/#user",
        ],
    },
    CheckMeta {
        id: "HG-IMG-002",
        concept: "img-healthcheck",
        title: "Image config has no Healthcheck",
        severity: Severity::Low,
        description: "Without a HEALTHCHECK the engine cannot tell a hung container from a healthy one. 'HEALTHCHECK NONE' is an explicit choice and counts as present.",
        remediation: "Add a HEALTHCHECK instruction that probes the service (e.g. 'HEALTHCHECK CMD curl -f http://localhost/ || exit 1').",
        peer_ids: &["CIS-DI-0006", "CIS 4.6"],
        references: &[
            "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0006",
            "https://docs.docker.com/reference/dockerfile/#healthcheck",
        ],
    },
    CheckMeta {
        id: "HG-IMG-003",
        concept: "img-update-alone",
        title: "History has an update-only layer (apt-get update alone)",
        severity: Severity::High,
        description: "A build step that only refreshes the package index is cached on its own: later install steps reuse the stale index and install outdated packages.",
        remediation: "Run the index update and the install in the same RUN: 'apt-get update && apt-get install -y …'.",
        peer_ids: &["CIS-DI-0007", "CIS 4.7"],
        references: &[
            "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0007",
            "https://docs.docker.com/build/building/best-practices/#apt-get",
        ],
    },
    CheckMeta {
        id: "HG-IMG-004",
        concept: "img-setuid-setgid",
        title: "setuid/setgid files in the image",
        severity: Severity::Low,
        description: "setuid/setgid executables run with their owner's (often root's) privileges and are a classic privilege-escalation path. Reported for every layer, also when a later layer deletes or replaces the file (the bytes still ship).",
        remediation: "Remove the setuid/setgid bits of binaries the application does not need ('chmod a-s <file>' in the step that installs them).",
        peer_ids: &["CIS-DI-0008", "CIS 4.8"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0008"],
    },
    CheckMeta {
        id: "HG-IMG-005",
        concept: "img-add",
        title: "History shows ADD used instead of COPY",
        severity: Severity::High,
        description: "ADD fetches remote URLs without verification and silently extracts archives; COPY does only what it says. A base filesystem added at '/' and local archives (which ADD extracts) are exempt.",
        remediation: "Use COPY for local files; download remote files with a verified checksum (or 'ADD --checksum=…').",
        peer_ids: &["CIS-DI-0009", "CIS 4.9"],
        references: &[
            "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0009",
            "https://docs.docker.com/build/building/best-practices/#add-or-copy",
        ],
    },
    CheckMeta {
        id: "HG-IMG-006",
        concept: "img-secrets",
        title: "Credentials in ENV/history or credential files in layers",
        severity: Severity::Critical,
        description: "Anyone who can pull the image can read its config, history and every layer: secrets in ENV, labels, build arguments or credential files (deleted later or not) are exposed.",
        remediation: "Pass secrets at runtime (secret stores, mounted files) or with BuildKit secret mounts; rotate every credential that was ever in the image.",
        peer_ids: &["CIS-DI-0010", "CIS 4.10"],
        references: &[
            "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0010",
            "https://docs.docker.com/build/building/secrets/",
        ],
    },
    CheckMeta {
        id: "HG-IMG-007",
        concept: "img-sudo",
        title: "History shows sudo in a RUN",
        severity: Severity::High,
        description: "sudo in a build step means the image ships sudo and was built with privilege juggling; RUN already runs as the current USER.",
        remediation: "Run privileged steps before switching USER and drop sudo from RUN; use gosu/su-exec at runtime if needed.",
        peer_ids: &["DKL-DI-0001"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0001"],
    },
    CheckMeta {
        id: "HG-IMG-008",
        concept: "img-sensitive-volume",
        title: "VOLUME declared on a sensitive directory",
        severity: Severity::High,
        description: "A VOLUME on a system directory (/, /etc, /proc, /sys, /dev, /root, the Docker socket …) invites mounting host paths there and exposes or shadows critical files.",
        remediation: "Declare volumes only for application data directories (e.g. /var/lib/app).",
        peer_ids: &["DKL-DI-0002"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0002"],
    },
    CheckMeta {
        id: "HG-IMG-009",
        concept: "img-dist-upgrade",
        title: "History shows apt-get dist-upgrade",
        severity: Severity::Medium,
        description: "dist-upgrade (full-upgrade) in an image build can switch major package versions and makes the image depend on whatever the mirror serves that day.",
        remediation: "Use a newer base image instead, or 'apt-get upgrade' of specific packages.",
        peer_ids: &["DKL-DI-0003"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0003"],
    },
    CheckMeta {
        id: "HG-IMG-010",
        concept: "img-apk-cache",
        title: "History shows apk add without --no-cache",
        severity: Severity::High,
        description: "The apk package cache stays in the layer: bigger image, stale index. Reported when the step neither uses --no-cache, removes /var/cache/apk nor uses a cache mount, or when its layer really keeps files under /var/cache/apk.",
        remediation: "Use 'apk add --no-cache …' (or remove /var/cache/apk/* in the same RUN).",
        peer_ids: &["DKL-DI-0004"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0004"],
    },
    CheckMeta {
        id: "HG-IMG-011",
        concept: "img-apt-cache",
        title: "History shows apt-get without cache clean-up",
        severity: Severity::High,
        description: "The apt package lists and downloaded .deb files stay in the layer: bigger image, stale index. Reported when the installing step neither removes /var/lib/apt/lists nor uses a cache mount, or when its layer really keeps apt lists, .deb files or *.bin caches.",
        remediation: "End the same RUN with 'apt-get clean && rm -rf /var/lib/apt/lists/*' (or use a cache mount).",
        peer_ids: &["DKL-DI-0005"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0005"],
    },
    CheckMeta {
        id: "HG-IMG-012",
        concept: "img-latest-tag",
        title: "Image referenced by the latest tag",
        severity: Severity::Medium,
        description: "':latest' (or no tag) is a moving target: what runs is not what was tested, and rollbacks are impossible. Checked on the reference the image was scanned by and on the base-image label.",
        remediation: "Reference images by a version tag or, better, by digest (image:1.2.3@sha256:…).",
        peer_ids: &["DKL-DI-0006"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0006"],
    },
    CheckMeta {
        id: "HG-IMG-013",
        concept: "img-unneeded-files",
        title: "Unnecessary files in the image (.git, .DS_Store, .npmrc …)",
        severity: Severity::Low,
        description: "Version-control directories, editor and OS droppings and package-manager configs leak source history or tokens and bloat the image. Files inside installed packages (node_modules, site-packages, /usr/lib, /usr/share) are exempt.",
        remediation: "Exclude them with .dockerignore and delete them in the step that adds them.",
        peer_ids: &["DKL-LI-0003"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-li-0003"],
    },
    CheckMeta {
        id: "HG-IMG-014",
        concept: "img-empty-password",
        title: "Account with empty password in /etc/shadow",
        severity: Severity::High,
        description: "An account whose password field in /etc/shadow is empty can log in (su, login, sshd with PermitEmptyPasswords) without any password. Locked ('!', '*') accounts are fine. Checked only when the caller supplies /etc/shadow's contents.",
        remediation: "Lock the account ('passwd -l <user>' or 'usermod -p \'*\' <user>') or set a password hash.",
        peer_ids: &["DKL-LI-0001"],
        references: &[
            "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-li-0001",
            "https://man7.org/linux/man-pages/man5/shadow.5.html",
        ],
    },
    CheckMeta {
        id: "HG-IMG-015",
        concept: "img-duplicate-uid-gid",
        title: "Duplicate UID/GID in /etc/passwd or /etc/group",
        severity: Severity::High,
        description: "Two accounts (or groups) sharing a numeric id are the same principal to the kernel: a second uid 0 account is a hidden root. Checked only when the caller supplies the files' contents.",
        remediation: "Give every account and group its own id; remove accounts that alias root.",
        peer_ids: &["DKL-LI-0002"],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-li-0002"],
    },
    CheckMeta {
        id: "HG-IMG-016",
        concept: "hg-img-expose-ssh",
        title: "Image config exposes port 22 (SSH)",
        severity: Severity::Medium,
        description: "An exposed port 22 suggests an SSH daemon in the container, a large attack surface; use 'docker exec' instead. Image-level twin of df-expose-ssh (not in the catalogue's image section).",
        remediation: "Remove port 22 from EXPOSE and do not run sshd in the container.",
        peer_ids: &[],
        references: &["https://docs.docker.com/reference/dockerfile/#expose"],
    },
    CheckMeta {
        id: "HG-IMG-017",
        concept: "hg-img-sudo-binary",
        title: "sudo is installed in the image",
        severity: Severity::Medium,
        description: "A sudo binary in the final filesystem lets any process that can run it as a permitted user become root; containers do not need it. (su is not reported here: it ships with every Debian/Ubuntu base and is covered by the setuid check.)",
        remediation: "Do not install sudo; run privileged build steps before USER and use gosu/su-exec at runtime if needed.",
        peer_ids: &[],
        references: &["https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0001"],
    },
    CheckMeta {
        id: "HG-IMG-018",
        concept: "hg-img-world-writable",
        title: "World-writable directory without sticky bit",
        severity: Severity::Medium,
        description: "Any user can create, replace or delete files in a world-writable directory without the sticky bit, e.g. swap a file another process trusts.",
        remediation: "Remove write permission for others ('chmod o-w <dir>') or set the sticky bit ('chmod +t <dir>') like /tmp.",
        peer_ids: &[],
        references: &["https://man7.org/linux/man-pages/man1/chmod.1.html#RESTRICTED_DELETION_FLAG_OR_STICKY_BIT"],
    },
    CheckMeta {
        id: "HG-IMG-019",
        concept: "hg-img-shadow-readable",
        title: "/etc/shadow or /etc/gshadow readable by others",
        severity: Severity::High,
        description: "The password hashes in /etc/shadow (and /etc/gshadow) must be readable only by root and the shadow group; readable by everyone they can be cracked offline by any user.",
        remediation: "'chmod 0640 /etc/shadow /etc/gshadow' (owner root, group shadow) or 0600.",
        peer_ids: &[],
        references: &["https://man7.org/linux/man-pages/man5/shadow.5.html"],
    },
    CheckMeta {
        id: "HG-IMG-020",
        concept: "hg-img-package-cache",
        title: "Package-manager cache left in the image (pip, npm, yarn, yum, dnf, zypper)",
        severity: Severity::Low,
        description: "Download caches of language and RPM package managers stay in the final filesystem: bigger image, and cached packages that no scanner attributes to anything. (apt and apk caches are reported per build step by img-apt-cache and img-apk-cache.)",
        remediation: "Disable the cache in the install step (pip --no-cache-dir, npm cache clean --force, yarn cache clean, yum/dnf clean all) or use a cache mount.",
        peer_ids: &[],
        references: &["https://docs.docker.com/build/cache/optimize/#use-cache-mounts"],
    },
];

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn shared_dir() -> String {
        std::env::var("HULLGUARD_SHARED")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").to_owned())
    }

    #[test]
    fn ids_and_concepts_are_unique_and_ordered() {
        let mut ids = BTreeSet::new();
        let mut concepts = BTreeSet::new();
        for m in registry() {
            assert!(ids.insert(m.id), "duplicate id {}", m.id);
            assert!(concepts.insert(m.concept), "duplicate concept {}", m.concept);
            let family_ok = (m.id.starts_with("HG-DF-") && m.id.len() == 9)
                || (m.id.starts_with("HG-IMG-")
                    && m.id.len() == 10
                    && (m.concept.starts_with("img-") || is_extension(m)));
            assert!(family_ok, "bad id {} for {}", m.id, m.concept);
            assert!(m.id[m.id.len() - 3..].bytes().all(|b| b.is_ascii_digit()), "bad id {}", m.id);
            assert!(!m.title.is_empty() && !m.description.is_empty());
            // hullguard's own concepts (`hg-…`, not in the catalogue) may have no peer.
            assert!(!m.remediation.is_empty() && (!m.peer_ids.is_empty() || is_extension(m)));
        }
        let listed: Vec<&str> = registry().iter().map(|m| m.id).collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(listed, sorted);
    }

    /// A hullguard-only concept: not in the catalogue, key starts with `hg-`.
    fn is_extension(m: &CheckMeta) -> bool {
        m.concept.starts_with("hg-")
    }

    fn catalogue() -> String {
        let path = format!("{}/checks/CATALOGUE.md", shared_dir());
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path} (set HULLGUARD_SHARED): {e}"))
    }

    #[test]
    fn image_checks_have_exactly_the_catalogue_peer_ids() {
        let catalogue = catalogue();
        for m in registry().iter().filter(|m| m.id.starts_with("HG-IMG-")) {
            let key = format!("| `{}` |", m.concept);
            let row = catalogue.lines().find(|l| l.starts_with(&key));
            if is_extension(m) {
                assert!(row.is_none(), "{} is in the catalogue: use its key without the hg- prefix", m.concept);
                continue;
            }
            let row = row.unwrap_or_else(|| panic!("{} is not in the catalogue", m.concept));
            let cells: Vec<&str> = row.split(" | ").collect();
            let peers: BTreeSet<&str> =
                cells.get(3).map(|c| c.split(" · ").map(str::trim).collect()).unwrap_or_default();
            let ours: BTreeSet<&str> = m.peer_ids.iter().copied().collect();
            assert_eq!(ours, peers, "{}", m.concept);
        }
    }

    #[test]
    fn every_image_concept_of_the_catalogue_is_implemented_or_listed() {
        let catalogue = catalogue();
        let section = catalogue
            .split("### ")
            .find(|s| s.starts_with("Image config / built image"))
            .unwrap_or_else(|| panic!("no image section in the catalogue"));
        let mut keys = BTreeSet::new();
        for line in section.lines() {
            if let Some(rest) = line.strip_prefix("| `") {
                let key = rest.split('`').next().unwrap_or_default();
                keys.insert(key);
            }
        }
        assert_eq!(keys.len(), 20);
        for key in keys {
            let implemented = by_concept(key).is_some_and(|m| m.id.starts_with("HG-IMG-"));
            let listed = crate::image::NOT_IMPLEMENTED.iter().any(|(k, _)| *k == key);
            assert!(implemented != listed, "{key}: implemented={implemented}, listed as not implemented={listed}");
        }
    }

    #[test]
    fn every_dockerfile_concept_of_the_catalogue_is_implemented() {
        let catalogue = catalogue();
        let section = catalogue
            .split("### ")
            .find(|s| s.starts_with("Dockerfile (build file lint)"))
            .unwrap_or_else(|| panic!("no Dockerfile section in the catalogue"));
        let keys: Vec<&str> = section.lines().filter_map(|l| l.strip_prefix("| `")?.split('`').next()).collect();
        assert_eq!(keys.len(), 95);
        let missing: Vec<&&str> =
            keys.iter().filter(|k| !by_concept(k).is_some_and(|m| m.id.starts_with("HG-DF-"))).collect();
        assert!(missing.is_empty(), "not implemented: {missing:?}");
    }

    #[test]
    fn every_concept_is_in_the_catalogue_with_its_severity() {
        let catalogue = catalogue();
        for m in registry().iter().filter(|m| !is_extension(m)) {
            let key = format!("| `{}` |", m.concept);
            let row = catalogue
                .lines()
                .find(|l| l.starts_with(&key))
                .unwrap_or_else(|| panic!("{} is not in the catalogue", m.concept));
            let cells: Vec<&str> = row.split(" | ").collect();
            assert_eq!(cells.get(2).copied(), Some(m.severity.as_str()), "{}", m.concept);
            for peer in m.peer_ids {
                assert!(row.contains(peer), "{}: peer id {peer} not in catalogue", m.concept);
            }
        }
    }

    #[test]
    fn peer_ids_name_checks_and_unknown_names_are_not_check_names() {
        let apt_pin = by_concept("df-apt-pin").unwrap();
        assert!(apt_pin.is_named("DL3008") && apt_pin.is_named("HG-DF-024") && apt_pin.is_named("df-apt-pin"));
        let ds002: Vec<&str> = registry().iter().filter(|m| m.is_named("DS002")).map(|m| m.id).collect();
        assert_eq!(ds002, ["HG-DF-003", "HG-DF-004"]);
        assert!(by_concept("df-user-missing").unwrap().is_named("CKV_DOCKER_3"));
        assert!(!by_concept("df-shellcheck").unwrap().is_named("SC1000"), "SC codes select codes");
        for known in ["DL3008", "CKV2_DOCKER_1", "HG-IMG-001", "img-user-root", "SC2086"] {
            assert!(is_check_name(known), "{known}");
        }
        for unknown in ["DL9999", "HG-DF-999", "df-nope", "SC", "dl3008", ""] {
            assert!(!is_check_name(unknown), "{unknown}");
        }
    }

    #[test]
    fn lookup_by_concept() {
        assert_eq!(by_concept("df-user-root").map(|m| m.id), Some("HG-DF-004"));
        assert!(by_concept("df-nope").is_none());
        assert_eq!(by_concept("img-user-root").map(|m| m.id), Some("HG-IMG-001"));
    }
}
