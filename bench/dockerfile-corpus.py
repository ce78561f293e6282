#!/usr/bin/env python3
"""Write a deterministic corpus of realistic Dockerfiles for the lint benchmark.

    python3 bench/dockerfile-corpus.py OUTDIR [--count 240] [--seed 6]

Every file is generated here from a seeded RNG (same seed and count, same bytes): Python, Node,
Go, Debian/Ubuntu and Alpine services and tools, single- and multi-stage, with the good and the
bad habits found in real Dockerfiles (apt-get without -y or without cleanup, unpinned pip/npm/apk
packages, curl | sh, cd in RUN, no USER or USER root, ADD of URLs, secrets in ENV...), and the
syntax a parser has to get right: parser directives, ARG before FROM, line continuations with
comments inside, heredocs, JSON and shell forms, --mount/--chown/--chmod/--link/--from, ONBUILD.
Files are named NNN-KIND.Dockerfile so that `hullguard config OUTDIR` finds them too.
"""

import argparse
import os
import random
import sys

PY_TAGS = [None, "latest", "3.12", "3.12-slim", "3.11-slim-bookworm", "3.10-alpine", "3.11-bookworm", "3.9"]
NODE_TAGS = [None, "latest", "20", "20-alpine", "18-bullseye-slim", "22-bookworm-slim", "lts"]
GO_TAGS = [None, "latest", "1.22", "1.21-alpine", "1.22-bookworm", "1.20"]
DEBIAN_TAGS = [None, "latest", "bookworm", "bookworm-slim", "bullseye", "12", "12.5-slim"]
UBUNTU_TAGS = [None, "latest", "22.04", "24.04", "jammy", "focal"]
ALPINE_TAGS = [None, "latest", "3.19", "3.18", "3.20", "edge"]
RUNTIME_BASES = ["gcr.io/distroless/static-debian12", "gcr.io/distroless/base-debian12:nonroot", "scratch",
                 "alpine", "debian:bookworm-slim", "ubuntu:22.04"]

APT_PKGS = ["curl", "ca-certificates", "git", "build-essential", "libpq-dev", "gnupg", "wget", "unzip",
            "libssl-dev", "tzdata", "locales", "openssh-client", "jq", "python3", "python3-pip", "netcat-openbsd",
            "procps", "vim", "less", "gcc", "make", "libffi-dev", "zlib1g-dev", "tini", "dumb-init"]
APK_PKGS = ["curl", "ca-certificates", "git", "bash", "build-base", "openssl", "tzdata", "su-exec", "tini",
            "libffi-dev", "postgresql-client", "jq", "openssh-client", "musl-dev", "gcc", "python3"]
PIP_PKGS = ["flask", "gunicorn", "requests", "django", "fastapi", "uvicorn[standard]", "celery", "redis",
            "psycopg2-binary", "sqlalchemy", "pydantic", "boto3", "numpy", "pandas", "pytest"]
NPM_PKGS = ["express", "pm2", "typescript", "yarn", "nodemon", "pnpm", "serve", "@nestjs/cli"]
APP_NAMES = ["api", "worker", "web", "gateway", "billing", "auth", "search", "ingest", "notifier", "reports",
             "catalog", "cart", "scheduler", "metrics", "proxy", "admin", "media", "export"]
REGISTRIES = ["", "", "", "docker.io/library/", "registry.example.com/mirror/", "quay.io/"]


class Gen:
    """One Dockerfile, built line by line."""

    def __init__(self, rng):
        self.r = rng
        self.lines = []
        self.lowercase = False

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def some(self, seq, lo, hi):
        return self.r.sample(seq, self.r.randint(lo, min(hi, len(seq))))

    def add(self, *lines):
        self.lines.extend(lines)

    def digest(self):
        return "sha256:" + "".join(self.pick("0123456789abcdef") for _ in range(64))

    def image(self, name, tags):
        """A base image reference: bare, tagged, digest-pinned or both, sometimes with a registry."""
        ref = self.pick(REGISTRIES) + name
        tag = self.pick(tags)
        if tag:
            ref += ":" + tag
        if self.chance(0.15):
            ref += "@" + self.digest()
        return ref

    def pin(self, pkg, sep, version):
        return f"{pkg}{sep}{version}" if self.chance(0.3) else pkg

    # ----- RUN snippets --------------------------------------------------------------------------

    def apt_run(self, tool="apt-get"):
        pkgs = self.some(APT_PKGS, 1, 6)
        pkgs = [self.pin(p, "=", f"{self.r.randint(1, 9)}.{self.r.randint(0, 40)}-{self.r.randint(1, 5)}") for p in pkgs]
        style = self.r.randint(0, 6)
        if style == 0:  # the recommended form
            body = [f"{tool} update", f"{tool} install -y --no-install-recommends \\\n        " + " \\\n        ".join(pkgs),
                    "rm -rf /var/lib/apt/lists/*"]
            self.add("RUN " + " \\\n    && ".join(body))
        elif style == 1:  # no -y, no cleanup
            self.add(f"RUN {tool} update && {tool} install " + " ".join(pkgs))
        elif style == 2:  # update alone in its own layer
            self.add(f"RUN {tool} update", f"RUN {tool} install -y " + " ".join(pkgs))
        elif style == 3:  # upgrade, with a comment inside the continuation
            self.add(f"RUN {tool} update \\", "    # keep the base current", f"    && {tool} -y upgrade \\",
                     f"    && {tool} install -y " + " ".join(pkgs) + " \\", f"    && {tool} clean")
        elif style == 4:  # sudo, for no reason
            self.add(f"RUN sudo {tool} update && sudo {tool} install -y " + " ".join(pkgs))
        elif style == 5:  # DEBIAN_FRONTEND inline, -qq
            self.add(f"RUN DEBIAN_FRONTEND=noninteractive {tool} update -qq \\",
                     f"    && DEBIAN_FRONTEND=noninteractive {tool} install -qq -y --no-install-recommends "
                     + " ".join(pkgs) + " >/dev/null \\", "    && rm -rf /var/lib/apt/lists/* /tmp/*")
        else:  # cache mount
            self.add("RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\",
                     "    --mount=type=cache,target=/var/lib/apt,sharing=locked \\",
                     f"    {tool} update && {tool} install -y --no-install-recommends " + " ".join(pkgs))

    def apk_run(self):
        pkgs = [self.pin(p, "=", f"{self.r.randint(1, 3)}.{self.r.randint(0, 20)}.{self.r.randint(0, 9)}-r{self.r.randint(0, 4)}")
                for p in self.some(APK_PKGS, 1, 5)]
        style = self.r.randint(0, 4)
        if style == 0:
            self.add("RUN apk add --no-cache " + " ".join(pkgs))
        elif style == 1:
            self.add("RUN apk update && apk add " + " ".join(pkgs))
        elif style == 2:
            self.add("RUN apk upgrade && apk add --no-cache \\", "        " + " \\\n        ".join(pkgs))
        elif style == 3:
            self.add("RUN apk add --no-cache --virtual .build-deps " + " ".join(pkgs) + " \\",
                     "    && make -C /src install \\", "    && apk del .build-deps")
        else:
            self.add("RUN apk add " + " ".join(pkgs) + " && rm -rf /var/cache/apk/*")

    def pip_run(self):
        pkgs = [self.pin(p, "==", f"{self.r.randint(0, 5)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}")
                for p in self.some(PIP_PKGS, 1, 4)]
        pip = self.pick(["pip", "pip3", "python -m pip", "python3 -m pip"])
        style = self.r.randint(0, 5)
        if style == 0:
            self.add(f"RUN {pip} install --no-cache-dir -r requirements.txt")
        elif style == 1:
            self.add(f"RUN {pip} install " + " ".join(pkgs))
        elif style == 2:
            self.add(f"RUN {pip} install --upgrade pip setuptools wheel && {pip} install --no-cache-dir " + " ".join(pkgs))
        elif style == 3:
            self.add("RUN --mount=type=cache,target=/root/.cache/pip \\", f"    {pip} install -r requirements.txt")
        elif style == 4:
            self.add(f"RUN {pip} install --user --no-cache-dir -r requirements.txt \\", f"    && {pip} install -e .")
        else:
            self.add("RUN python -m venv /opt/venv", 'ENV PATH="/opt/venv/bin:$PATH"',
                     "RUN pip install --no-cache-dir " + " ".join(pkgs))

    def npm_run(self):
        style = self.r.randint(0, 5)
        if style == 0:
            self.add("RUN npm ci --omit=dev && npm cache clean --force")
        elif style == 1:
            self.add("RUN npm install")
        elif style == 2:
            self.add("RUN npm install -g " + " ".join(self.pin(p, "@", f"{self.r.randint(1, 10)}.{self.r.randint(0, 20)}.0")
                                                     for p in self.some(NPM_PKGS, 1, 3)))
        elif style == 3:
            self.add("RUN yarn install --frozen-lockfile --production && yarn cache clean")
        elif style == 4:
            self.add("RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci")
        else:
            self.add("RUN corepack enable && pnpm install --frozen-lockfile", "RUN pnpm run build")

    def pipe_run(self):
        url = self.pick(["https://get.example.com/install.sh", "https://deb.nodesource.com/setup_20.x",
                         "https://sh.rustup.rs", "https://install.python-poetry.org",
                         "https://raw.githubusercontent.com/example/tool/main/install.sh"])
        style = self.r.randint(0, 4)
        if style == 0:
            self.add(f"RUN curl -fsSL {url} | sh")
        elif style == 1:
            self.add(f"RUN wget -qO- {url} | bash -s -- --yes")
        elif style == 2:
            self.add('SHELL ["/bin/bash", "-o", "pipefail", "-c"]', f"RUN curl -fsSL {url} | bash")
        elif style == 3:
            self.add(f"RUN curl -sSLo /tmp/install.sh {url} \\", "    && echo \"$INSTALL_SHA  /tmp/install.sh\" | sha256sum -c - \\",
                     "    && sh /tmp/install.sh && rm /tmp/install.sh")
        else:
            self.add(f"RUN set -o pipefail && curl -fsSL {url} | python3 -")

    def misc_run(self):
        choice = self.r.randint(0, 9)
        if choice == 0:
            self.add("RUN cd /app && make build")
        elif choice == 1:
            self.add("RUN chmod 777 /app /tmp/cache")
        elif choice == 2:
            self.add("RUN mkdir -p /var/log/app /data && chown -R 1000:1000 /data")
        elif choice == 3:
            self.add("RUN ln -sf /usr/share/zoneinfo/Etc/UTC /etc/localtime && echo 'Etc/UTC' > /etc/timezone")
        elif choice == 4:
            self.add("RUN ssh-keyscan github.com >> /root/.ssh/known_hosts")
        elif choice == 5:
            self.add("RUN wget https://example.com/releases/tool-1.4.2-linux-amd64.tar.gz \\",
                     "    && tar -xzf tool-1.4.2-linux-amd64.tar.gz -C /usr/local/bin \\",
                     "    && rm tool-1.4.2-linux-amd64.tar.gz")
        elif choice == 6:
            self.add("RUN echo 'export PS1=\"\\u@\\h:\\w$ \"' >> /etc/bash.bashrc")
        elif choice == 7:
            self.add('RUN ["/bin/sh", "-c", "echo building && ./configure --prefix=/usr/local"]')
        elif choice == 8:
            self.add("RUN useradd app && su app -c 'id'")
        else:
            self.add("RUN set -eux; \\", "    for d in cache logs tmp; do \\", "        mkdir -p \"/srv/$d\"; \\",
                     "    done")

    def heredoc_run(self):
        style = self.r.randint(0, 3)
        if style == 0:
            self.add("RUN <<EOF", "set -eux", "apt-get update", "apt-get install -y --no-install-recommends curl",
                     "rm -rf /var/lib/apt/lists/*", "EOF")
        elif style == 1:
            self.add("RUN <<-SCRIPT bash", "\tset -euo pipefail", "\techo \"building $APP\"", "\t./build.sh --release",
                     "SCRIPT")
        elif style == 2:
            self.add("COPY <<EOF /etc/app/app.conf", "[server]", "port = 8080", "log_level = info", "EOF")
        else:
            self.add("RUN <<EOT python3", "import json, pathlib", "pathlib.Path('/etc/app').mkdir(parents=True, exist_ok=True)",
                     "pathlib.Path('/etc/app/build.json').write_text(json.dumps({'ok': True}))", "EOT")

    def env_block(self, app):
        if self.chance(0.5):
            self.add(f"ENV APP_NAME={app} \\", "    PORT=8080 \\", "    LANG=C.UTF-8")
        else:
            self.add(f"ENV APP_NAME {app}", "ENV PORT 8080")
        if self.chance(0.2):
            self.add(self.pick(["ENV DB_PASSWORD=changeme", "ENV API_KEY=not-a-real-key-1234",
                                "ENV SECRET_KEY=\"dev-secret\"", "ARG GITHUB_TOKEN", "ENV AWS_SECRET_ACCESS_KEY=$AWS_SECRET"]))
        if self.chance(0.3):
            self.add(f"ARG VERSION=0.{self.r.randint(1, 20)}.{self.r.randint(0, 9)}",
                     'LABEL org.opencontainers.image.version="${VERSION}" \\',
                     f'      org.opencontainers.image.title="{app}"')
        if self.chance(0.1):
            self.add("MAINTAINER ops@example.com")

    def user_block(self, alpine):
        choice = self.r.randint(0, 5)
        if choice == 0:
            return  # no USER at all: runs as root
        if choice == 1:
            self.add("USER root")
        elif choice == 2:
            self.add("USER 1000")
        elif choice == 3:
            if alpine:
                self.add("RUN addgroup -S app && adduser -S -G app -u 10001 app")
            else:
                self.add("RUN groupadd -r app && useradd -r -g app -u 123456789 app")
            self.add("USER app")
        elif choice == 4:
            self.add("USER nobody:nogroup")
        else:
            self.add("USER ${APP_UID:-10001}")

    def healthcheck(self, port):
        choice = self.r.randint(0, 4)
        if choice == 0:
            return
        if choice == 1:
            self.add(f"HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -fsS http://localhost:{port}/healthz || exit 1")
        elif choice == 2:
            self.add(f'HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:{port}/ready"]')
        elif choice == 3:
            self.add("HEALTHCHECK NONE")
        else:
            self.add("HEALTHCHECK --start-period=10s CMD pg_isready -U postgres || exit 1",
                     f"HEALTHCHECK CMD curl -f http://localhost:{port}/ || exit 1")

    def copy_block(self, app):
        choice = self.r.randint(0, 7)
        if choice == 0:
            self.add("COPY . .")
        elif choice == 1:
            self.add("COPY --chown=app:app . /app")
        elif choice == 2:
            self.add("COPY requirements.txt setup.py /app/", "COPY src/ /app/src/")
        elif choice == 3:
            self.add(f"ADD {app}.tar.gz /opt/")
        elif choice == 4:
            self.add(f"ADD https://example.com/releases/{app}-config.yaml /etc/{app}/config.yaml")
        elif choice == 5:
            self.add("ADD config.yaml /etc/app/config.yaml")
        elif choice == 6:
            self.add("COPY --chmod=755 --link entrypoint.sh /usr/local/bin/entrypoint.sh")
        else:
            self.add("COPY package.json package-lock.json ./")

    def tail(self, port, entry):
        if self.chance(0.8):
            self.add(f"EXPOSE {port}" + (" 22" if self.chance(0.1) else "") + ("/tcp" if self.chance(0.2) else ""))
        if self.chance(0.2):
            self.add(self.pick(["VOLUME /data", 'VOLUME ["/var/lib/app", "/var/log/app"]']))
        if self.chance(0.1):
            self.add("STOPSIGNAL SIGTERM")
        form = self.r.randint(0, 3)
        if form == 0:
            self.add("CMD " + " ".join(entry))
        elif form == 1:
            self.add("CMD [" + ", ".join(f'"{a}"' for a in entry) + "]")
        elif form == 2:
            self.add('ENTRYPOINT ["/usr/bin/tini", "--"]', "CMD [" + ", ".join(f'"{a}"' for a in entry) + "]")
        else:
            self.add("ENTRYPOINT " + " ".join(entry), 'CMD ["--help"]')
        if self.chance(0.05):
            self.add('CMD ["sleep", "infinity"]')  # a second CMD: only the last one counts

    def onbuild(self):
        self.add("ONBUILD COPY . /app/src", "ONBUILD RUN cd /app/src && make install")


def python_file(g, n):
    app = g.pick(APP_NAMES)
    if g.chance(0.3):
        g.add("ARG PYTHON_VERSION=3.11", "", f"FROM {g.pick(REGISTRIES)}python:${{PYTHON_VERSION}}-slim")
    else:
        g.add(f"FROM {g.image('python', PY_TAGS)}")
    alpine = "alpine" in g.lines[-1]
    g.add("", "# runtime settings")
    g.add("ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1")
    g.env_block(app)
    g.add("WORKDIR " + g.pick(["/app", "/srv/app", "app", "/usr/src/app"]))
    if alpine:
        g.apk_run()
    else:
        g.apt_run(g.pick(["apt-get", "apt-get", "apt"]))
    g.copy_block(app)
    g.pip_run()
    if g.chance(0.3):
        g.misc_run()
    if g.chance(0.2):
        g.heredoc_run()
    g.user_block(alpine)
    g.healthcheck(8000)
    g.tail(8000, g.pick([["gunicorn", "-b", "0.0.0.0:8000", f"{app}.wsgi:app"], ["python", "-m", app],
                         ["uvicorn", "main:app", "--host", "0.0.0.0"]]))
    return "python"


def node_file(g, n):
    app = g.pick(APP_NAMES)
    multi = g.chance(0.5)
    base = g.image("node", NODE_TAGS)
    if multi:
        g.add(f"FROM {base} AS deps", "WORKDIR /app", "COPY package.json package-lock.json ./")
        g.npm_run()
        g.add("", f"FROM {base} AS build", "WORKDIR /app", "COPY --from=deps /app/node_modules ./node_modules", "COPY . .",
              "RUN npm run build", "")
        g.add(f"FROM {g.image('node', NODE_TAGS)}")
        g.add("WORKDIR /app", "ENV NODE_ENV=production")
        g.add("COPY --from=build --chown=node:node /app/dist ./dist",
              "COPY --from=deps /app/node_modules ./node_modules")
    else:
        g.add(f"FROM {base}", "WORKDIR " + g.pick(["/app", "/home/node/app", "/usr/src/app"]))
        g.env_block(app)
        g.copy_block(app)
        g.npm_run()
        if "alpine" in base and g.chance(0.6):
            g.apk_run()
        elif g.chance(0.4):
            g.apt_run()
        if g.chance(0.2):
            g.pipe_run()
    if g.chance(0.2):
        g.misc_run()
    if g.chance(0.5):
        g.add("USER node")
    else:
        g.user_block("alpine" in base)
    g.healthcheck(3000)
    g.tail(3000, g.pick([["node", "dist/server.js"], ["npm", "start"], ["pm2-runtime", "ecosystem.config.js"]]))
    return "node"


def go_file(g, n):
    app = g.pick(APP_NAMES)
    builder = g.image("golang", GO_TAGS)
    plat = "--platform=$BUILDPLATFORM " if g.chance(0.4) else ""
    if g.chance(0.3) and not g.lines:
        g.add("# syntax=docker/dockerfile:1.7")
    g.add("# build stage", f"FROM {plat}{builder} AS builder")
    if plat:
        g.add("ARG TARGETOS TARGETARCH")
    g.add("WORKDIR /src", "COPY go.mod go.sum ./", "RUN go mod download", "COPY . .")
    env = "CGO_ENABLED=0 " + ("GOOS=$TARGETOS GOARCH=$TARGETARCH " if plat else "")
    if g.chance(0.5):
        g.add("RUN --mount=type=cache,target=/root/.cache/go-build \\", "    --mount=type=cache,target=/go/pkg/mod \\",
              f"    {env}go build -trimpath -ldflags='-s -w' -o /out/{app} ./cmd/{app}")
    else:
        g.add(f"RUN {env}go build -o /out/{app} ./cmd/{app}")
    if g.chance(0.3):
        g.add("", "FROM builder AS test", "RUN go test ./...")
    runtime = g.pick(RUNTIME_BASES)
    if runtime in ("alpine", "debian:bookworm-slim", "ubuntu:22.04") and g.chance(0.4):
        runtime += "@" + g.digest() if ":" in runtime else ":" + g.pick(["3.19", "latest"])
    g.add("", f"FROM {runtime}")
    if runtime.startswith("alpine"):
        g.apk_run()
    elif runtime.startswith(("debian", "ubuntu")):
        g.apt_run()
    g.add(f"COPY --from=builder /out/{app} /usr/local/bin/{app}")
    if g.chance(0.3):
        g.add("COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/")
    if runtime == "scratch" or "distroless" in runtime:
        if g.chance(0.7):
            g.add(g.pick(["USER 65532:65532", "USER nonroot"]))
    else:
        g.user_block(runtime.startswith("alpine"))
    g.healthcheck(9090)
    g.tail(9090, [f"/usr/local/bin/{app}", "--listen", ":9090"])
    return "go"


def debian_file(g, n):
    app = g.pick(APP_NAMES)
    fam = g.pick(["debian", "ubuntu"])
    base = g.image(fam, DEBIAN_TAGS if fam == "debian" else UBUNTU_TAGS)
    if g.chance(0.2):
        g.add(f"ARG BASE={base}", "FROM ${BASE}")
    else:
        g.add(f"FROM {base}")
    g.add(f"# {app}: a service built from distribution packages")
    if g.chance(0.3):
        g.add("ARG DEBIAN_FRONTEND=noninteractive")
    g.env_block(app)
    for _ in range(g.r.randint(1, 3)):
        g.apt_run(g.pick(["apt-get", "apt-get", "apt"]))
    if g.chance(0.4):
        g.pipe_run()
    for _ in range(g.r.randint(0, 3)):
        g.misc_run()
    if g.chance(0.3):
        g.heredoc_run()
    g.copy_block(app)
    if g.chance(0.3):
        g.copy_block(app)
    if g.chance(0.2):
        g.onbuild()
    g.add("WORKDIR /opt/" + app)
    g.user_block(False)
    g.healthcheck(8080)
    g.tail(8080, [f"/opt/{app}/bin/{app}", "serve"])
    return fam


def alpine_file(g, n):
    app = g.pick(APP_NAMES)
    g.add(f"FROM {g.image('alpine', ALPINE_TAGS)}")
    if g.chance(0.3):
        g.add("LABEL maintainer=\"platform@example.com\"")
    g.env_block(app)
    for _ in range(g.r.randint(1, 2)):
        g.apk_run()
    if g.chance(0.3):
        g.pipe_run()
    if g.chance(0.4):
        g.misc_run()
    g.copy_block(app)
    g.user_block(True)
    g.healthcheck(8080)
    g.tail(8080, [f"/usr/local/bin/{app}"])
    return "alpine"


def python_multistage_file(g, n):
    app = g.pick(APP_NAMES)
    if not g.lines:
        g.add("# syntax=docker/dockerfile:1")
    g.add("ARG PY=3.12")
    g.add(f"FROM python:${{PY}}-bookworm AS build", "WORKDIR /build")
    g.apt_run()
    g.add("COPY pyproject.toml poetry.lock ./")
    g.pipe_run()
    g.add("RUN poetry export -f requirements.txt -o requirements.txt \\", "    # wheels only, no sdists",
          "    && pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt")
    g.add("", f"FROM {g.image('python', PY_TAGS)} AS runtime")
    g.add("COPY --from=build /wheels /wheels", "RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels")
    g.add(f"COPY --chown=10001:10001 src/{app} /app/{app}", "WORKDIR /app")
    if g.chance(0.3):
        g.heredoc_run()
    g.user_block(False)
    g.healthcheck(8000)
    g.tail(8000, ["python", "-m", app])
    return "python-multi"


def onbuild_file(g, n):
    lang = g.pick(["python", "node", "golang"])
    tags = {"python": PY_TAGS, "node": NODE_TAGS, "golang": GO_TAGS}[lang]
    g.add(f"# base image for {lang} services: children only add their sources", f"FROM {g.image(lang, tags)}")
    g.add("RUN mkdir -p /app", "WORKDIR /app")
    if lang == "python":
        g.add("ONBUILD COPY requirements.txt /app/", "ONBUILD RUN pip install --no-cache-dir -r requirements.txt")
    elif lang == "node":
        g.add("ONBUILD COPY package*.json /app/", "ONBUILD RUN npm ci")
    else:
        g.add("ONBUILD COPY go.* /app/", "ONBUILD RUN go mod download")
    g.add("ONBUILD COPY . /app")
    if g.chance(0.3):
        g.add("ONBUILD USER nobody")
    g.healthcheck(8080)
    return "onbuild"


def escape_file(g, n):
    """A Windows-style file with the escape directive: backtick continuations."""
    g.lines.insert(0, "# escape=`")
    g.add("FROM mcr.microsoft.com/windows/servercore:ltsc2022", "SHELL [\"powershell\", \"-Command\"]",
          "RUN Invoke-WebRequest -Uri https://example.com/app.zip -OutFile C:\\app.zip ; `",
          "    Expand-Archive C:\\app.zip -DestinationPath C:\\app ; `", "    Remove-Item C:\\app.zip",
          "WORKDIR C:\\app", "COPY config.json C:\\app\\", 'CMD ["C:\\\\app\\\\app.exe"]')
    return "escape"


KINDS = [(python_file, 5), (node_file, 4), (go_file, 4), (debian_file, 5), (alpine_file, 3),
         (python_multistage_file, 2), (onbuild_file, 1), (escape_file, 0.3)]


def generate(seed, count):
    rng = random.Random(seed)
    funcs = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    for n in range(count):
        g = Gen(rng)
        g.lowercase = rng.random() < 0.03
        if rng.random() < 0.25:
            g.add(rng.choice(["# syntax=docker/dockerfile:1", "# syntax=docker/dockerfile:1.4"]))
        if rng.random() < 0.5:
            g.add(f"# Dockerfile {n:03d}, generated for the hullguard lint benchmark")
        kind = rng.choices(funcs, weights)[0](g, n)
        text = "\n".join(g.lines) + "\n"
        if g.lowercase:
            text = "\n".join(lower_instructions(line) for line in text.split("\n"))
        yield f"{n:03d}-{kind}.Dockerfile", text


INSTRUCTIONS = ("FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "WORKDIR ", "USER ", "EXPOSE ", "CMD ", "LABEL ", "ARG ")


def lower_instructions(line):
    for word in INSTRUCTIONS:
        if line.startswith(word):
            return word.lower() + line[len(word):]
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=240)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    total = 0
    for name, text in generate(args.seed, args.count):
        with open(os.path.join(args.outdir, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        total += text.count("\n")
    print(f"{args.count} Dockerfiles, {total} lines, in {args.outdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
