//! Dockerfile linting: [`parse`] turns bytes into a [`parse::Dockerfile`], [`shell`] splits `RUN`
//! scripts into simple commands, [`check_dockerfile`] runs the checks, and [`input_document`] is
//! the parsed file as the JSON document a policy engine would read.
//!
//! # Implemented catalogue concepts
//!
//! All 95 of the catalogue's Dockerfile concepts, and hullguard's own `hg-df-pipe-to-shell`. Eleven run only when configured through
//! [`Settings`]: the registry allow-list (`df-base-untrusted-registry`), the label schema
//! (`df-label-missing`, `df-label-superfluous` and the typed-label checks), reporting ignore
//! pragmas (`df-inline-ignore`) and ShellCheck (`df-shellcheck`).
//!
//! | id | concept | notes |
//! |---|---|---|
//! | HG-DF-001 | `df-base-latest` | scratch, stage aliases, digests and unresolved `ARG`s exempt |
//! | HG-DF-002 | `df-base-untagged` | same exemptions |
//! | HG-DF-003 | `df-user-missing` | final stage and the stages it builds on; `*nonroot*` bases exempt |
//! | HG-DF-004 | `df-user-root` | last USER of the final image (and the stages it builds on) is `root` or `0`; deliberately not build stages, whose layers do not ship (Checkov CKV_DOCKER_8 reads the last USER of the file) |
//! | HG-DF-005 | `df-sudo` | |
//! | HG-DF-006 | `df-expose-ssh` | also a port range containing 22 |
//! | HG-DF-007 | `df-expose-out-of-range` | variables skipped |
//! | HG-DF-008 | `df-healthcheck-missing` | final image only; `HEALTHCHECK NONE` counts as present |
//! | HG-DF-009 | `df-healthcheck-multiple` | per stage, every repeat flagged |
//! | HG-DF-010 | `df-cmd-multiple` | per stage |
//! | HG-DF-011 | `df-entrypoint-multiple` | per stage |
//! | HG-DF-012 | `df-cmd-json-form` | CMD and ENTRYPOINT; JSON fix when mechanical |
//! | HG-DF-013 | `df-maintainer` | fix: `LABEL maintainer=…` |
//! | HG-DF-014 | `df-workdir-relative` | `$VAR` and Windows paths exempt |
//! | HG-DF-015 | `df-run-cd` | |
//! | HG-DF-016 | `df-copy-multi-src-slash` | |
//! | HG-DF-017 | `df-add-instead-of-copy` | URLs, git, archives and variables exempt; one source that needs ADD exempts the whole ADD (hadolint DL3020 flags a mixed ADD) |
//! | HG-DF-018 | `df-copy-from-self` | alias or own index |
//! | HG-DF-019 | `df-copy-from-unknown` | image references (`:`, `/`, `@`, `.`) exempt |
//! | HG-DF-020 | `df-stage-alias-duplicate` | case-insensitive |
//! | HG-DF-021 | `df-pipefail` | `SHELL … pipefail`, `set -o pipefail`, pwsh/cmd exempt |
//! | HG-DF-022 | `df-apt-yes` | `-y`, `--yes`, `--assume-yes`, `-qq`, `-q=2`, clusters such as `-qy`; a single `-q` deliberately does not count (hadolint DL3014 accepts it; apt-get answers yes only at quiet level 2) |
//! | HG-DF-023 | `df-apt-no-recommends` | |
//! | HG-DF-024 | `df-apt-pin` | `pkg=ver`, `pkg/release` and `.deb` files count as pinned |
//! | HG-DF-025 | `df-apt-lists` | only stages in the final image; cache mounts exempt |
//! | HG-DF-026 | `df-update-alone` | apt/apt-get/apk update, yum/dnf makecache, zypper refresh with no install or upgrade after it in the RUN (as Trivy DS017); yum/dnf/zypper `update` upgrades, so it is deliberately not an update-only step (Trivy flags it) |
//! | HG-DF-027 | `df-pip-no-cache` | `PIP_NO_CACHE_DIR` and pip cache mounts exempt |
//! | HG-DF-028 | `df-pip-pin` | requirement files, paths, URLs, wheels exempt |
//! | HG-DF-029 | `df-secrets` | secret-like ENV/ARG names (values redacted), key/credential files copied in |
//! | HG-DF-030 | `df-curl-insecure` | |
//! | HG-DF-031 | `df-wget-no-check-cert` | |
//! | HG-DF-032 | `df-apt-not-apt-get` | |
//! | HG-DF-033 | `df-dist-upgrade` | |
//! | HG-DF-034 | `df-apk-no-cache` | `rm /var/cache/apk` and cache mounts exempt |
//! | HG-DF-035 | `df-apt-allow-unauthenticated` | |
//! | HG-DF-036 | `df-apt-force-yes` | |
//! | HG-DF-037 | `df-apk-allow-untrusted` | |
//! | HG-DF-038 | `df-env-node-tls-reject` | ENV, ARG, shell assignments and `export`; only the value `0` disables verification (Node) |
//! | HG-DF-039 | `df-env-python-https-verify` | same; only `0` (PEP 493) |
//! | HG-DF-040 | `df-env-git-ssl-no-verify` | same; any value, even `false` or empty (git only asks whether it is set); `ARG` without a default sets nothing |
//! | HG-DF-041 | `df-workdir-system-dir` | |
//! | HG-DF-042 | `df-onbuild-invalid` | |
//! | HG-DF-043 | `df-wget-and-curl` | one finding, at the first use of the later tool |
//! | HG-DF-044 | `df-rpm-nogpgcheck` | yum, dnf, microdnf, tdnf |
//! | HG-DF-045 | `df-pip-trusted-host` | `--trusted-host` and `PIP_TRUSTED_HOST` |
//! | HG-DF-046 | `df-rpm-nosignature` |  |
//! | HG-DF-047 | `df-npm-strict-ssl-off` | npm/yarn/pnpm config, `--no-strict-ssl` and `NPM_CONFIG_STRICT_SSL`, with the values npm reads as false: `false`, `null`, `0` (`FALSE` is true) |
//! | HG-DF-048 | `df-rpm-sslverify-off` | yum-config-manager and `--setopt=…sslverify=…` |
//! | HG-DF-049 | `df-yum-yes` |  |
//! | HG-DF-050 | `df-dnf-yes` |  |
//! | HG-DF-051 | `df-yum-clean` | final image only; `yum clean all` (not `clean packages`), `rm /var/cache/yum`, cache mounts |
//! | HG-DF-052 | `df-dnf-clean` | same, for dnf |
//! | HG-DF-053 | `df-microdnf-clean` | same, for microdnf |
//! | HG-DF-054 | `df-zypper-yes` | `-n`, `--non-interactive`, `-y`, `--no-confirm` |
//! | HG-DF-055 | `df-zypper-clean` | final image only |
//! | HG-DF-056 | `df-zypper-dist-upgrade` |  |
//! | HG-DF-057 | `df-apk-pin` | `=`, `~`, `<`, `>` and `.apk` files count as pinned |
//! | HG-DF-058 | `df-add-remote-url` | `ADD --checksum` exempt |
//! | HG-DF-059 | `df-base-platform-flag` | variables (`$BUILDPLATFORM`) exempt |
//! | HG-DF-060 | `df-base-platform-redundant` |  |
//! | HG-DF-061 | `df-go-install-pin` | local packages exempt |
//! | HG-DF-062 | `df-chpasswd` |  |
//! | HG-DF-063 | `df-stage-unnamed` | `COPY --from=<index>` of an earlier stage |
//! | HG-DF-064 | `df-copy-whole-fs` | `COPY --from=… / …` |
//! | HG-DF-065 | `df-first-instruction` | first non-ARG instruction before FROM; those instructions are still linted, with the first stage (a stage of their own without FROM) |
//! | HG-DF-066 | `df-stage-name-reserved` | `scratch`, `context` |
//! | HG-DF-067 | `df-useradd-large-uid` | UID above 99999 without `-l` |
//! | HG-DF-068 | `df-user-non-numeric` | last USER of the final image |
//! | HG-DF-069 | `df-copy-chown` | owner other than root/0 |
//! | HG-DF-070 | `df-copy-relative-no-workdir` | WORKDIR inherited from a base stage counts |
//! | HG-DF-071 | `df-shell-via-run` | `ln -s… /bin/sh` |
//! | HG-DF-072 | `df-env-self-reference` | names defined by an earlier ENV/ARG exempt |
//! | HG-DF-073 | `df-run-consecutive` | RUN after RUN with the same flags (RUN only); comments do not separate; a RUN of more than two commands is exempt, and so is the RUN after it (as hadolint) |
//! | HG-DF-074 | `df-wget-progress` | `--progress`, `-q`, `-nv`, and logging to a file (`-o`, `-a`) exempt |
//! | HG-DF-075 | `df-run-interactive-utils` | ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig |
//! | HG-DF-076 | `df-npm-pin` | `npm install` without packages (lockfile) exempt |
//! | HG-DF-077 | `df-gem-pin` | `name:version` or `-v` |
//! | HG-DF-078 | `df-yarn-cache` | final image only; `yarn cache clean` or cache mount |
//! | HG-DF-079 | `df-yum-pin` | `name-<digit>…`, paths, globs count as pinned; `module install` needs `name:stream`; deliberately stricter than hadolint DL3033, which takes any `-` (`python3-pip`) as a version |
//! | HG-DF-080 | `df-dnf-pin` | dnf and microdnf; as HG-DF-079 (and as hadolint DL3041) |
//! | HG-DF-081 | `df-zypper-pin` | `=`, `<`, `>`, `.rpm` |
//! | HG-DF-082 | `df-label-empty` |  |
//! | HG-DF-083 | `df-label-key-invalid` | Docker's key guidelines, reserved namespaces |
//! | HG-DF-084 | `df-add-for-archives` | COPY of a tar archive later extracted by `tar` (`-x`, `--extract`, `xzf`) in the same stage; zip files deliberately not (ADD does not unpack them; hadolint DL3010 counts `unzip`) |
//! | HG-DF-085 | `df-base-untrusted-registry` | configured; FROM and `COPY --from=<image>`; `*.domain` patterns; Docker Hub aliases |
//! | HG-DF-086 | `df-inline-ignore` | configured; the pragmas still apply; cannot be suppressed itself |
//! | HG-DF-087 | `df-label-missing` | label schema; labels of the final stage and the stages it builds on |
//! | HG-DF-088 | `df-label-superfluous` | strict label schema |
//! | HG-DF-089 | `df-label-url` | label schema; values with variables are not judged (also for 090–094) |
//! | HG-DF-090 | `df-label-rfc3339` | calendar and clock ranges checked |
//! | HG-DF-091 | `df-label-spdx` | SPDX expressions (`MIT OR Apache-2.0`) accepted |
//! | HG-DF-092 | `df-label-git-hash` | full SHA-1 or SHA-256 hash |
//! | HG-DF-093 | `df-label-semver` | SemVer 2.0.0 |
//! | HG-DF-094 | `df-label-email` | a bare RFC 5322 address |
//! | HG-DF-095 | `df-shellcheck` | configured; an installed ShellCheck reads the RUN scripts |
//! | HG-DF-096 | `hg-df-pipe-to-shell` | hullguard's own: `curl … \| sh`, `wget -O- … \| bash -s`, also through `tee`; `sh -c "$(curl …)"` |
//!
//! Suppress a finding with `# hullguard:ignore=HG-DF-012` or hadolint's `# hadolint ignore=DL3008`
//! (ids, concept keys or peer ids, comma-separated) on its line or on a comment line directly
//! above it or above its instruction; `# hadolint global ignore=DL3008` covers the whole file.
//! A peer id selects every check carrying it (`DS002`: HG-DF-003 and HG-DF-004).

mod checks;
pub(crate) mod package_args;
pub mod parse;
pub mod shell;

pub use checks::{INPUT_SCHEMA_VERSION, LabelFormat, Settings, check_dockerfile, input_document};
