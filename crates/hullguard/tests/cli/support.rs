//! Test context and builders for images made on the fly (including hostile ones).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// Where the shared fixtures live.
pub fn shared() -> PathBuf {
    std::env::var_os("HULLGUARD_SHARED")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")), PathBuf::from)
}

/// A shared image archive by file name.
pub fn image(name: &str) -> String {
    shared().join("images").join(name).display().to_string()
}

/// Whether tests that need an external tool must run (CI) or may skip when it is missing.
pub fn required(tool: &str) -> bool {
    let present = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(std::env::var("CI").is_err(), "{tool} is required in CI but missing");
        eprintln!("skipping: {tool} not installed");
    }
    present
}

/// Run hullguard with `args` in `cwd`.
pub fn hullguard(cwd: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("hullguard").unwrap().current_dir(cwd).args(args).env_remove("HULLGUARD_LOG").output().unwrap()
}

/// Run hullguard and parse its JSON stdout, asserting success.
pub fn hullguard_json(args: &[&str]) -> Value {
    let out = hullguard(Path::new("."), args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// sha256 hex of bytes.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One raw tar entry: full control over the name bytes, type, link target and mode, so hostile
/// archives (`../`, absolute names, non-UTF-8) can be written.
pub struct RawEntry {
    pub name: Vec<u8>,
    pub kind: u8,
    pub link: Vec<u8>,
    pub mode: u32,
    pub data: Vec<u8>,
}

impl RawEntry {
    pub fn file(name: &str, data: &[u8]) -> Self {
        RawEntry { name: name.as_bytes().to_vec(), kind: b'0', link: Vec::new(), mode: 0o644, data: data.to_vec() }
    }
    pub fn dir(name: &str) -> Self {
        RawEntry { name: name.as_bytes().to_vec(), kind: b'5', link: Vec::new(), mode: 0o755, data: Vec::new() }
    }
    pub fn symlink(name: &str, target: &str) -> Self {
        RawEntry {
            name: name.as_bytes().to_vec(),
            kind: b'2',
            link: target.as_bytes().to_vec(),
            mode: 0o777,
            data: Vec::new(),
        }
    }
    pub fn hardlink(name: &str, target: &str) -> Self {
        RawEntry {
            name: name.as_bytes().to_vec(),
            kind: b'1',
            link: target.as_bytes().to_vec(),
            mode: 0o644,
            data: Vec::new(),
        }
    }
}

fn octal(field: &mut [u8], value: u64) {
    let s = format!("{value:0width$o}\0", width = field.len() - 1);
    field.copy_from_slice(s.as_bytes());
}

/// A ustar archive of `entries` with the two zero end blocks.
pub fn tar(entries: &[RawEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = [0u8; 512];
        assert!(e.name.len() <= 100 && e.link.len() <= 100);
        h[..e.name.len()].copy_from_slice(&e.name);
        octal(&mut h[100..108], u64::from(e.mode));
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], e.data.len() as u64);
        octal(&mut h[136..148], 0);
        h[156] = e.kind;
        h[157..157 + e.link.len()].copy_from_slice(&e.link);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(&e.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// gzip of bytes.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    gzip_level(bytes, 1)
}

/// gzip of bytes at a compression level (9 for the densest bombs).
pub fn gzip_level(bytes: &[u8], level: u32) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A layer of an OCI image under construction: the blob as stored and its uncompressed tar.
pub struct Layer {
    pub blob: Vec<u8>,
    pub diff_id: String,
    pub media_type: String,
}

impl Layer {
    /// A gzip layer from raw entries.
    pub fn gzip(entries: &[RawEntry]) -> Self {
        let t = tar(entries);
        Layer {
            diff_id: format!("sha256:{}", sha256(&t)),
            blob: gzip(&t),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        }
    }
}

impl Layer {
    /// A gzip layer (at `level`) from an uncompressed layer tar.
    pub fn gzip_tar(tar: &[u8], level: u32) -> Self {
        Layer {
            diff_id: format!("sha256:{}", sha256(tar)),
            blob: gzip_level(tar, level),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        }
    }
}

/// The tar header of a regular file of `size` bytes (content and padding to follow).
pub fn file_header(name: &str, mode: u32, size: u64) -> Vec<u8> {
    let mut h = tar(&[RawEntry { mode, ..RawEntry::file(name, b"") }]);
    h.truncate(512);
    let size_field = format!("{size:011o}\0");
    h[124..136].copy_from_slice(size_field.as_bytes());
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// A writer passing bytes on to `inner` while hashing them (the diff_id of a streamed layer).
pub struct HashingWriter<W> {
    pub inner: W,
    pub hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Sha256::new() }
    }
    /// The inner writer and the hex digest of everything written.
    pub fn finish(self) -> (W, String) {
        (self.inner, hex(&self.hasher.finalize()))
    }
}

/// Every directory, file and symlink under `root`, as layer entries named relative to it and
/// keyed by that name (sorted: parents first), with their modes.
pub fn tree(root: &Path) -> BTreeMap<String, RawEntry> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let name = path.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            let entry = if meta.is_dir() {
                stack.push(path.clone());
                RawEntry { mode, ..RawEntry::dir(&name) }
            } else if meta.file_type().is_symlink() {
                RawEntry::symlink(&name, std::fs::read_link(&path).unwrap().to_str().unwrap())
            } else {
                RawEntry { mode, ..RawEntry::file(&name, &std::fs::read(&path).unwrap()) }
            };
            out.insert(name, entry);
        }
    }
    out
}

/// The files of a shared image's layers whose path (no leading `/`) `want` accepts, read with our
/// own image reader; a later layer's copy replaces an earlier one.
pub fn image_files(spec: &str, want: fn(&str) -> bool) -> BTreeMap<String, Vec<u8>> {
    use hullguard_image::{EntryKind, EntryVisitor, LayerEntry, Limits, ReadOptions, SourceSpec, read_image};
    struct Grab(fn(&str) -> bool, BTreeMap<String, Vec<u8>>);
    impl EntryVisitor for Grab {
        type Output = BTreeMap<String, Vec<u8>>;
        fn entry(&mut self, e: &LayerEntry, content: &mut dyn Read) -> hullguard_image::Result<()> {
            if e.kind == EntryKind::File && (self.0)(&e.path) {
                let mut buf = Vec::new();
                content.read_to_end(&mut buf).unwrap();
                self.1.insert(e.path.clone(), buf);
            }
            Ok(())
        }
        fn finish(self) -> Self::Output {
            self.1
        }
    }
    let source = SourceSpec::parse(spec).unwrap().open(None, &Limits::default()).unwrap();
    let image = read_image(source.as_ref(), &ReadOptions::default(), || Grab(want, BTreeMap::new())).unwrap();
    image.layers.iter().flat_map(|l| l.output.iter().map(|(k, v)| (k.clone(), v.clone()))).collect()
}

/// A docker-archive (`docker save` of Docker ≤ 24) of uncompressed layer tars, tagged `tag`.
pub fn write_docker_archive(layers: &[Vec<u8>], tag: &str, path: &Path) -> PathBuf {
    let diff_ids: Vec<String> = layers.iter().map(|t| format!("sha256:{}", sha256(t))).collect();
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": layers.iter().map(|_| json!({"created_by": "test"})).collect::<Vec<_>>(),
    });
    let config = serde_json::to_vec(&config).unwrap();
    let config_name = format!("{}.json", sha256(&config));
    let mut entries = vec![RawEntry::file(&config_name, &config)];
    let mut names = Vec::new();
    for (t, d) in layers.iter().zip(&diff_ids) {
        let name = format!("{}/layer.tar", &d[7..]);
        entries.push(RawEntry::dir(&d[7..]));
        entries.push(RawEntry::file(&name, t));
        names.push(name);
    }
    let manifest = json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
    entries.push(RawEntry::file("manifest.json", &serde_json::to_vec(&manifest).unwrap()));
    std::fs::write(path, tar(&entries)).unwrap();
    path.to_path_buf()
}

/// An OCI image layout written as a tar archive; every part can be tampered with before writing.
pub struct OciArchive {
    pub files: Vec<(String, Vec<u8>)>,
    pub manifest: Value,
    pub config: Value,
    pub index: Value,
}

impl OciArchive {
    /// A valid single-image layout of `layers`.
    pub fn new(layers: Vec<Layer>) -> Self {
        let config = json!({
            "architecture": "amd64", "os": "linux",
            "config": {"Env": ["PATH=/usr/bin"], "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| l.diff_id.clone()).collect::<Vec<_>>()},
            "history": layers.iter().map(|_| json!({"created_by": "test"})).collect::<Vec<_>>(),
        });
        let mut files = Vec::new();
        let mut descs = Vec::new();
        for l in &layers {
            let d = sha256(&l.blob);
            descs.push(json!({"mediaType": l.media_type, "digest": format!("sha256:{d}"), "size": l.blob.len()}));
            files.push((format!("blobs/sha256/{d}"), l.blob.clone()));
        }
        let manifest = json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "", "size": 0},
            "layers": descs,
        });
        OciArchive { files, manifest, config, index: json!(null) }
    }

    /// Add a blob and return its descriptor fields (digest, size).
    pub fn add_blob(&mut self, bytes: Vec<u8>) -> (String, usize) {
        let d = format!("sha256:{}", sha256(&bytes));
        let n = bytes.len();
        self.files.push((format!("blobs/sha256/{}", &d[7..]), bytes));
        (d, n)
    }

    /// Write config, manifest and index (unless already set) and pack everything into `path`.
    pub fn write(mut self, path: &Path) -> PathBuf {
        if self.manifest["config"]["digest"] == "" {
            let (d, n) = self.add_blob(serde_json::to_vec(&self.config).unwrap());
            self.manifest["config"]["digest"] = json!(d);
            self.manifest["config"]["size"] = json!(n);
        }
        if self.index.is_null() {
            let (d, n) = self.add_blob(serde_json::to_vec(&self.manifest).unwrap());
            self.index = json!({"schemaVersion": 2, "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": n,
                "annotations": {"org.opencontainers.image.ref.name": "latest"}}]});
        }
        let mut entries = vec![RawEntry::file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)];
        entries.push(RawEntry::file("index.json", &serde_json::to_vec(&self.index).unwrap()));
        for (name, data) in &self.files {
            entries.push(RawEntry::file(name, data));
        }
        std::fs::write(path, tar(&entries)).unwrap();
        path.to_path_buf()
    }
}

/// A temp dir to run in; `files()` lists what is in it so tests can prove nothing was written.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch { dir: tempfile::tempdir().unwrap() }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// Run a Python validator `script` with `input` on stdin and return what it printed. `None` when
/// the validator's module is not installed (allowed locally, a failure in CI).
pub fn python_check(script: &str, input: &[u8]) -> Option<String> {
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A validator that exits early (module missing) closes its stdin: its stderr says why.
    let _ = child.stdin.take().unwrap().write_all(input);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("ModuleNotFoundError") {
        assert!(std::env::var("CI").is_err(), "python validator module missing in CI: {stderr}");
        return None;
    }
    assert!(out.status.success(), "validator failed: {}{stderr}", String::from_utf8_lossy(&out.stdout));
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The findings of a JSON report of one kind, by the plural the tests name them with
/// (`vulnerabilities`, `misconfigurations`, `secrets`), in report order. A vulnerability comes as
/// one flat row: its `vulnerability` data beside the common fields, with the `path` of its
/// location.
pub fn of_kind(report: &Value, kinds: &str) -> Vec<Value> {
    let kind = match kinds {
        "vulnerabilities" => "vulnerability",
        "misconfigurations" => "misconfiguration",
        "secrets" => "secret",
        other => panic!("no finding kind {other}"),
    };
    let findings = report["findings"].as_array().unwrap();
    let rows = findings.iter().filter(|f| f["kind"] == kind).map(|f| {
        let mut row = f.clone();
        if let Some(detail) = f["vulnerability"].as_object() {
            let row = row.as_object_mut().unwrap();
            row.extend(detail.clone());
            row.insert("path".to_owned(), f["location"]["path"].clone());
        }
        row
    });
    rows.collect()
}
