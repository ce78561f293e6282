//! One failing and one passing case (at least) per check, with exact `(id, line)`.

use std::collections::BTreeSet;

use hullguard_report::Location;

use super::{LabelFormat, Settings, check_dockerfile};
use crate::registry::{by_concept, registry};

/// The settings every case runs with: the configured checks are on (the others ignore them).
fn case_settings() -> Settings {
    Settings {
        skip: Vec::new(),
        trusted_registries: vec!["docker.io".to_owned(), "*.example.com".to_owned()],
        label_schema: [
            ("org.opencontainers.image.source", LabelFormat::Url),
            ("org.opencontainers.image.created", LabelFormat::Rfc3339),
            ("org.opencontainers.image.licenses", LabelFormat::Spdx),
            ("org.opencontainers.image.revision", LabelFormat::Hash),
            ("org.opencontainers.image.version", LabelFormat::Semver),
            ("maintainer", LabelFormat::Email),
            ("description", LabelFormat::Text),
        ]
        .into_iter()
        .map(|(k, f)| (k.to_owned(), f))
        .collect(),
        strict_labels: true,
        report_ignore_pragmas: true,
        shellcheck: None,
    }
}

/// Every label of [`case_settings`]' schema, with good values (a LABEL instruction on one line).
const SCHEMA_LABELS: &str = "LABEL org.opencontainers.image.source=https://git.example.com/app \
org.opencontainers.image.created=2026-11-24T10:00:00Z org.opencontainers.image.licenses=\"MIT OR Apache-2.0\" \
org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567 org.opencontainers.image.version=1.4.2-rc.1 \
maintainer=ops@example.com description=\"the app\"\n";

/// `(id, line)` of the findings with id `id`.
fn hits(id: &str, text: &str) -> Vec<(String, u32)> {
    let text = text.replace("{labels}", SCHEMA_LABELS);
    let mut settings = case_settings();
    // ShellCheck (installed by CI) runs only for its own cases: one process per Dockerfile.
    if id == "HG-DF-095" {
        settings.shellcheck = Some("shellcheck".into());
    }
    let (findings, _) = check_dockerfile(text.as_bytes(), "Dockerfile", &settings);
    findings
        .into_iter()
        .filter(|f| f.id == id)
        .map(|f| match f.location {
            Location::File { line, .. } => (f.id, line),
            other => panic!("unexpected location {other:?}"),
        })
        .collect()
}

/// Cases: (id, Dockerfile, lines expected for that id).
const CASES: &[(&str, &str, &[u32])] = &[
    // df-base-latest
    ("HG-DF-001", "FROM alpine:latest\n", &[1]),
    ("HG-DF-001", "ARG V=latest\nFROM docker.io/library/alpine:$V\n", &[2]),
    ("HG-DF-001", "FROM alpine:3.20\nFROM scratch\n", &[]),
    ("HG-DF-001", "FROM alpine:latest@sha256:abc\n", &[]),
    ("HG-DF-001", "FROM golang:1.22 AS latest\nFROM latest\n", &[]),
    // df-base-untagged
    ("HG-DF-002", "FROM ubuntu\n", &[1]),
    ("HG-DF-002", "FROM localhost:5000/app\n", &[1]),
    ("HG-DF-002", "FROM golang:1.22 AS build\nFROM build\n", &[]),
    ("HG-DF-002", "ARG IMG\nFROM $IMG\n", &[]),
    ("HG-DF-002", "FROM localhost:5000/app:1.0\n", &[]),
    // df-user-missing
    ("HG-DF-003", "FROM a:1 AS b\nUSER app\nFROM a:1\nRUN x\n", &[3]),
    ("HG-DF-003", "FROM a:1 AS b\nUSER app\nFROM b\nRUN x\n", &[]),
    ("HG-DF-003", "FROM gcr.io/distroless/static:nonroot\n", &[]),
    // df-user-root
    ("HG-DF-004", "FROM a:1\nUSER app\nUSER root\n", &[3]),
    ("HG-DF-004", "FROM a:1\nUSER 0:0\n", &[2]),
    ("HG-DF-004", "FROM a:1\nUSER root\nRUN x\nUSER 1000\n", &[]),
    // df-sudo
    ("HG-DF-005", "FROM a:1\nRUN echo hi && \\\n  sudo apt-get update\n", &[3]),
    ("HG-DF-005", "FROM a:1\nRUN echo sudo\n", &[]),
    // df-expose-ssh
    ("HG-DF-006", "FROM a:1\nEXPOSE 80 22/tcp\n", &[2]),
    ("HG-DF-006", "FROM a:1\nEXPOSE 20-25\n", &[2]),
    ("HG-DF-006", "FROM a:1\nEXPOSE 2222 8022\n", &[]),
    // df-expose-out-of-range
    ("HG-DF-007", "FROM a:1\nEXPOSE 65536\n", &[2]),
    ("HG-DF-007", "FROM a:1\nEXPOSE 65535 $PORT 0\n", &[]),
    // df-healthcheck-missing
    ("HG-DF-008", "FROM a:1\nRUN x\n", &[1]),
    ("HG-DF-008", "FROM a:1\nHEALTHCHECK NONE\n", &[]),
    ("HG-DF-008", "FROM a:1 AS base\nHEALTHCHECK CMD true\nFROM base\n", &[]),
    // df-healthcheck-multiple
    ("HG-DF-009", "FROM a:1\nHEALTHCHECK CMD a\nHEALTHCHECK CMD b\n", &[3]),
    ("HG-DF-009", "FROM a:1\nHEALTHCHECK CMD a\nFROM b:1\nHEALTHCHECK CMD b\n", &[]),
    // df-cmd-multiple
    ("HG-DF-010", "FROM a:1\nCMD [\"a\"]\nCMD [\"b\"]\nCMD [\"c\"]\n", &[3, 4]),
    ("HG-DF-010", "FROM a:1\nCMD [\"a\"]\nFROM b:1\nCMD [\"b\"]\n", &[]),
    // df-entrypoint-multiple
    ("HG-DF-011", "FROM a:1\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n", &[3]),
    ("HG-DF-011", "FROM a:1\nENTRYPOINT [\"a\"]\nCMD [\"b\"]\n", &[]),
    // df-cmd-json-form
    ("HG-DF-012", "FROM a:1\nCMD node server.js\nENTRYPOINT exec app\n", &[2, 3]),
    ("HG-DF-012", "FROM a:1\nCMD [\"node\", \"server.js\"]\n", &[]),
    // df-maintainer
    ("HG-DF-013", "FROM a:1\nMAINTAINER me <me@x.org>\n", &[2]),
    ("HG-DF-013", "FROM a:1\nLABEL maintainer=me\n", &[]),
    // df-workdir-relative
    ("HG-DF-014", "FROM a:1\nWORKDIR app\n", &[2]),
    ("HG-DF-014", "FROM a:1\nWORKDIR /app\nWORKDIR $HOME\nWORKDIR C:\\app\n", &[]),
    // df-run-cd
    ("HG-DF-015", "FROM a:1\nRUN make && \\\n cd /src && make\n", &[3]),
    ("HG-DF-015", "FROM a:1\nRUN make -C /src\n", &[]),
    // df-copy-multi-src-slash
    ("HG-DF-016", "FROM a:1\nCOPY a b /dest\n", &[2]),
    ("HG-DF-016", "FROM a:1\nCOPY [\"a\", \"b\", \"/dest\"]\n", &[2]),
    ("HG-DF-016", "FROM a:1\nCOPY a b /dest/\nCOPY --chown=1 a /dest\n", &[]),
    // df-add-instead-of-copy
    ("HG-DF-017", "FROM a:1\nADD app.py /app/\n", &[2]),
    ("HG-DF-017", "FROM a:1\nADD rootfs.tar.gz /\nADD https://x.org/f /f\nADD git@github.com:a/b.git /b\n", &[]),
    // df-copy-from-self
    ("HG-DF-018", "FROM a:1 AS build\nCOPY --from=BUILD /a /b\n", &[2]),
    ("HG-DF-018", "FROM a:1\nCOPY --from=0 /a /b\n", &[2]),
    ("HG-DF-018", "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /a /b\n", &[]),
    // df-copy-from-unknown
    ("HG-DF-019", "FROM a:1 AS build\nFROM b:1\nCOPY --from=buld /a /b\n", &[3]),
    ("HG-DF-019", "FROM a:1\nCOPY --from=2 /a /b\n", &[2]),
    (
        "HG-DF-019",
        "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /a /b\nCOPY --from=0 /a /b\nCOPY --from=nginx:1.27 /a /b\n",
        &[],
    ),
    // df-stage-alias-duplicate
    ("HG-DF-020", "FROM a:1 AS x\nFROM b:1 AS X\n", &[2]),
    ("HG-DF-020", "FROM a:1 AS x\nFROM b:1 AS y\n", &[]),
    // df-pipefail
    ("HG-DF-021", "FROM a:1\nRUN echo a && \\\n  curl -s x | tar x\n", &[3]),
    ("HG-DF-021", "FROM a:1\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl x | tar x\n", &[]),
    ("HG-DF-021", "FROM a:1\nRUN set -euo pipefail; curl x | tar x\n", &[]),
    ("HG-DF-021", "FROM a:1\nRUN a || b\n", &[]),
    ("HG-DF-021", "FROM a:1 AS base\nSHELL [\"bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n", &[]),
    ("HG-DF-021", "FROM a:1 AS base\nSHELL [\"bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM a:1\nRUN a | b\n", &[4]),
    ("HG-DF-021", "FROM a:1\nSHELL [\"pwsh\", \"-c\"]\nRUN a | b\n", &[]),
    // df-apt-yes
    ("HG-DF-022", "FROM a:1\nRUN apt-get update && apt-get install curl\n", &[2]),
    ("HG-DF-022", "FROM a:1\nRUN apt-get install -y a\nRUN apt-get -qq install b\nRUN apt-get install -qy c\n", &[]),
    // df-apt-no-recommends
    ("HG-DF-023", "FROM a:1\nRUN apt-get install -y curl\n", &[2]),
    ("HG-DF-023", "FROM a:1\nRUN apt-get install -y --no-install-recommends curl\n", &[]),
    // df-apt-pin
    ("HG-DF-024", "FROM a:1\nRUN apt-get install -y curl=8.0 git\n", &[2]),
    ("HG-DF-024", "FROM a:1\nRUN apt-get install -y -o Dpkg::Options::=--force-confnew curl=8.0 ./x.deb\n", &[]),
    // The value of an apt option (`--default-release`) is neither the subcommand nor a package.
    ("HG-DF-024", "FROM a:1\nRUN apt-get --default-release bookworm-backports install -y curl=8.0\n", &[]),
    ("HG-DF-024", "FROM a:1\nRUN apt-get --default-release bookworm-backports install -y curl\n", &[2]),
    ("HG-DF-022", "FROM a:1\nRUN apt-get --default-release bookworm-backports install curl\n", &[2]),
    // df-apt-lists
    ("HG-DF-025", "FROM a:1\nRUN apt-get update && \\\n apt-get install -y x\n", &[3]),
    ("HG-DF-025", "FROM a:1\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n", &[]),
    ("HG-DF-025", "FROM a:1 AS build\nRUN apt-get install -y x\nFROM b:1\n", &[]),
    ("HG-DF-025", "FROM a:1\nRUN --mount=type=cache,target=/var/lib/apt apt-get install -y x\n", &[]),
    // df-update-alone
    ("HG-DF-026", "FROM a:1\nRUN apt-get update\nRUN apt-get install -y x\n", &[2]),
    ("HG-DF-026", "FROM a:1\nRUN apk update\n", &[2]),
    ("HG-DF-026", "FROM a:1\nRUN apt-get update && apt-get install -y x\n", &[]),
    // An install before the update does not use the fresh lists; zypper refresh is an update.
    ("HG-DF-026", "FROM a:1\nRUN apt-get install -y x && apt-get update\nRUN zypper --non-interactive ref\n", &[2, 3]),
    ("HG-DF-026", "FROM a:1\nRUN zypper refresh && zypper -n in x=1 && zypper clean\n", &[]),
    // yum/dnf `update` upgrades the packages: not an update-only step (Trivy DS017 flags it).
    ("HG-DF-026", "FROM a:1\nRUN yum update -y && yum clean all\n", &[]),
    // df-pip-no-cache
    ("HG-DF-027", "FROM a:1\nRUN pip install flask==3.0\n", &[2]),
    ("HG-DF-027", "FROM a:1\nRUN python3 -m pip install flask==3.0\n", &[2]),
    (
        "HG-DF-027",
        "FROM a:1\nRUN pip install --no-cache-dir flask==3.0\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x==1\n",
        &[],
    ),
    // df-pip-pin
    ("HG-DF-028", "FROM a:1\nRUN pip3 install --no-cache-dir flask requests==2.0\n", &[2]),
    ("HG-DF-028", "FROM a:1\nRUN pip install --no-cache-dir -r requirements.txt 'a>=1' b@https://x/b.whl .\n", &[]),
    // df-secrets
    ("HG-DF-029", "ARG GITHUB_TOKEN\nFROM a:1\nENV DB_PASSWORD=hunter2\n", &[1, 3]),
    ("HG-DF-029", "FROM a:1\nCOPY id_rsa /root/.ssh/\n", &[2]),
    ("HG-DF-029", "FROM a:1\nENV DB_PASSWORD_FILE=/run/secrets/db\nCOPY --from=b:1 /x.key /y\nARG VERSION\n", &[]),
    // df-curl-insecure
    ("HG-DF-030", "FROM a:1\nRUN curl -fsSLk https://x\n", &[2]),
    ("HG-DF-030", "FROM a:1\nRUN curl -fsSL https://x\n", &[]),
    // df-wget-no-check-cert
    ("HG-DF-031", "FROM a:1\nRUN wget --no-check-certificate https://x\n", &[2]),
    ("HG-DF-031", "FROM a:1\nRUN wget https://x\n", &[]),
    // df-apt-not-apt-get
    ("HG-DF-032", "FROM a:1\nRUN apt install -y x\n", &[2]),
    ("HG-DF-032", "FROM a:1\nRUN apt-get install -y x\n", &[]),
    // df-dist-upgrade
    ("HG-DF-033", "FROM a:1\nRUN apt-get update && apt-get dist-upgrade -y\n", &[2]),
    ("HG-DF-033", "FROM a:1\nRUN apt-get update && apt-get upgrade -y\n", &[]),
    // df-apk-no-cache
    ("HG-DF-034", "FROM a:1\nRUN apk add curl=8.0\n", &[2]),
    ("HG-DF-034", "FROM a:1\nRUN apk add --no-cache curl\nRUN apk add x && rm -rf /var/cache/apk/*\n", &[]),
    // df-apt-allow-unauthenticated
    ("HG-DF-035", "FROM a:1\nRUN apt-get install -y --allow-unauthenticated x\n", &[2]),
    ("HG-DF-035", "FROM a:1\nRUN apt-get install -y x\n", &[]),
    // df-apt-force-yes
    ("HG-DF-036", "FROM a:1\nRUN apt-get install --force-yes x\n", &[2]),
    ("HG-DF-036", "FROM a:1\nRUN apt-get install --yes x\n", &[]),
    // df-apk-allow-untrusted
    ("HG-DF-037", "FROM a:1\nRUN apk add --allow-untrusted x.apk\n", &[2]),
    ("HG-DF-037", "FROM a:1\nRUN apk add --no-cache x\n", &[]),
    // df-env-node-tls-reject
    ("HG-DF-038", "FROM a:1\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n", &[2]),
    ("HG-DF-038", "FROM a:1\nRUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci\n", &[2]),
    ("HG-DF-038", "FROM a:1\nENV NODE_TLS_REJECT_UNAUTHORIZED=1\n", &[]),
    ("HG-DF-038", "FROM a:1\nENV NODE_TLS_REJECT_UNAUTHORIZED=false\n", &[]),
    // df-env-python-https-verify
    ("HG-DF-039", "FROM a:1\nENV PYTHONHTTPSVERIFY 0\n", &[2]),
    ("HG-DF-039", "FROM a:1\nENV PYTHONHTTPSVERIFY=1\n", &[]),
    ("HG-DF-039", "FROM a:1\nENV PYTHONHTTPSVERIFY=false\n", &[]),
    // df-env-git-ssl-no-verify
    ("HG-DF-040", "FROM a:1\nRUN export GIT_SSL_NO_VERIFY=true && git clone x\n", &[2]),
    ("HG-DF-040", "FROM a:1\nENV GIT_SSL_NO_VERIFY=false\n", &[2]),
    // Any value, even false, 0 or empty, disables verification (git's documentation); an ARG
    // without a default sets nothing.
    ("HG-DF-040", "FROM a:1\nENV GIT_SSL_NO_VERIFY=0\nENV GIT_SSL_NO_VERIFY=\"\"\n", &[2, 3]),
    ("HG-DF-040", "FROM a:1\nARG GIT_SSL_NO_VERIFY\n", &[]),
    // df-workdir-system-dir
    ("HG-DF-041", "FROM a:1\nWORKDIR /proc/app\nWORKDIR /dev\n", &[2, 3]),
    ("HG-DF-041", "FROM a:1\nWORKDIR /devops\n", &[]),
    // df-onbuild-invalid
    ("HG-DF-042", "FROM a:1\nONBUILD FROM b\nONBUILD ONBUILD RUN x\n", &[2, 3]),
    ("HG-DF-042", "FROM a:1\nONBUILD RUN make\n", &[]),
    // df-wget-and-curl
    ("HG-DF-043", "FROM a:1\nRUN curl -o a x\nRUN wget y\nRUN wget z\n", &[3]),
    ("HG-DF-043", "FROM a:1\nRUN curl -o a x && curl -o b y\n", &[]),
    // df-rpm-nogpgcheck
    ("HG-DF-044", "FROM a:1\nRUN dnf install -y --nogpgcheck x\n", &[2]),
    ("HG-DF-044", "FROM a:1\nRUN dnf install -y x\n", &[]),
    // df-pip-trusted-host
    ("HG-DF-045", "FROM a:1\nRUN pip install --trusted-host pypi.org x==1\n", &[2]),
    ("HG-DF-045", "FROM a:1\nENV PIP_TRUSTED_HOST=pypi.org\n", &[2]),
    ("HG-DF-045", "FROM a:1\nRUN pip install x==1\n", &[]),
    // df-rpm-nosignature
    ("HG-DF-046", "FROM a:1\nRUN rpm -i --nosignature x.rpm\n", &[2]),
    ("HG-DF-046", "FROM a:1\nRUN rpm -i x.rpm\n", &[]),
    // df-npm-strict-ssl-off
    ("HG-DF-047", "FROM a:1\nRUN npm config set strict-ssl false\n", &[2]),
    ("HG-DF-047", "FROM a:1\nENV NPM_CONFIG_STRICT_SSL=false\n", &[2]),
    ("HG-DF-047", "FROM a:1\nRUN npm config set strict-ssl true\n", &[]),
    // npm reads "false", "null" and numbers equal to 0 as false; other text ("FALSE") as true.
    ("HG-DF-047", "FROM a:1\nENV NPM_CONFIG_STRICT_SSL=0\nENV npm_config_strict_ssl=null\n", &[2, 3]),
    ("HG-DF-047", "FROM a:1\nENV NPM_CONFIG_STRICT_SSL=FALSE\nRUN npm config set strict-ssl FALSE\n", &[]),
    // df-rpm-sslverify-off
    ("HG-DF-048", "FROM a:1\nRUN yum-config-manager --save --setopt=epel.sslverify=false\n", &[2]),
    ("HG-DF-048", "FROM a:1\nRUN dnf install -y --setopt=sslverify=0 x\n", &[2]),
    ("HG-DF-048", "FROM a:1\nRUN dnf install -y x\n", &[]),
    // df-yum-yes
    ("HG-DF-049", "FROM a:1\nRUN yum install x && yum clean all\n", &[2]),
    ("HG-DF-049", "FROM a:1\nRUN yum install -y x && yum clean all\n", &[]),
    // df-dnf-yes
    ("HG-DF-050", "FROM a:1\nRUN dnf --enablerepo epel install x\n", &[2]),
    ("HG-DF-050", "FROM a:1\nRUN dnf install --assumeyes x\n", &[]),
    // df-yum-clean
    ("HG-DF-051", "FROM a:1\nRUN yum install -y x\n", &[2]),
    ("HG-DF-051", "FROM a:1\nRUN yum install -y x && yum clean all\n", &[]),
    ("HG-DF-051", "FROM a:1\nRUN yum install -y x && rm -rf /var/cache/yum\n", &[]),
    // Only `clean all` removes the metadata too (as hadolint and Trivy require).
    ("HG-DF-051", "FROM a:1\nRUN yum install -y x && yum clean packages\n", &[2]),
    // df-dnf-clean
    ("HG-DF-052", "FROM a:1\nRUN dnf install -y x\n", &[2]),
    ("HG-DF-052", "FROM a:1\nRUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\n", &[]),
    // df-microdnf-clean
    ("HG-DF-053", "FROM a:1\nRUN microdnf install x\n", &[2]),
    ("HG-DF-053", "FROM a:1\nRUN microdnf install x && microdnf clean all\n", &[]),
    // df-zypper-yes
    ("HG-DF-054", "FROM a:1\nRUN zypper install x && zypper clean\n", &[2]),
    ("HG-DF-054", "FROM a:1\nRUN zypper -n install x && zypper clean\n", &[]),
    // df-zypper-clean
    ("HG-DF-055", "FROM a:1\nRUN zypper install -y x\n", &[2]),
    ("HG-DF-055", "FROM a:1\nRUN zypper install -y x && zypper cc -a\n", &[]),
    // df-zypper-dist-upgrade
    ("HG-DF-056", "FROM a:1\nRUN zypper -n dup\n", &[2]),
    ("HG-DF-056", "FROM a:1\nRUN zypper -n update\n", &[]),
    // df-apk-pin
    ("HG-DF-057", "FROM a:1\nRUN apk add --no-cache --virtual .deps curl=8.0 git\n", &[2]),
    ("HG-DF-057", "FROM a:1\nRUN apk add --no-cache --virtual .deps curl=8.0 'git~2.45'\n", &[]),
    // df-add-remote-url
    ("HG-DF-058", "FROM a:1\nADD https://x.org/a.tgz /a/\n", &[2]),
    ("HG-DF-058", "FROM a:1\nADD --checksum=sha256:0123 https://x.org/a.tgz /a/\n", &[]),
    // df-base-platform-flag
    ("HG-DF-059", "FROM --platform=linux/amd64 a:1\n", &[1]),
    ("HG-DF-059", "FROM --platform=$BUILDPLATFORM a:1\n", &[]),
    // df-base-platform-redundant
    ("HG-DF-060", "FROM --platform=${TARGETPLATFORM} a:1\n", &[1]),
    ("HG-DF-060", "FROM --platform=$BUILDPLATFORM a:1\n", &[]),
    // df-go-install-pin
    ("HG-DF-061", "FROM a:1\nRUN go install golang.org/x/tools/gopls\n", &[2]),
    ("HG-DF-061", "FROM a:1\nRUN go install golang.org/x/tools/gopls@v0.16.0 ./cmd/...\n", &[]),
    // df-chpasswd
    ("HG-DF-062", "FROM a:1\nRUN echo 'root:pw' | chpasswd\n", &[2]),
    ("HG-DF-062", "FROM a:1\nRUN useradd -m app\n", &[]),
    // df-stage-unnamed
    ("HG-DF-063", "FROM a:1\nFROM b:1\nCOPY --from=0 /a /b\n", &[3]),
    ("HG-DF-063", "FROM a:1 AS build\nFROM b:1\nCOPY --from=build /a /b\n", &[]),
    // df-copy-whole-fs
    ("HG-DF-064", "FROM a:1 AS b\nFROM scratch\nCOPY --from=b / /\n", &[3]),
    ("HG-DF-064", "FROM a:1 AS b\nFROM scratch\nCOPY --from=b /app /app\nCOPY / /x\n", &[]),
    // df-first-instruction
    ("HG-DF-065", "# c\nLABEL a=b\nFROM a:1\n", &[2]),
    ("HG-DF-065", "# syntax=docker/dockerfile:1\nARG V=1\nFROM a:$V\n", &[]),
    // df-stage-name-reserved
    ("HG-DF-066", "FROM a:1 AS Scratch\n", &[1]),
    ("HG-DF-066", "FROM a:1 AS builder\n", &[]),
    // df-useradd-large-uid
    ("HG-DF-067", "FROM a:1\nRUN useradd -u 1000000 app\n", &[2]),
    ("HG-DF-067", "FROM a:1\nRUN useradd --uid=123456 app\n", &[2]),
    ("HG-DF-067", "FROM a:1\nRUN useradd -l -u 1000000 app && useradd -u 1000 b\n", &[]),
    // df-user-non-numeric
    ("HG-DF-068", "FROM a:1\nUSER app:app\n", &[2]),
    ("HG-DF-068", "FROM a:1\nUSER 10001:10001\nFROM b:1\nUSER $UID\n", &[]),
    // df-copy-chown
    ("HG-DF-069", "FROM a:1\nCOPY --chown=app:app . /app\n", &[2]),
    ("HG-DF-069", "FROM a:1\nCOPY --chown=root:root . /app\nCOPY . /app\n", &[]),
    // df-copy-relative-no-workdir
    ("HG-DF-070", "FROM a:1\nCOPY . app/\n", &[2]),
    ("HG-DF-070", "FROM a:1 AS b\nWORKDIR /src\nFROM b\nCOPY . .\n", &[]),
    ("HG-DF-070", "FROM a:1\nCOPY . /app/\nWORKDIR /app\nCOPY . .\n", &[]),
    // df-shell-via-run
    ("HG-DF-071", "FROM a:1\nRUN ln -sf /bin/bash /bin/sh\n", &[2]),
    ("HG-DF-071", "FROM a:1\nRUN ln -s /usr/bin/python3 /usr/bin/python\n", &[]),
    // df-env-self-reference
    ("HG-DF-072", "FROM a:1\nENV A=/opt B=$A/bin\n", &[2]),
    ("HG-DF-072", "FROM a:1\nENV A=/opt B=${A}/bin\n", &[2]),
    ("HG-DF-072", "FROM a:1\nENV A=/opt\nENV B=$A/bin C=$AB\nENV A=/x D=$A\n", &[]),
    // df-run-consecutive
    ("HG-DF-073", "FROM a:1\nRUN a\nRUN b\n", &[3]),
    ("HG-DF-073", "FROM a:1\nRUN a\nCOPY x /x\nRUN b\nRUN --mount=type=cache,target=/c c\n", &[]),
    // Comments do not separate; a RUN of more than two commands is deliberate (as hadolint).
    ("HG-DF-073", "FROM a:1\nRUN a\n# why\nRUN b && c\nRUN d\n", &[4, 5]),
    ("HG-DF-073", "FROM a:1\nRUN a && b && c\nRUN d\nRUN e && f && g\n", &[]),
    // df-wget-progress
    ("HG-DF-074", "FROM a:1\nRUN wget https://x\n", &[2]),
    ("HG-DF-074", "FROM a:1\nRUN wget -q https://x && wget --progress=dot:giga y\n", &[]),
    ("HG-DF-074", "FROM a:1\nRUN wget -o /tmp/log https://x && wget --append-output=/l y && wget -nv z\n", &[]),
    // df-run-interactive-utils
    ("HG-DF-075", "FROM a:1\nRUN service nginx start\n", &[2]),
    ("HG-DF-075", "FROM a:1\nRUN nginx -t\n", &[]),
    // df-npm-pin
    ("HG-DF-076", "FROM a:1\nRUN npm install -g typescript @angular/cli@17.0.0\n", &[2]),
    ("HG-DF-076", "FROM a:1\nRUN npm install && npm ci && npm i @types/node@20 ./local\n", &[]),
    // df-gem-pin
    ("HG-DF-077", "FROM a:1\nRUN gem install bundler\n", &[2]),
    ("HG-DF-077", "FROM a:1\nRUN gem install bundler:2.5.0 && gem install rake -v 13.0\n", &[]),
    // df-yarn-cache
    ("HG-DF-078", "FROM a:1\nRUN yarn install --frozen-lockfile\n", &[2]),
    ("HG-DF-078", "FROM a:1\nRUN yarn install && yarn cache clean\n", &[]),
    // df-yum-pin
    ("HG-DF-079", "FROM a:1\nRUN yum install -y httpd && yum clean all\n", &[2]),
    ("HG-DF-079", "FROM a:1\nRUN yum install -y httpd-2.4.6 && yum clean all\n", &[]),
    // A module names its stream after `:`.
    ("HG-DF-079", "FROM a:1\nRUN yum module install -y nodejs && yum clean all\n", &[2]),
    ("HG-DF-079", "FROM a:1\nRUN yum module install -y nodejs:18 && yum clean all\n", &[]),
    // df-dnf-pin
    ("HG-DF-080", "FROM a:1\nRUN dnf install -y python3-pip && dnf clean all\n", &[2]),
    ("HG-DF-080", "FROM a:1\nRUN dnf install -y python3-pip-21.3.1 && dnf clean all\n", &[]),
    // df-zypper-pin
    ("HG-DF-081", "FROM a:1\nRUN zypper -n install curl && zypper clean\n", &[2]),
    ("HG-DF-081", "FROM a:1\nRUN zypper -n install curl=8.0 && zypper clean\n", &[]),
    // df-add-for-archives
    ("HG-DF-084", "FROM a:1\nCOPY dist/app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n", &[2]),
    (
        "HG-DF-084",
        "FROM a:1\nCOPY app.tgz /tmp/\nRUN tar xzf /tmp/app.tgz\nCOPY b.tar /b.tar\nRUN tar --extract -f /b.tar\n",
        &[2, 4],
    ),
    // Listing or creating an archive is not extracting it; ADD does not unpack zip files.
    (
        "HG-DF-084",
        "FROM a:1\nCOPY app.tgz /tmp/\nRUN tar -tzf /tmp/app.tgz && tar -czf /tmp/app.tgz /opt\nCOPY a.zip /\nRUN unzip /a.zip\n",
        &[],
    ),
    (
        "HG-DF-084",
        "FROM a:1\nCOPY app.tar.gz /srv/\nRUN tar -tzf /srv/other.tar.gz\nCOPY x.zip /x/\nRUN unzip /x/x.zip\n",
        &[],
    ),
    // df-label-empty
    ("HG-DF-082", "FROM a:1\nLABEL org.example.version=\"\"\n", &[2]),
    ("HG-DF-082", "FROM a:1\nLABEL org.example.version=1.0 maintainer=me\n", &[]),
    // df-label-key-invalid
    ("HG-DF-083", "FROM a:1\nLABEL Version=1\nLABEL com.docker.x=1\nLABEL a..b=1\n", &[2, 3, 4]),
    ("HG-DF-083", "FROM a:1\nLABEL org.opencontainers.image.title=x maintainer=me\n", &[]),
    // df-base-untrusted-registry (trusted: docker.io, *.example.com)
    (
        "HG-DF-085",
        "FROM quay.io/org/app:1\nFROM ghcr.io/org/b:1 AS b\nFROM b\nCOPY --from=evil.io/x:1 /a /a\n",
        &[1, 2, 4],
    ),
    ("HG-DF-085", "FROM localhost:5000/app:1\n", &[1]),
    (
        "HG-DF-085",
        "FROM debian:12 AS base\nFROM index.docker.io/library/alpine:3\nFROM registry.example.com/app:1\nFROM base\nCOPY --from=base /a /a\nFROM scratch\nARG IMG\nFROM $IMG\n",
        &[],
    ),
    ("HG-DF-085", "FROM example.com.evil.io/app:1\nFROM notexample.com/app:1\n", &[1, 2]),
    // df-inline-ignore
    ("HG-DF-086", "FROM a:1\n# hullguard:ignore=HG-DF-005\nRUN sudo make # hullguard:ignore=df-sudo\n", &[2, 3]),
    ("HG-DF-086", "FROM a:1\n# hadolint ignore=DL3008\nRUN make\n", &[2]),
    ("HG-DF-086", "FROM a:1\n# hadolint shell=bash\nRUN make\n", &[]),
    // df-label-missing: every schema label, on the final stage or the stages it builds on
    ("HG-DF-087", "FROM a:1\nLABEL maintainer=ops@example.com\n", &[1, 1, 1, 1, 1, 1]),
    ("HG-DF-087", "FROM a:1 AS base\n{labels}FROM base\nRUN make\n", &[]),
    ("HG-DF-087", "FROM a:1 AS build\n{labels}FROM b:1\nCOPY --from=build /a /a\n", &[3, 3, 3, 3, 3, 3, 3]),
    // df-label-superfluous (strict schema)
    ("HG-DF-088", "FROM a:1\n{labels}LABEL org.example.team=core\n", &[3]),
    ("HG-DF-088", "FROM a:1\n{labels}", &[]),
    // df-label-url
    ("HG-DF-089", "FROM a:1\nLABEL org.opencontainers.image.source=git.example.com/app\n", &[2]),
    ("HG-DF-089", "FROM a:1\nLABEL org.opencontainers.image.source=$SOURCE_URL\n", &[]),
    // df-label-rfc3339
    ("HG-DF-090", "FROM a:1\nLABEL org.opencontainers.image.created=\"2026-11-24 10:00\"\n", &[2]),
    ("HG-DF-090", "FROM a:1\nLABEL org.opencontainers.image.created=2026-11-24T10:00:00.5+01:00\n", &[]),
    // df-label-spdx
    ("HG-DF-091", "FROM a:1\nLABEL org.opencontainers.image.licenses=\"Apache 2\"\n", &[2]),
    ("HG-DF-091", "FROM a:1\nLABEL org.opencontainers.image.licenses=GPL-2.0-or-later\n", &[]),
    // df-label-git-hash
    ("HG-DF-092", "FROM a:1\nLABEL org.opencontainers.image.revision=0123abc\n", &[2]),
    ("HG-DF-092", "FROM a:1\n{labels}", &[]),
    // df-label-semver
    ("HG-DF-093", "FROM a:1\nLABEL org.opencontainers.image.version=v1.2\n", &[2]),
    ("HG-DF-093", "FROM a:1\nLABEL org.opencontainers.image.version=1.2.3+build.5\n", &[]),
    // df-label-email
    ("HG-DF-094", "FROM a:1\nLABEL maintainer=\"Ops Team <ops@example.com>\"\n", &[2]),
    ("HG-DF-094", "FROM a:1\nLABEL maintainer=ops+images@example.com\n", &[]),
    // df-shellcheck: one hit per ShellCheck comment, at the Dockerfile line of the script
    ("HG-DF-095", "FROM a:1\nRUN echo $HOME && \\\n    [ $1 == x ]\n", &[2, 3, 3]),
    ("HG-DF-095", "FROM a:1\nRUN <<EOF\nset -e\ncd $dir\nEOF\n", &[4]),
    ("HG-DF-095", "FROM a:1\nRUN echo \"$HOME\" && [ \"$1\" = x ]\nSHELL [\"pwsh\", \"-c\"]\nRUN echo $x\n", &[]),
    // A stage built FROM a PowerShell stage keeps its SHELL; another stage starts with sh again.
    ("HG-DF-095", "FROM a:1 AS win\nSHELL [\"pwsh\", \"-c\"]\nFROM win\nRUN echo $x\nFROM b:1\nRUN echo $y\n", &[6]),
    // hg-df-pipe-to-shell
    ("HG-DF-096", "FROM a:1\nRUN curl -fsSL https://x.io/i.sh | sh\n", &[2]),
    ("HG-DF-096", "FROM a:1\nRUN set -e; \\\n  wget -qO- https://x.io/i | sudo bash -s -- -y\n", &[3]),
    ("HG-DF-096", "FROM a:1\nRUN curl -sL https://x.io/i | tee /tmp/log | /bin/bash\n", &[2]),
    ("HG-DF-096", "FROM a:1\nRUN sh -c \"$(curl -fsSL https://x.io/i.sh)\"\n", &[2]),
    ("HG-DF-096", "FROM a:1\nRUN curl -fsSL https://x.io/a.tgz | tar xz && echo ok | sh\n", &[]),
    ("HG-DF-096", "FROM a:1\nRUN curl -fsSLo i.sh https://x.io/i.sh && sha256sum -c i.sum && sh i.sh\n", &[]),
    ("HG-DF-096", "FROM a:1\nRUN curl -fsSL https://x.io/k.asc | gpg --dearmor -o /k.gpg\n", &[]),
];

/// Runs every case of check `id`.
fn run_cases(id: &str) {
    let mut failures = Vec::new();
    for (case_id, text, lines) in CASES.iter().filter(|(case_id, _, _)| *case_id == id) {
        let want: Vec<(String, u32)> = lines.iter().map(|l| ((*case_id).to_owned(), *l)).collect();
        let got = hits(id, text);
        if got != want {
            failures.push(format!("{text:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{id}:\n{}", failures.join("\n"));
}

/// One test per check, named after its concept.
macro_rules! check_tests {
    ($($name:ident => $id:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_cases($id);
            }
        )*
    };
}

check_tests! {
    df_base_latest => "HG-DF-001",
    df_base_untagged => "HG-DF-002",
    df_user_missing => "HG-DF-003",
    df_user_root => "HG-DF-004",
    df_sudo => "HG-DF-005",
    df_expose_ssh => "HG-DF-006",
    df_expose_out_of_range => "HG-DF-007",
    df_healthcheck_missing => "HG-DF-008",
    df_healthcheck_multiple => "HG-DF-009",
    df_cmd_multiple => "HG-DF-010",
    df_entrypoint_multiple => "HG-DF-011",
    df_cmd_json_form => "HG-DF-012",
    df_maintainer => "HG-DF-013",
    df_workdir_relative => "HG-DF-014",
    df_run_cd => "HG-DF-015",
    df_copy_multi_src_slash => "HG-DF-016",
    df_add_instead_of_copy => "HG-DF-017",
    df_copy_from_self => "HG-DF-018",
    df_copy_from_unknown => "HG-DF-019",
    df_stage_alias_duplicate => "HG-DF-020",
    df_pipefail => "HG-DF-021",
    df_apt_yes => "HG-DF-022",
    df_apt_no_recommends => "HG-DF-023",
    df_apt_pin => "HG-DF-024",
    df_apt_lists => "HG-DF-025",
    df_update_alone => "HG-DF-026",
    df_pip_no_cache => "HG-DF-027",
    df_pip_pin => "HG-DF-028",
    df_secrets => "HG-DF-029",
    df_curl_insecure => "HG-DF-030",
    df_wget_no_check_cert => "HG-DF-031",
    df_apt_not_apt_get => "HG-DF-032",
    df_dist_upgrade => "HG-DF-033",
    df_apk_no_cache => "HG-DF-034",
    df_apt_allow_unauthenticated => "HG-DF-035",
    df_apt_force_yes => "HG-DF-036",
    df_apk_allow_untrusted => "HG-DF-037",
    df_env_node_tls_reject => "HG-DF-038",
    df_env_python_https_verify => "HG-DF-039",
    df_env_git_ssl_no_verify => "HG-DF-040",
    df_workdir_system_dir => "HG-DF-041",
    df_onbuild_invalid => "HG-DF-042",
    df_wget_and_curl => "HG-DF-043",
    df_rpm_nogpgcheck => "HG-DF-044",
    df_pip_trusted_host => "HG-DF-045",
    df_rpm_nosignature => "HG-DF-046",
    df_npm_strict_ssl_off => "HG-DF-047",
    df_rpm_sslverify_off => "HG-DF-048",
    df_yum_yes => "HG-DF-049",
    df_dnf_yes => "HG-DF-050",
    df_yum_clean => "HG-DF-051",
    df_dnf_clean => "HG-DF-052",
    df_microdnf_clean => "HG-DF-053",
    df_zypper_yes => "HG-DF-054",
    df_zypper_clean => "HG-DF-055",
    df_zypper_dist_upgrade => "HG-DF-056",
    df_apk_pin => "HG-DF-057",
    df_add_remote_url => "HG-DF-058",
    df_base_platform_flag => "HG-DF-059",
    df_base_platform_redundant => "HG-DF-060",
    df_go_install_pin => "HG-DF-061",
    df_chpasswd => "HG-DF-062",
    df_stage_unnamed => "HG-DF-063",
    df_copy_whole_fs => "HG-DF-064",
    df_first_instruction => "HG-DF-065",
    df_stage_name_reserved => "HG-DF-066",
    df_useradd_large_uid => "HG-DF-067",
    df_user_non_numeric => "HG-DF-068",
    df_copy_chown => "HG-DF-069",
    df_copy_relative_no_workdir => "HG-DF-070",
    df_shell_via_run => "HG-DF-071",
    df_env_self_reference => "HG-DF-072",
    df_run_consecutive => "HG-DF-073",
    df_wget_progress => "HG-DF-074",
    df_run_interactive_utils => "HG-DF-075",
    df_npm_pin => "HG-DF-076",
    df_gem_pin => "HG-DF-077",
    df_yarn_cache => "HG-DF-078",
    df_yum_pin => "HG-DF-079",
    df_dnf_pin => "HG-DF-080",
    df_zypper_pin => "HG-DF-081",
    df_label_empty => "HG-DF-082",
    df_label_key_invalid => "HG-DF-083",
    df_add_for_archives => "HG-DF-084",
    df_base_untrusted_registry => "HG-DF-085",
    df_inline_ignore => "HG-DF-086",
    df_label_missing => "HG-DF-087",
    df_label_superfluous => "HG-DF-088",
    df_label_url => "HG-DF-089",
    df_label_rfc3339 => "HG-DF-090",
    df_label_spdx => "HG-DF-091",
    df_label_git_hash => "HG-DF-092",
    df_label_semver => "HG-DF-093",
    df_label_email => "HG-DF-094",
    df_shellcheck => "HG-DF-095",
}

#[test]
fn shellcheck_findings_carry_the_code_column_and_wiki_link() {
    let settings = Settings { shellcheck: Some("shellcheck".into()), ..Settings::default() };
    let text = "FROM a:1\nRUN  echo  $HOME\n";
    let (findings, warnings) = check_dockerfile(text.as_bytes(), "D", &settings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let f = findings.iter().find(|f| f.id == "HG-DF-095").expect("a ShellCheck finding");
    assert_eq!(f.location, Location::File { path: "D".into(), line: 2, column: Some(12), end_line: None });
    assert_eq!(f.evidence.as_deref(), Some("SC2086 (info): Double quote to prevent globbing and word splitting."));
    assert_eq!(f.fix.as_deref(), Some("see https://www.shellcheck.net/wiki/SC2086"));
    // A skipped SC code is not reported; a missing program is a warning, not a crash.
    let skip = Settings { skip: vec!["SC2086".into()], ..settings };
    assert!(check_dockerfile(text.as_bytes(), "D", &skip).0.iter().all(|f| f.id != "HG-DF-095"));
    let missing = Settings { shellcheck: Some("/nonexistent/shellcheck".into()), ..Settings::default() };
    let (_, warnings) = check_dockerfile(text.as_bytes(), "D", &missing);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].starts_with("line 2: shellcheck: cannot run /nonexistent/shellcheck:"), "{warnings:?}");
}

#[test]
fn configured_checks_are_off_by_default() {
    let text = "FROM quay.io/org/app:1\n# hullguard:ignore=HG-DF-005\nRUN sudo make\nLABEL maintainer=nobody\n";
    let (findings, _) = check_dockerfile(text.as_bytes(), "D", &Settings::default());
    let ids: BTreeSet<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    for id in ["HG-DF-085", "HG-DF-086", "HG-DF-087", "HG-DF-088", "HG-DF-094"] {
        assert!(!ids.contains(id), "{id} ran without configuration: {ids:?}");
    }
    // The pragma applies whether or not it is reported, and df-inline-ignore cannot hide itself.
    let reported = Settings { report_ignore_pragmas: true, ..Settings::default() };
    let text = "FROM a:1\n# hullguard:ignore=HG-DF-005,HG-DF-086\nRUN sudo make\n";
    let (findings, _) = check_dockerfile(text.as_bytes(), "D", &reported);
    let got: Vec<(&str, Option<&str>)> = findings
        .iter()
        .filter(|f| f.id.starts_with("HG-DF-08") || f.id == "HG-DF-005")
        .map(|f| (f.id.as_str(), f.evidence.as_deref()))
        .collect();
    assert_eq!(got, [("HG-DF-086", Some("# hullguard:ignore=HG-DF-005,HG-DF-086"))]);
}

#[test]
fn label_schema_fixes_name_the_label_and_format() {
    let (findings, _) = check_dockerfile(b"FROM a:1\nLABEL maintainer=nobody\n", "D", &case_settings());
    let fixes: Vec<&str> = findings
        .iter()
        .filter(|f| f.id == "HG-DF-094" || f.id == "HG-DF-087")
        .filter_map(|f| f.fix.as_deref())
        .collect();
    assert!(fixes.contains(&"label 'maintainer' must be an e-mail address"), "{fixes:?}");
    assert!(fixes.contains(&"add LABEL org.opencontainers.image.source=<a URL> to the final stage"), "{fixes:?}");
    assert_eq!(fixes.len(), 7);
}

#[test]
fn every_registered_check_has_a_failing_and_a_passing_case() {
    // Image checks (HG-IMG-…) have their cases in tests/image.rs.
    for meta in registry().iter().filter(|m| m.id.starts_with("HG-DF-")) {
        let failing = CASES.iter().any(|(id, _, l)| *id == meta.id && !l.is_empty());
        let passing = CASES.iter().any(|(id, _, l)| *id == meta.id && l.is_empty());
        assert!(failing && passing, "{} ({}) lacks cases", meta.id, meta.concept);
    }
}

#[test]
fn heredoc_scripts_are_checked_with_body_lines() {
    let text = "FROM a:1\nRUN <<EOF\nset -e\napt-get update\nsudo make\nEOF\n";
    assert_eq!(hits("HG-DF-005", text), [("HG-DF-005".to_owned(), 5)]);
    assert_eq!(hits("HG-DF-026", text), [("HG-DF-026".to_owned(), 4)]);
    // A heredoc that is file content is not a script.
    let copy = "FROM a:1\nCOPY <<EOF /etc/motd\nsudo make\nEOF\n";
    assert!(hits("HG-DF-005", copy).is_empty());
}

#[test]
fn findings_carry_metadata_column_evidence_and_fix() {
    let (findings, warnings) =
        check_dockerfile(b"FROM a:1\n  CMD node server.js\n", "app/Dockerfile", &Settings::default());
    assert!(warnings.is_empty());
    let f = findings.iter().find(|f| f.id == "HG-DF-012").unwrap();
    let meta = by_concept("df-cmd-json-form").unwrap();
    assert_eq!(f.concept.as_deref(), Some(meta.concept));
    assert_eq!(f.severity, meta.severity);
    assert_eq!(
        f.location,
        Location::File { path: "app/Dockerfile".to_owned(), line: 2, column: Some(3), end_line: None }
    );
    assert_eq!(f.evidence.as_deref(), Some("CMD node server.js"));
    assert_eq!(f.fix.as_deref(), Some("CMD [\"node\", \"server.js\"]"));
    assert!(!f.references.is_empty());
}

/// `(line, column)` of the first finding with id `id`.
fn position(id: &str, text: &str) -> (u32, Option<u32>) {
    let (findings, _) = check_dockerfile(text.as_bytes(), "D", &Settings::default());
    match findings.into_iter().find(|f| f.id == id).map(|f| f.location) {
        Some(Location::File { line, column, .. }) => (line, column),
        other => panic!("{id}: unexpected {other:?}"),
    }
}

#[test]
fn run_findings_point_at_the_command() {
    let text = "FROM a:1\nRUN apt-get update && apt-get install -y x\n";
    assert_eq!(position("HG-DF-023", text), (2, Some(23)));
    let text = "FROM a:1\nRUN echo a && \\\n    sudo make\n";
    assert_eq!(position("HG-DF-005", text), (3, Some(5)));
    let text = "FROM a:1\nRUN <<EOF\necho a\n  sudo make\nEOF\n";
    assert_eq!(position("HG-DF-005", text), (4, Some(3)));
    let text = "FROM a:1\nRUN if [ -n \"$X\" ];then \\\n    apk add --no-cache sed \\\n  ;fi\n";
    assert_eq!(position("HG-DF-057", text), (3, Some(5)));
    let text = "FROM a:1\n  RUN --mount=type=cache,target=/x sudo make\n";
    assert_eq!(position("HG-DF-005", text), (2, Some(36)));
}

#[test]
fn secret_values_are_redacted() {
    let text = b"FROM a:1\nENV API_KEY=abc123\nARG DB_PASSWORD=Tq9vX2mLw8Rk3pZs\n";
    let (findings, _) = check_dockerfile(text, "D", &Settings::default());
    let evidence: Vec<&str> =
        findings.iter().filter(|f| f.id == "HG-DF-029").filter_map(|f| f.evidence.as_deref()).collect();
    assert_eq!(evidence, ["ENV API_KEY=*****", "ARG DB_PASSWORD=Tq9v*****"]);
    assert!(!format!("{findings:?}").contains("abc123"));
}

#[test]
fn inline_suppression_and_skip_list() {
    let base = "FROM a:1\nUSER app\nHEALTHCHECK NONE\n";
    let same_line = format!("{base}RUN sudo make # hullguard:ignore=HG-DF-005\n");
    assert!(hits("HG-DF-005", &same_line).is_empty());
    let above = format!("{base}# hullguard:ignore=df-run-cd,HG-DF-005\nRUN sudo make && \\\n  cd /x\n");
    assert!(hits("HG-DF-005", &above).is_empty());
    assert!(hits("HG-DF-015", &above).is_empty());
    let other = format!("{base}# hullguard:ignore=HG-DF-015\nRUN sudo make\n");
    assert_eq!(hits("HG-DF-005", &other), [("HG-DF-005".to_owned(), 5)]);

    let text = format!("{base}RUN sudo make\n");
    let (all, _) = check_dockerfile(text.as_bytes(), "D", &Settings::default());
    assert!(all.iter().any(|f| f.id == "HG-DF-005"));
    for skip in ["HG-DF-005", "df-sudo"] {
        let (some, _) =
            check_dockerfile(text.as_bytes(), "D", &Settings { skip: vec![skip.to_owned()], ..Settings::default() });
        assert!(some.iter().all(|f| f.id != "HG-DF-005"));
    }
}

#[test]
fn instructions_before_the_first_from_are_reported_and_linted_as_in_a_stage() {
    let ids = |text: &str| -> Vec<(String, u32)> {
        let (findings, _) = check_dockerfile(text.as_bytes(), "D", &Settings::default());
        let mut ids: Vec<(String, u32)> = findings
            .into_iter()
            .map(|f| match f.location {
                Location::File { line, .. } => (f.id, line),
                other => panic!("unexpected location {other:?}"),
            })
            .collect();
        ids.sort();
        ids
    };
    let want =
        |list: &[(&str, u32)]| -> Vec<(String, u32)> { list.iter().map(|(i, l)| ((*i).to_owned(), *l)).collect() };
    // A snippet without FROM: the file's image is what it describes.
    assert_eq!(
        ids("RUN pip3 install x\n"),
        want(&[("HG-DF-003", 1), ("HG-DF-008", 1), ("HG-DF-027", 1), ("HG-DF-028", 1), ("HG-DF-065", 1)])
    );
    // Before a FROM: linted with the first stage.
    assert_eq!(
        ids("RUN sudo make\nFROM a:1\nUSER 10001\nHEALTHCHECK NONE\n"),
        want(&[("HG-DF-005", 1), ("HG-DF-065", 1)])
    );
}

#[test]
fn hadolint_pragmas_and_peer_ids_suppress_through_the_catalogue() {
    let base = "FROM a:1\nUSER app\nHEALTHCHECK NONE\n";
    // `# hadolint ignore=` covers the next instruction, all of its lines; ids map by peer id.
    let above = format!("{base}# hadolint ignore=DL3004, DL3003\nRUN sudo make && \\\n  cd /x\nRUN sudo ls\n");
    assert_eq!(hits("HG-DF-005", &above), [("HG-DF-005".to_owned(), 7)]);
    assert!(hits("HG-DF-015", &above).is_empty());
    // The global form covers the whole file.
    let global = format!("# hadolint global ignore=DL3004\n{base}RUN sudo make\nRUN sudo ls\n");
    assert!(hits("HG-DF-005", &global).is_empty());
    // hullguard's own pragma takes peer ids too; and a peer id in --skip-check.
    assert!(hits("HG-DF-005", &format!("{base}# hullguard:ignore=CKV2_DOCKER_1\nRUN sudo make\n")).is_empty());
    let text = format!("{base}RUN sudo make\n");
    let skip = Settings { skip: vec!["DL3004".to_owned()], ..Settings::default() };
    assert!(check_dockerfile(text.as_bytes(), "D", &skip).0.iter().all(|f| f.id != "HG-DF-005"));
    // A pragma naming no check is a warning, not silence.
    let unknown = format!("{base}# hadolint ignore=DL9999\nRUN sudo make\n");
    let (findings, warnings) = check_dockerfile(unknown.as_bytes(), "D", &Settings::default());
    assert!(findings.iter().any(|f| f.id == "HG-DF-005"));
    assert_eq!(warnings, ["line 4: ignore pragma names unknown check 'DL9999'"]);
    // Reported by df-inline-ignore like hullguard's own pragmas.
    assert_eq!(hits("HG-DF-086", &above), [("HG-DF-086".to_owned(), 4)]);
}

#[test]
fn output_is_sorted_and_deterministic() {
    let text = b"FROM ubuntu\nRUN apt-get update\nRUN apt-get install curl | tee log\nCMD run\nEXPOSE 22\n";
    let (a, _) = check_dockerfile(text, "D", &Settings::default());
    let (b, _) = check_dockerfile(text, "D", &Settings::default());
    assert_eq!(a, b);
    assert!(a.windows(2).all(|w| w[0].sort_key() <= w[1].sort_key()));
    let ids: BTreeSet<&str> = a.iter().map(|f| f.id.as_str()).collect();
    for id in ["HG-DF-002", "HG-DF-003", "HG-DF-006", "HG-DF-012", "HG-DF-021", "HG-DF-022", "HG-DF-026"] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
}

#[test]
fn clean_dockerfile_has_no_findings() {
    let text = "# syntax=docker/dockerfile:1\n\
        FROM debian:12.5 AS build\n\
        SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
        RUN apt-get update \\\n\
         && apt-get install -y --no-install-recommends curl=7.88.1 \\\n\
         && curl -fsSL https://x.org/a.tgz | tar xz \\\n\
         && rm -rf /var/lib/apt/lists/*\n\
        FROM gcr.io/distroless/static:1.0\n\
        COPY --from=build /a /a\n\
        USER 10001\n\
        HEALTHCHECK CMD [\"/a\", \"health\"]\n\
        ENTRYPOINT [\"/a\"]\n";
    let (findings, warnings) = check_dockerfile(text.as_bytes(), "D", &Settings::default());
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn hostile_inputs_do_not_panic() {
    let mut inputs: Vec<Vec<u8>> = vec![
        (0..=255u8).cycle().take(200_000).collect(),
        format!("FROM a\nRUN {}\n", "a | b && ".repeat(1_000_000)).into_bytes(),
        format!("FROM a\nRUN x {}\n", "\\\n".repeat(10_000)).into_bytes(),
        b"FROM a\nRUN <<EOF\napt-get install x\n".to_vec(),
        b"FROM a\nRUN \"unterminated 'quote \\\n$(oops\n".to_vec(),
        b"FROM\nFROM AS\nCOPY --from=\nEXPOSE 99999999999999999999999\nUSER\nWORKDIR\nONBUILD\n".to_vec(),
        b"\xff\xfeF\x00R\x00O\x00M\x00".to_vec(),
        Vec::new(),
    ];
    inputs.push(vec![b'\n'; 100_000]);
    for input in &inputs {
        let (findings, warnings) = check_dockerfile(input, "D", &Settings::default());
        assert!(findings.len() < 1_000_000);
        assert!(warnings.len() <= 201);
    }
    let (_, warnings) = check_dockerfile(b"FROM a:1\nRUN <<EOF\nno end\n", "D", &Settings::default());
    assert_eq!(warnings, ["line 2: unterminated heredoc <<EOF"]);
    let (_, warnings) = check_dockerfile(b"FROM a:1\nRUN a;b;c\\\n;d", "D", &Settings::default());
    assert!(warnings.is_empty(), "{warnings:?}");
    let big = format!("FROM a:1\nRUN {}\n", "x;".repeat(20_000));
    let (_, warnings) = check_dockerfile(big.as_bytes(), "D", &Settings::default());
    assert_eq!(warnings, ["line 2: RUN has more than 10000 commands; the rest is not checked"]);
    let (_, warnings) = check_dockerfile(b"FROM a:1\n\xffRUN x\n", "D", &Settings::default());
    assert!(warnings[0].starts_with("line 2: invalid UTF-8"), "{warnings:?}");
}
