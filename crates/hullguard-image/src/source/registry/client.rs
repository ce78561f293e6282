//! The OCI distribution API over blocking `reqwest`: one repository, its manifests and blobs, with
//! the 401 challenge answered once (Basic, or a Bearer token for the repository's pull scope),
//! bounded retries with backoff on 429 and 5xx, bounded redirects and idle timeouts.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::Response;
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_RANGE, CONTENT_TYPE, LINK, LOCATION, RANGE, RETRY_AFTER, WWW_AUTHENTICATE,
};

use super::auth::{Challenge, Credentials, parse_challenge};
use super::reference::Reference;
use super::{Pushed, RegistryOptions};
use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};

/// Attempts of one request (the first and the retries).
const MAX_ATTEMPTS: u32 = 5;
/// Longest span retries of one request may take, waits included.
const RETRY_BUDGET: Duration = Duration::from_secs(60);
/// First backoff wait; doubled each retry.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Redirects followed per request (blob storage is usually one hop away).
const MAX_REDIRECTS: usize = 5;
/// Connecting may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait for an answer's head, and for each read of its body.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Times one blob download may be resumed after its connection dropped.
const MAX_RESUMES: u32 = 3;
/// Pages of a listing followed.
const MAX_PAGES: usize = 1000;
/// Names a listing may hold.
const MAX_LISTED: usize = 100_000;
/// Largest token-service answer or error body read.
const MAX_SMALL_BODY: u64 = 1 << 20;

/// The HTTP client for registries trusting `ca_file` besides the system roots: one a process,
/// so that the roots are loaded once and connections are kept alive across repositories (a
/// registry scan opens one client a repository).
fn shared_http(ca_file: Option<&std::path::Path>, name: &str) -> Result<reqwest::blocking::Client> {
    static CLIENTS: Mutex<Vec<(Option<std::path::PathBuf>, reqwest::blocking::Client)>> = Mutex::new(Vec::new());
    let mut clients = CLIENTS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, http)) = clients.iter().find(|(file, _)| file.as_deref() == ca_file) {
        return Ok(http.clone());
    }
    let mut builder = reqwest::blocking::Client::builder();
    if let Some(path) = ca_file {
        let file = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| Error::io(&file, &e))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::new(ErrorKind::Malformed, &file, "no PEM certificate in the file"))?;
        builder = builder.tls_certs_merge(certs);
    }
    let http = builder
        .user_agent(concat!("hullguard/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(IDLE_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .build()
        .map_err(|e| Error::new(ErrorKind::Io, name, format!("HTTP client: {e}")))?;
    clients.push((ca_file.map(std::path::Path::to_path_buf), http.clone()));
    Ok(http)
}

/// What the manifest endpoint accepts from us.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// A client for one repository of one registry.
pub(crate) struct Client {
    http: reqwest::blocking::Client,
    /// `https://host` or `http://host`.
    base: String,
    /// For messages: `registry host/repository`.
    name: String,
    repository: String,
    credentials: Option<Credentials>,
    /// The `Authorization` value that answered the last challenge.
    authorization: Mutex<Option<String>>,
}

/// A fetched manifest or index.
pub(crate) struct Fetched {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub header_digest: Option<String>,
}

/// What a request carries besides its method and URL.
#[derive(Default)]
pub(crate) struct Request<'a> {
    /// The `Accept` header.
    pub accept: Option<&'a str>,
    /// Ask for the body from this byte on (`Range: bytes=N-`).
    pub range_from: Option<u64>,
    /// A body and its content type (sent again on each retry).
    pub body: Option<(&'a str, &'a [u8])>,
}

impl Client {
    pub(crate) fn new(reference: &Reference, options: &RegistryOptions) -> Result<Self> {
        let name = format!("{}/{}", reference.registry, reference.repository);
        let scheme = if options.insecure {
            if !reference.is_loopback() {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    &name,
                    "--insecure (plain HTTP) is allowed only for a registry on this machine (localhost, 127.0.0.0/8, ::1)",
                ));
            }
            "http"
        } else {
            "https"
        };
        let http = shared_http(options.ca_file.as_deref(), &name)?;
        Ok(Client {
            http,
            base: format!("{scheme}://{}", reference.api_host()),
            name,
            repository: reference.repository.clone(),
            credentials: options.credentials.clone(),
            authorization: Mutex::new(None),
        })
    }

    /// `GET /v2/<repo>/manifests/<reference>`, read whole up to `cap` bytes.
    pub(crate) fn manifest(&self, reference: &str, cap: u64) -> Result<Fetched> {
        let subject = format!("{}: manifest {reference}", self.name);
        let response = self.get(&format!("manifests/{reference}"), Some(MANIFEST_ACCEPT), None, &subject)?;
        let header = |h: &str| response.headers().get(h).and_then(|v| v.to_str().ok()).map(str::to_string);
        let content_type =
            header(CONTENT_TYPE.as_str()).map(|t| t.split(';').next().unwrap_or_default().trim().to_string());
        let header_digest = header("docker-content-digest");
        let bytes = read_capped(response, cap, &subject)?;
        Ok(Fetched { bytes, content_type, header_digest })
    }

    /// `GET /v2/<repo>/blobs/<digest>`: the blob as a stream (redirects to storage followed).
    pub(crate) fn blob(&self, digest: &Digest) -> Result<Response> {
        let subject = format!("{}: blob {digest}", self.name);
        self.get(&format!("blobs/{digest}"), None, None, &subject)
    }

    /// A layer blob of `size` bytes as a stream that, when the connection drops or stalls
    /// mid-way, asks for the rest (`Range: bytes=N-`) up to [`MAX_RESUMES`] times.
    pub(crate) fn blob_stream(self: &Arc<Self>, digest: &Digest, size: u64) -> Result<BlobStream> {
        Ok(BlobStream {
            body: self.blob(digest)?,
            client: Arc::clone(self),
            digest: digest.clone(),
            size,
            offset: 0,
            resumes: 0,
        })
    }

    /// A small blob (`what`: a config) read whole, its size and digest checked.
    pub(crate) fn small_blob(&self, what: &str, digest: &Digest, size: u64, cap: u64) -> Result<Vec<u8>> {
        let subject = format!("{}: {what} {digest}", self.name);
        if size > cap {
            return Err(Error::new(
                ErrorKind::Limit,
                &subject,
                format!("declared size {size} bytes exceeds the {cap} byte limit for JSON documents"),
            ));
        }
        let bytes = read_capped(self.blob(digest)?, cap, &subject)?;
        crate::layer::Expected { compression: None, digest: Some(digest.clone()), size: Some(size), diff_id: None }
            .check_stored(&subject, &Digest::of(&bytes), bytes.len() as u64)?;
        Ok(bytes)
    }

    /// Upload `bytes` as a blob (one `POST` to open the upload, one monolithic `PUT` with the
    /// digest to close it); returns its digest.
    pub(crate) fn push_blob(&self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::of(bytes);
        let subject = format!("{}: upload of blob {digest}", self.name);
        let empty = Request { body: Some(("application/octet-stream", &[])), ..Request::default() };
        let opened = self.send(reqwest::Method::POST, &self.repository_url("blobs/uploads/"), &empty, &subject)?;
        let location =
            opened.headers().get(LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
                Error::new(ErrorKind::Malformed, &subject, "the registry opened no upload (no Location)")
            })?;
        let mut url = self.same_origin(location, &subject)?;
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={digest}"));
        let put = Request { body: Some(("application/octet-stream", bytes)), ..Request::default() };
        self.send(reqwest::Method::PUT, &url, &put, &subject)?;
        Ok(digest)
    }

    /// `GET /v2/<repo>/referrers/<digest>` (OCI distribution 1.1), read whole up to `cap` bytes;
    /// `None` when the registry answers 404: it has no referrers API.
    pub(crate) fn referrers(&self, digest: &Digest, cap: u64) -> Result<Option<Vec<u8>>> {
        let subject = format!("{}: referrers of {digest}", self.name);
        match self.get(&format!("referrers/{digest}"), Some(crate::spec::MEDIA_OCI_INDEX), None, &subject) {
            Ok(response) => read_capped(response, cap, &subject).map(Some),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Store a manifest of `media_type` under `reference` (a tag or its digest).
    pub(crate) fn push_manifest(&self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<Pushed> {
        let digest = Digest::of(bytes);
        let subject = format!("{}: push of manifest {reference}", self.name);
        let put = Request { body: Some((media_type, bytes)), ..Request::default() };
        let response =
            self.send(reqwest::Method::PUT, &self.repository_url(&format!("manifests/{reference}")), &put, &subject)?;
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
        if let Some(stored) = header("docker-content-digest").filter(|d| *d != digest.as_str()) {
            return Err(Error::new(
                ErrorKind::DigestMismatch,
                subject,
                format!("the registry stored {stored}, the manifest sent is {digest}"),
            ));
        }
        Ok(Pushed { digest, indexed_subject: header("oci-subject").map(str::to_string) })
    }

    /// A URL the registry handed out (`Location`, `Link`), absolute; refused when it points to
    /// another host or scheme than the registry's.
    fn same_origin(&self, location: &str, subject: &str) -> Result<String> {
        if location.starts_with('/') && !location.starts_with("//") {
            return Ok(format!("{}{location}", self.base));
        }
        if location.strip_prefix(&self.base).is_some_and(|rest| rest.starts_with('/')) {
            return Ok(location.to_string());
        }
        Err(Error::new(ErrorKind::Unsafe, subject, format!("the registry pointed to another origin: {location:?}")))
    }

    /// A paginated list (`/v2/_catalog`'s `repositories`, `tags/list`'s `tags`), following
    /// `Link: <…>; rel="next"` on the registry's own origin, at most [`MAX_PAGES`] pages and
    /// [`MAX_LISTED`] names.
    pub(crate) fn list(&self, path: &str, key: &str) -> Result<Vec<String>> {
        let subject = format!("{}: {path}", self.base);
        let mut url = format!("{}/v2/{path}", self.base);
        let mut names = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = self.send(reqwest::Method::GET, &url, &Request::default(), &subject)?;
            let next = response
                .headers()
                .get(LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_link)
                .map(|l| self.same_origin(&l, &subject))
                .transpose()?;
            let bytes = read_capped(response, MAX_SMALL_BODY * 8, &subject)?;
            let page: serde_json::Value = super::super::parse_json(&subject, &bytes)?;
            let listed = page.get(key).and_then(serde_json::Value::as_array);
            for name in listed.into_iter().flatten().filter_map(serde_json::Value::as_str) {
                names.push(name.to_string());
            }
            if names.len() > MAX_LISTED {
                return Err(Error::new(ErrorKind::Limit, subject, format!("more than {MAX_LISTED} names listed")));
            }
            match next {
                Some(n) => url = n,
                None => return Ok(names),
            }
        }
        Err(Error::new(ErrorKind::Limit, subject, format!("more than {MAX_PAGES} pages (a pagination loop?)")))
    }

    /// One GET of `path` below the repository's API root.
    fn get(&self, path: &str, accept: Option<&str>, range_from: Option<u64>, subject: &str) -> Result<Response> {
        let request = Request { accept, range_from, ..Request::default() };
        self.send(reqwest::Method::GET, &self.repository_url(path), &request, subject)
    }

    /// `https://host/v2/<repo>/<path>`.
    fn repository_url(&self, path: &str) -> String {
        format!("{}/v2/{}/{path}", self.base, self.repository)
    }

    /// One request with the challenge answered and 429/5xx retried, both bounded.
    pub(crate) fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        options: &Request<'_>,
        subject: &str,
    ) -> Result<Response> {
        let started = Instant::now();
        let mut answered_challenge = false;
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.http.request(method.clone(), url);
            if let Some(a) = options.accept {
                request = request.header(ACCEPT, a);
            }
            if let Some(from) = options.range_from {
                request = request.header(RANGE, format!("bytes={from}-"));
            }
            if let Some((content_type, body)) = options.body {
                request = request.header(CONTENT_TYPE, content_type).body(body.to_vec());
            }
            if let Some(auth) = self.authorization.lock().ok().and_then(|a| a.clone()) {
                request = request.header(AUTHORIZATION, auth);
            }
            let retry_wait = match request.send() {
                Err(e) if e.is_redirect() => {
                    return Err(Error::new(
                        ErrorKind::Limit,
                        subject,
                        format!("more than {MAX_REDIRECTS} redirects (a redirect loop?)"),
                    ));
                }
                Err(e) if e.is_timeout() || e.is_connect() => {
                    let text = chain(&e);
                    if text.contains("certificate") {
                        let reason = text.split_once("(Connect): ").map_or(text.as_str(), |(_, r)| r);
                        return Err(Error::new(
                            ErrorKind::Io,
                            subject,
                            format!("TLS: {reason} (a private CA? --ca-file FILE)"),
                        ));
                    }
                    let plain_http =
                        e.is_connect() && self.base.starts_with("https:") && text.contains("corrupt message");
                    if plain_http {
                        return Err(Error::new(
                            ErrorKind::Io,
                            subject,
                            "the registry does not speak TLS (a plain-HTTP registry on this machine? add --insecure)",
                        ));
                    }
                    if attempt >= MAX_ATTEMPTS || started.elapsed() + backoff > RETRY_BUDGET {
                        return Err(Error::new(ErrorKind::Io, subject, format!("request failed: {text}")));
                    }
                    backoff
                }
                Err(e) => return Err(Error::new(ErrorKind::Io, subject, format!("request failed: {}", chain(&e)))),
                Ok(response) => {
                    let status = response.status();
                    if status.is_success() {
                        return Ok(response);
                    }
                    if status == StatusCode::UNAUTHORIZED {
                        if answered_challenge {
                            return Err(self.auth_failed(subject));
                        }
                        let challenge = response
                            .headers()
                            .get(WWW_AUTHENTICATE)
                            .and_then(|v| v.to_str().ok())
                            .and_then(parse_challenge)
                            .ok_or_else(|| {
                                Error::new(
                                    ErrorKind::Io,
                                    subject,
                                    "401 Unauthorized without a usable WWW-Authenticate challenge",
                                )
                            })?;
                        self.answer(challenge, subject)?;
                        answered_challenge = true;
                        attempt -= 1;
                        continue;
                    }
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !retryable || attempt >= MAX_ATTEMPTS || started.elapsed() + backoff > RETRY_BUDGET {
                        return Err(status_error(response, subject, attempt));
                    }
                    retry_after(&response).unwrap_or(backoff)
                }
            };
            tracing::debug!(url, attempt, ?retry_wait, "retrying");
            std::thread::sleep(retry_wait);
            backoff = backoff.saturating_mul(2);
        }
    }

    fn auth_failed(&self, subject: &str) -> Error {
        let who = match &self.credentials {
            Some(c) => format!("as {:?}", c.username),
            None => "anonymously (no credentials: --username with --password-stdin, or docker login)".to_string(),
        };
        Error::new(ErrorKind::Io, subject, format!("authentication failed {who}: 401 Unauthorized"))
    }

    /// Answer a 401 challenge: Basic with our credentials, or a Bearer token from the realm.
    fn answer(&self, challenge: Challenge, subject: &str) -> Result<()> {
        let value = match challenge {
            Challenge::Basic => match &self.credentials {
                Some(c) => c.basic(),
                None => return Err(self.auth_failed(subject)),
            },
            Challenge::Bearer { realm, service, scope } => {
                let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", self.repository));
                format!("Bearer {}", self.token(&realm, service.as_deref(), &scope, subject)?)
            }
        };
        if let Ok(mut slot) = self.authorization.lock() {
            *slot = Some(value);
        }
        Ok(())
    }

    /// Fetch a token from the token service (`GET realm?service=…&scope=…`).
    fn token(&self, realm: &str, service: Option<&str>, scope: &str, subject: &str) -> Result<String> {
        let mut url = reqwest::Url::parse(realm)
            .map_err(|e| Error::new(ErrorKind::Malformed, subject, format!("token realm {realm:?}: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") || (url.scheme() == "http" && !self.base.starts_with("http:")) {
            return Err(Error::new(ErrorKind::Unsafe, subject, format!("token realm {realm:?} is not https")));
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(s) = service {
                query.append_pair("service", s);
            }
            query.append_pair("scope", scope);
        }
        let mut request = self.http.get(url);
        if let Some(c) = &self.credentials {
            request = request.header(AUTHORIZATION, c.basic());
        }
        let response = request
            .send()
            .map_err(|e| Error::new(ErrorKind::Io, subject, format!("token request to {realm}: {}", chain(&e))))?;
        if response.status() == StatusCode::UNAUTHORIZED || response.status() == StatusCode::FORBIDDEN {
            return Err(self.auth_failed(subject));
        }
        if !response.status().is_success() {
            return Err(status_error(response, &format!("{subject}: token service {realm}"), 1));
        }
        #[derive(serde::Deserialize)]
        struct TokenAnswer {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let bytes = read_capped(response, MAX_SMALL_BODY, subject)?;
        let answer: TokenAnswer = super::super::parse_json(&format!("{subject}: token answer"), &bytes)?;
        answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| Error::new(ErrorKind::Malformed, subject, "token service answered no usable token"))
    }
}

/// A layer blob being downloaded; resumes with a `Range` request where the body breaks off. What
/// it yields is still checked against the blob's digest and size by the layer reader.
pub(crate) struct BlobStream {
    client: Arc<Client>,
    body: Response,
    digest: Digest,
    size: u64,
    offset: u64,
    resumes: u32,
}

impl BlobStream {
    /// Ask for the rest of the blob from `offset`, if resumes are left; else `cause`.
    fn resume(&mut self, cause: std::io::Error) -> std::io::Result<()> {
        if self.resumes >= MAX_RESUMES {
            return Err(std::io::Error::new(
                cause.kind(),
                format!("{cause} (after {} resumed downloads at byte {} of {})", self.resumes, self.offset, self.size),
            ));
        }
        self.resumes += 1;
        let subject = format!("{}: blob {}", self.client.name, self.digest);
        tracing::debug!(%subject, offset = self.offset, %cause, "resuming the blob download");
        std::thread::sleep(FIRST_BACKOFF * self.resumes);
        let path = format!("blobs/{}", self.digest);
        let body = self.client.get(&path, None, Some(self.offset), &subject).map_err(crate::error::into_io)?;
        let range = body.headers().get(CONTENT_RANGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if body.status() != StatusCode::PARTIAL_CONTENT || !range.starts_with(&format!("bytes {}-", self.offset)) {
            return Err(crate::error::into_io(Error::new(
                ErrorKind::Io,
                subject,
                format!("the download broke off at byte {} ({cause}) and the registry cannot resume it", self.offset),
            )));
        }
        self.body = body;
        Ok(())
    }
}

impl Read for BlobStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.body.read(buf) {
                Ok(0) if !buf.is_empty() && self.offset < self.size => {
                    self.resume(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the body ended early"))?;
                }
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => self.resume(e)?,
            }
        }
    }
}

/// Read a body whole, refusing more than `cap` bytes (by `Content-Length` first, then by count).
fn read_capped(response: Response, cap: u64, subject: &str) -> Result<Vec<u8>> {
    if let Some(len) = response.content_length()
        && len > cap
    {
        return Err(Error::new(ErrorKind::Limit, subject, format!("{len} bytes exceeds the {cap} byte limit")));
    }
    let mut bytes = Vec::new();
    response
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::Io, subject, format!("reading the answer: {e}")))?;
    if bytes.len() as u64 > cap {
        return Err(Error::new(ErrorKind::Limit, subject, format!("answer exceeds the {cap} byte limit")));
    }
    Ok(bytes)
}

/// The target of a `Link` header's `rel="next"` entry.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        is_next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// A `Retry-After` in seconds, capped.
fn retry_after(response: &Response) -> Option<Duration> {
    let secs: u64 = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// The error of a failed status: the status and the registry's first error message.
fn status_error(response: Response, subject: &str, attempts: u32) -> Error {
    let status = response.status();
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<RegistryError>,
    }
    #[derive(serde::Deserialize)]
    struct RegistryError {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let mut body = Vec::new();
    let _ = response.take(MAX_SMALL_BODY).read_to_end(&mut body);
    let detail = serde_json::from_slice::<Errors>(&body)
        .ok()
        .and_then(|e| e.errors.into_iter().next())
        .map(|e| format!(" ({}: {})", e.code, e.message))
        .unwrap_or_default();
    let tries = if attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
    let kind = if status == StatusCode::NOT_FOUND { ErrorKind::NotFound } else { ErrorKind::Io };
    Error::new(kind, subject, format!("registry answered {status}{detail}{tries}"))
}

/// An error with its sources, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
