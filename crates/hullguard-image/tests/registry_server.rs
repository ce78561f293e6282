//! The registry source against a registry written here (std `TcpListener` on 127.0.0.1): the
//! bearer-token challenge flow, and hostile answers (wrong digests, a huge manifest, a redirect
//! loop, 500 then success, schema 1) that must end in one clear error or recover, quickly.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hullguard_image::source::registry::{Credentials, RegistrySpec};
use hullguard_image::{ErrorKind, Listing, ReadOptions, SourceSpec, read_image};
use serde_json::json;
use support::{Tar, sha256_hex};

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Request {
    path: String,
    headers: HashMap<String, String>,
}

/// An answer: status, headers, body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn ok(body: &[u8]) -> Self {
        Reply { status: 200, headers: Vec::new(), body: body.to_vec() }
    }
    fn status(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: Vec::new() }
    }
    fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
}

type Handler = dyn Fn(&Request, &str) -> Reply + Send + Sync;

/// Serve `handler` (given the request and the server's `host:port`) on a free loopback port, one
/// connection at a time, `Connection: close`. Returns the host and the log of requests.
fn serve(handler: Box<Handler>) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (server_host, server_log) = (host.clone(), log.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let mut headers = HashMap::new();
            for _ in 0..100 {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
            let request = Request { path, headers };
            server_log.lock().unwrap().push(request.clone());
            let reply = handler(&request, &server_host);
            // `X-No-Length`: no Content-Length, the body ends when the connection closes.
            let has_length = reply.headers.iter().any(|(k, _)| k == "Content-Length" || k == "X-No-Length");
            let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
            for (k, v) in &reply.headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            if !has_length {
                head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&reply.body);
        }
    });
    (host, log)
}

/// A one-layer image: manifest, config and layer bytes, and their digests.
struct Image {
    manifest: Vec<u8>,
    config: Vec<u8>,
    layer: Vec<u8>,
}

impl Image {
    fn new() -> Self {
        let layer = Tar::new().dir("etc/").file("etc/os-release", b"ID=test\n").end();
        let config = serde_json::to_vec(&json!({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{}", sha256_hex(&layer))]},
        }))
        .unwrap();
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(&config), "size": config.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(&layer), "size": layer.len()}],
        }))
        .unwrap();
        Image { manifest, config, layer }
    }

    /// The registry's answer to `path` (`/v2/app/…`), or 404.
    fn answer(&self, path: &str) -> Reply {
        if path == "/v2/app/manifests/1" || path == format!("/v2/app/manifests/{}", digest(&self.manifest)) {
            return Reply::ok(&self.manifest)
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .header("Docker-Content-Digest", &digest(&self.manifest));
        }
        for blob in [&self.config, &self.layer] {
            if path == format!("/v2/app/blobs/{}", digest(blob)) {
                return Reply::ok(blob);
            }
        }
        Reply::status(404)
    }
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// Read `registry:HOST/app:1` (plain HTTP, loopback) with optional credentials.
fn pull(host: &str, credentials: Option<Credentials>) -> hullguard_image::Result<Vec<String>> {
    let mut spec = RegistrySpec::parse(&format!("{host}/app:1"))?;
    spec.options.insecure = true;
    spec.options.credentials = credentials;
    let source = SourceSpec::Registry(Box::new(spec)).open(None, &hullguard_image::Limits::default())?;
    let image = read_image(source.as_ref(), &ReadOptions::default(), Listing::default)?;
    Ok(image.layers.iter().flat_map(|l| l.output.iter().map(|e| e.path.clone())).collect())
}

fn alice() -> Option<Credentials> {
    Some(Credentials { username: "alice".into(), password: "pw".into() })
}

#[test]
fn bearer_token_flow_with_scope() {
    let image = Image::new();
    let (host, log) = serve(Box::new(move |r, host| {
        if r.path.starts_with("/token?") {
            // Basic alice:pw
            return if r.headers.get("authorization").map(String::as_str) == Some("Basic YWxpY2U6cHc=") {
                Reply::ok(br#"{"token":"tok-123","expires_in":300}"#)
            } else {
                Reply::status(401)
            };
        }
        if r.headers.get("authorization").map(String::as_str) != Some("Bearer tok-123") {
            let challenge =
                format!(r#"Bearer realm="http://{host}/token",service="test-registry",scope="repository:app:pull""#);
            return Reply::status(401).header("WWW-Authenticate", &challenge);
        }
        image.answer(&r.path)
    }));
    assert_eq!(pull(&host, alice()).unwrap(), ["etc", "etc/os-release"]);
    let requests = log.lock().unwrap().clone();
    let tokens: Vec<&Request> = requests.iter().filter(|r| r.path.starts_with("/token")).collect();
    assert_eq!(tokens.len(), 1, "one token for the whole pull: {requests:?}");
    assert_eq!(tokens[0].path, "/token?service=test-registry&scope=repository%3Aapp%3Apull");
    assert_eq!(requests.iter().filter(|r| !r.headers.contains_key("authorization")).count(), 1, "one anonymous try");

    // Wrong credentials: the token service refuses; one clear error, no loop.
    let wrong = Some(Credentials { username: "alice".into(), password: "nope".into() });
    let err = pull(&host, wrong).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{host}/app: manifest 1: authentication failed as \"alice\": 401 Unauthorized")
    );
}

#[test]
fn a_registry_that_keeps_answering_401_is_refused_after_one_challenge() {
    let (host, log) = serve(Box::new(|_, _| Reply::status(401).header("WWW-Authenticate", r#"Basic realm="x""#)));
    let err = pull(&host, alice()).unwrap_err();
    assert!(err.to_string().ends_with("authentication failed as \"alice\": 401 Unauthorized"), "{err}");
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[test]
fn hostile_answers_end_in_clear_errors() {
    let image = Arc::new(Image::new());
    let check = |name: &str, kind: ErrorKind, text: &str, handler: Box<Handler>| {
        let (host, _) = serve(handler);
        let started = Instant::now();
        let err = pull(&host, None).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}: {err}");
        assert!(err.to_string().contains(text), "{name}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{name}: took {:?}", started.elapsed());
    };
    let i = image.clone();
    check(
        "the manifest's Docker-Content-Digest is not its content",
        ErrorKind::DigestMismatch,
        "digest mismatch: expected sha256:0000",
        Box::new(move |r, _| {
            let mut reply = i.answer(&r.path);
            if r.path.contains("/manifests/") {
                reply.headers.retain(|(k, _)| k != "Docker-Content-Digest");
                reply = reply.header("Docker-Content-Digest", &format!("sha256:{}", "0".repeat(64)));
            }
            reply
        }),
    );
    let i = image.clone();
    let layer_digest = digest(&image.layer);
    check(
        "the layer blob is other bytes of the same size",
        ErrorKind::DigestMismatch,
        &layer_digest[..20],
        Box::new(move |r, _| {
            if r.path.ends_with(&digest(&i.layer)) {
                let mut evil = i.layer.clone();
                evil[1024] ^= 1; // the file content, not a header
                return Reply::ok(&evil);
            }
            i.answer(&r.path)
        }),
    );
    let i = image.clone();
    check(
        "the config blob is not the config",
        ErrorKind::DigestMismatch,
        "config",
        Box::new(move |r, _| {
            if r.path.ends_with(&digest(&i.config)) {
                return Reply::ok(&i.config.iter().map(|b| b.to_ascii_uppercase()).collect::<Vec<u8>>());
            }
            i.answer(&r.path)
        }),
    );
    check(
        "a 2 GB manifest (by Content-Length)",
        ErrorKind::Limit,
        "2147483648 bytes exceeds the 16777216 byte limit",
        Box::new(|_, _| Reply::status(200).header("Content-Length", "2147483648")),
    );
    check(
        "an endless manifest without Content-Length",
        ErrorKind::Limit,
        "answer exceeds the 16777216 byte limit",
        Box::new(|_, _| Reply::ok(&vec![b' '; 17 << 20]).header("X-No-Length", "1")),
    );
    let i = image.clone();
    check(
        "a redirect loop for a blob",
        ErrorKind::Limit,
        "more than 5 redirects",
        Box::new(move |r, _| {
            if r.path.contains("/blobs/") && !r.path.contains(&digest(&i.config)[7..]) {
                return Reply::status(307).header("Location", &r.path);
            }
            i.answer(&r.path)
        }),
    );
    check(
        "a schema 1 manifest",
        ErrorKind::Unsupported,
        "Docker schema 1 manifests are not supported",
        Box::new(|_, _| {
            Reply::ok(br#"{"schemaVersion":1,"name":"app","tag":"1","fsLayers":[]}"#)
                .header("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws")
        }),
    );
    check(
        "always 503",
        ErrorKind::Io,
        "registry answered 503 Service Unavailable after 5 attempts",
        Box::new(|_, _| Reply::status(503)),
    );
}

#[test]
fn retries_5xx_and_429_then_succeeds_and_follows_redirects_to_storage() {
    let image = Image::new();
    let manifest_calls = AtomicUsize::new(0);
    let (host, log) = serve(Box::new(move |r, host| {
        if r.path.starts_with("/storage/") {
            return image.answer(&format!("/v2/app/blobs/{}", &r.path["/storage/".len()..]));
        }
        if r.path.contains("/manifests/") {
            return match manifest_calls.fetch_add(1, Ordering::SeqCst) {
                0 => Reply::status(500),
                1 => Reply::status(429).header("Retry-After", "1"),
                _ => image.answer(&r.path),
            };
        }
        if let Some(d) = r.path.strip_prefix("/v2/app/blobs/") {
            return Reply::status(307).header("Location", &format!("http://{host}/storage/{d}"));
        }
        Reply::status(404)
    }));
    let started = Instant::now();
    assert_eq!(pull(&host, None).unwrap(), ["etc", "etc/os-release"]);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured");
    let paths: Vec<String> = log.lock().unwrap().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths.iter().filter(|p| p.contains("/manifests/")).count(), 3, "{paths:?}");
    assert_eq!(
        paths.iter().filter(|p| p.starts_with("/storage/")).count(),
        2,
        "config and layer from storage: {paths:?}"
    );
}

#[test]
fn a_pinned_digest_is_the_digest_checked() {
    let image = Image::new();
    let pinned = digest(&image.manifest);
    let (host, _) = serve(Box::new(move |r, _| image.answer(&r.path)));
    let mut spec = RegistrySpec::parse(&format!("{host}/app@{pinned}")).unwrap();
    spec.options.insecure = true;
    let source = SourceSpec::Registry(Box::new(spec)).open(None, &hullguard_image::Limits::default()).unwrap();
    let read = read_image(source.as_ref(), &ReadOptions::default(), Listing::default).unwrap();
    assert_eq!(read.meta.manifest_digest.unwrap().to_string(), pinned);
}

/// A layer whose download breaks off: the rest is asked for with `Range`, and a registry that
/// cannot resume, or breaks off every time, ends the read with one clear error.
#[test]
fn a_dropped_blob_download_resumes_with_range() {
    let big = Tar::new().file("data.bin", &(0..200_000u32).map(|i| (i * 7 % 251) as u8).collect::<Vec<u8>>()).end();
    let mut image = Image::new();
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [digest(&big)]},
    }))
    .unwrap();
    image.manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(&config), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(&big), "size": big.len()}],
    }))
    .unwrap();
    image.config = config;
    image.layer = big.clone();
    let image = Arc::new(image);
    // mode 0: break off once, then serve ranges; 1: break off every time; 2: ignore Range.
    let run = |mode: u8| {
        let (i, layer) = (image.clone(), big.clone());
        let calls = AtomicUsize::new(0);
        let (host, log) = serve(Box::new(move |r, _| {
            if !r.path.ends_with(&digest(&layer)) {
                return i.answer(&r.path);
            }
            let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
            let from: usize = r
                .headers
                .get("range")
                .and_then(|v| v.strip_prefix("bytes=")?.strip_suffix('-')?.parse().ok())
                .unwrap_or(0);
            if mode == 2 && !first {
                return Reply::ok(&layer);
            }
            let status = if first { 200 } else { 206 };
            let mut reply = Reply { status, headers: Vec::new(), body: layer[from..].to_vec() };
            if !first {
                reply = reply.header("Content-Range", &format!("bytes {from}-{}/{}", layer.len() - 1, layer.len()));
            }
            if first || mode == 1 {
                // Promise the whole rest, send 30,000 bytes of it, close.
                reply.body.truncate(30_000);
                reply = reply.header("Content-Length", &(layer.len() - from).to_string());
            }
            reply
        }));
        (pull(&host, None), log)
    };
    let (ok, log) = run(0);
    assert_eq!(ok.unwrap(), ["data.bin"]);
    let ranges: Vec<String> = log.lock().unwrap().iter().filter_map(|r| r.headers.get("range").cloned()).collect();
    assert_eq!(ranges, ["bytes=30000-"]);
    let (err, log) = run(1);
    let err = err.unwrap_err();
    assert!(err.to_string().contains("after 3 resumed downloads at byte 120000 of"), "{err}");
    assert_eq!(log.lock().unwrap().iter().filter(|r| r.headers.contains_key("range")).count(), 3);
    let err = run(2).0.unwrap_err();
    assert!(err.to_string().contains("the download broke off at byte 30000"), "{err}");
    assert!(err.to_string().ends_with("and the registry cannot resume it"), "{err}");
}

/// The referrers API (OCI distribution 1.1, which Debian's distribution 2.8 lacks): the index a
/// registry that has it answers, read as sent; `None` where the registry answers 404, which
/// clients take as "no referrers API, use the `sha256-<hex>` tag".
#[test]
fn the_referrers_api_is_read_where_the_registry_has_it() {
    let subject = format!("sha256:{}", "a".repeat(64));
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{}", "b".repeat(64)),
                       "size": 2, "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}],
    }))
    .unwrap();
    let served = index.clone();
    let with_api = format!("/v2/app/referrers/{subject}");
    let (host, log) = serve(Box::new(move |r, _| {
        if r.path == with_api {
            Reply::ok(&served).header("Content-Type", "application/vnd.oci.image.index.v1+json")
        } else {
            Reply::status(404)
        }
    }));
    let open = |repository: &str| {
        let mut spec = RegistrySpec::parse(&format!("{host}/{repository}:1")).unwrap();
        spec.options.insecure = true;
        hullguard_image::source::registry::Repository::open(&spec).unwrap()
    };
    let digest = hullguard_image::Digest::parse(&subject).unwrap();
    assert_eq!(open("app").referrers(&digest, 1 << 20).unwrap(), Some(index));
    assert_eq!(open("old").referrers(&digest, 1 << 20).unwrap(), None);
    let paths: Vec<String> = log.lock().unwrap().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, [format!("/v2/app/referrers/{subject}"), format!("/v2/old/referrers/{subject}")]);
}
