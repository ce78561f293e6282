//! Images made in the tests from real packages and databases: a distroless-style Debian image
//! (`var/lib/dpkg/status.d`), rpm images whose SQLite database rpm itself wrote and ones holding
//! real BerkeleyDB and NDB databases, and an image of hostile files next to good ones.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::support::{
    HashingWriter, Layer, OciArchive, RawEntry, Scratch, file_header, hullguard, image, image_files, required, shared,
    tar, tree, write_docker_archive,
};

/// `hullguard inventory SPEC -f FORMAT --no-cache` (no `-q`: warnings are printed): the parsed
/// stdout and the stderr lines, asserting exit 0.
fn inventory(cwd: &Path, spec: &str, format: &str) -> (Value, Vec<String>) {
    let out = hullguard(cwd, &["inventory", spec, "-f", format, "--no-cache"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{spec}: {err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err.lines().map(str::to_string).collect())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// One line per package of the JSON inventory: the fields named, ` | ` between them.
fn rows(doc: &Value, fields: &[&str]) -> Vec<String> {
    let mut rows: Vec<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| fields.iter().map(|f| text(&p[*f])).collect::<Vec<_>>().join(" | "))
        .collect();
    rows.sort();
    rows
}

/// The stanza of `package` in a dpkg status file.
fn stanza<'a>(status: &'a str, package: &str) -> &'a str {
    let head = format!("Package: {package}\n");
    status.split("\n\n").find(|s| s.starts_with(&head)).unwrap_or_else(|| panic!("{package} is not in the status file"))
}

fn debian_base() -> String {
    format!("oci-archive:{}:debian-base:latest", image("bookworm-images.oci.tar"))
}

#[test]
fn distroless_status_d_from_real_debian_packages() {
    let files = image_files(&debian_base(), |p| {
        p == "var/lib/dpkg/status"
            || p == "usr/lib/os-release"
            || (p.starts_with("var/lib/dpkg/info/") && p.ends_with(".md5sums"))
    });
    let status = std::str::from_utf8(&files["var/lib/dpkg/status"]).unwrap();
    // A distroless status.d file is the package's control stanza: no Status field. One keeps it,
    // as some generators write it.
    let entries = |packages: &[&str]| -> Vec<RawEntry> {
        let mut out = Vec::new();
        for &p in packages {
            let s = stanza(status, p);
            let body: String = if p == "tzdata" {
                format!("{s}\n")
            } else {
                s.lines().filter(|l| !l.starts_with("Status:")).map(|l| format!("{l}\n")).collect()
            };
            out.push(RawEntry::file(&format!("var/lib/dpkg/status.d/{p}"), body.as_bytes()));
            let md5 = [format!("var/lib/dpkg/info/{p}.md5sums"), format!("var/lib/dpkg/info/{p}:amd64.md5sums")]
                .into_iter()
                .find_map(|k| files.get(&k))
                .unwrap_or_else(|| panic!("no md5sums for {p}"));
            out.push(RawEntry::file(&format!("var/lib/dpkg/status.d/{p}.md5sums"), md5));
        }
        out
    };
    let mut base = vec![RawEntry::file("etc/os-release", &files["usr/lib/os-release"])];
    base.extend(entries(&["base-files", "libc6", "tzdata"]));
    let mut later = entries(&["tzdata"]);
    later.truncate(1); // tzdata's stanza written again, unchanged: still credited to layer 0
    later.push(RawEntry::file("var/lib/dpkg/status.d/.wh.bsdutils", b""));
    later.push(RawEntry::file("var/lib/dpkg/status.d/.wh.bsdutils.md5sums", b""));
    let layers =
        vec![Layer::gzip(&base), Layer::gzip(&entries(&["bsdutils", "libgcc-s1", "zlib1g"])), Layer::gzip(&later)];
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
    let s = Scratch::new();
    let archive = OciArchive::new(layers).write(&s.path("distroless.tar")).display().to_string();

    let (doc, stderr) = inventory(s.dir.path(), &archive, "json");
    assert_eq!(stderr, Vec::<String>::new());
    assert_eq!(doc["warnings"], serde_json::json!([]));
    assert_eq!((text(&doc["os"]["id"]), text(&doc["os"]["version_id"])), ("debian".into(), "12".into()));
    let fields = ["ecosystem", "name", "version", "source_name", "source_version", "arch", "layer", "path", "purl"];
    let d = "/var/lib/dpkg/status.d";
    assert_eq!(
        rows(&doc, &fields),
        [
            format!(
                "deb | base-files | 12.4+deb12u15 | base-files | 12.4+deb12u15 | amd64 | 0 | {d}/base-files | pkg:deb/debian/base-files@12.4%2Bdeb12u15?arch=amd64&distro=debian-12"
            ),
            format!(
                "deb | libc6 | 2.36-9+deb12u14 | glibc | 2.36-9+deb12u14 | amd64 | 0 | {d}/libc6 | pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12"
            ),
            format!(
                "deb | libgcc-s1 | 12.2.0-14+deb12u1 | gcc-12 | 12.2.0-14+deb12u1 | amd64 | 1 | {d}/libgcc-s1 | pkg:deb/debian/libgcc-s1@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12"
            ),
            format!(
                "deb | tzdata | 2026b-0+deb12u1 | tzdata | 2026b-0+deb12u1 | all | 0 | {d}/tzdata | pkg:deb/debian/tzdata@2026b-0%2Bdeb12u1?arch=all&distro=debian-12"
            ),
            format!(
                "deb | zlib1g | 1:1.2.13.dfsg-1 | zlib | 1:1.2.13.dfsg-1 | amd64 | 1 | {d}/zlib1g | pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12"
            ),
        ]
    );
    for p in doc["packages"].as_array().unwrap() {
        let layer = p["layer"].as_u64().unwrap() as usize;
        assert_eq!(p["diff_id"], diff_ids[layer].as_str());
    }
    // The same five, as dpkg-query printed them when debian-base was built (bsdutils is deleted).
    let listed = std::fs::read_to_string(shared().join("images/debian-base.packages.txt")).unwrap();
    let ours = rows(&doc, &["name", "version", "source_name", "source_version", "arch"]);
    let theirs: Vec<String> = listed
        .lines()
        .map(|l| l.split('\t').take(5).collect::<Vec<_>>().join(" | "))
        .filter(|l| ["base-files |", "libc6 |", "libgcc-s1 |", "tzdata |", "zlib1g |"].iter().any(|p| l.starts_with(p)))
        .collect();
    assert_eq!(ours, theirs);
}

// ---------------------------------------------------------------------------------------------
// rpm

fn need_rpmbuild() {
    let ok = Command::new("rpmbuild").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "rpmbuild is missing: the rpm image tests build their packages with Debian's `rpm` package \
         (apt-get install rpm; scripts/test.sh installs it)"
    );
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Build the binary packages of `spec` under `dir`; the paths of the rpms built.
fn rpmbuild(dir: &Path, name: &str, spec: &str) -> Vec<PathBuf> {
    let spec_path = dir.join(format!("{name}.spec"));
    std::fs::write(&spec_path, spec).unwrap();
    let top = dir.join(format!("top-{name}"));
    run(Command::new("rpmbuild")
        .args(["--quiet", "--define", &format!("_topdir {}", top.display()), "--define", "_smp_build_nthreads 1"])
        .arg("-bb")
        .arg(&spec_path));
    let mut rpms: Vec<PathBuf> =
        std::fs::read_dir(top.join("RPMS/noarch")).unwrap().map(|e| e.unwrap().path()).collect();
    rpms.sort();
    rpms
}

/// rpm on the root `root` with the SQLite database at its `usr/lib/sysimage/rpm`.
fn rpm_in(root: &Path) -> Command {
    let mut c = Command::new("rpm");
    c.arg("--root").arg(root).args(["--dbpath", "/usr/lib/sysimage/rpm", "--define", "_db_backend sqlite"]);
    c
}

/// What rpm lists, one `name  [epoch:]version-release  arch  source rpm  license` line each.
const QUERY: &str = "%{NAME} | %{EVR} | %{ARCH} | %{SOURCERPM} | %{LICENSE}\\n";

fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// Our inventory in the form of [`QUERY`].
fn rpm_rows(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "rpm")
        .map(|p| {
            format!(
                "{} | {} | {} | {}-{}.src.rpm | {}",
                text(&p["name"]),
                text(&p["version"]),
                text(&p["arch"]),
                text(&p["source_name"]),
                text(&p["source_version"]),
                text(&p["license"])
            )
        })
        .collect();
    v.sort();
    v
}

const ALPHA: &str = "Name: hg-alpha
Epoch: 2
Version: 1.2.3
Release: 4.hg1
Summary: alpha
License: MIT
BuildArch: noarch
%description
alpha
%install
mkdir -p %{buildroot}/usr/share/hg-alpha %{buildroot}/usr/bin
echo alpha > %{buildroot}/usr/share/hg-alpha/README
printf '#!/bin/sh\\necho alpha\\n' > %{buildroot}/usr/bin/hg-alpha
chmod 755 %{buildroot}/usr/bin/hg-alpha
%files
/usr/bin/hg-alpha
%dir /usr/share/hg-alpha
/usr/share/hg-alpha/README
";

/// Two binary packages of one source: `hg-beta` and `hg-beta-libs`, source rpm `hg-beta-…`.
const BETA: &str = "Name: hg-beta
Version: 0.9.1
Release: 2.hg1
Summary: beta
License: Apache-2.0
BuildArch: noarch
%description
beta
%package libs
Summary: beta libraries
License: Apache-2.0 AND MIT
%description libs
beta libraries
%install
mkdir -p %{buildroot}/usr/share/doc/hg-beta %{buildroot}/usr/lib/hg-beta
echo news > %{buildroot}/usr/share/doc/hg-beta/NEWS
echo lib > %{buildroot}/usr/lib/hg-beta/libbeta.txt
%files
/usr/share/doc/hg-beta/NEWS
%files libs
/usr/lib/hg-beta/libbeta.txt
";

/// An explicit epoch 0 (rpm then prints `0:`) and a `~` pre-release.
const GAMMA: &str = "Name: hg-gamma
Epoch: 0
Version: 3.0~rc1
Release: 0.1.hg1
Summary: gamma
License: GPL-2.0-or-later
BuildArch: noarch
%description
gamma
%install
mkdir -p %{buildroot}/etc/hg-gamma
echo conf > %{buildroot}/etc/hg-gamma/gamma.conf
%files
%config(noreplace) /etc/hg-gamma/gamma.conf
";

const ROCKY_OS_RELEASE: &[u8] = b"NAME=\"Rocky Linux\"\nVERSION=\"9.3 (Blue Onyx)\"\nID=\"rocky\"\n\
ID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\nPLATFORM_ID=\"platform:el9\"\n\
PRETTY_NAME=\"Rocky Linux 9.3 (Blue Onyx)\"\n";

#[test]
fn rpm_sqlite_image_made_by_rpm_itself() {
    need_rpmbuild();
    let work = tempfile::tempdir().unwrap();
    let mut built = rpmbuild(work.path(), "alpha", ALPHA);
    built.extend(rpmbuild(work.path(), "beta", BETA));
    let gamma = rpmbuild(work.path(), "gamma", GAMMA);
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    // Installed in two steps, as two image layers: the second rewrites the database.
    run(rpm_in(&root).args(["-i", "--nodeps", "--noscripts"]).args(&built));
    let first_tree = tree(&root);
    let first = run(rpm_in(&root).args(["-qa", "--qf", "%{NAME}\\n"]));
    run(rpm_in(&root).args(["-i", "--nodeps", "--noscripts"]).args(&gamma));
    let second_tree = tree(&root);
    let changed: Vec<RawEntry> = second_tree
        .into_iter()
        .filter(|(k, e)| first_tree.get(k).is_none_or(|f| f.data != e.data || f.mode != e.mode))
        .map(|(_, e)| e)
        .collect();
    assert!(changed.iter().any(|e| e.name == b"usr/lib/sysimage/rpm/rpmdb.sqlite"));
    let expected = sorted_lines(&run(rpm_in(&root).args(["-qa", "--qf", QUERY])));
    assert_eq!(
        expected,
        [
            "hg-alpha | 2:1.2.3-4.hg1 | noarch | hg-alpha-1.2.3-4.hg1.src.rpm | MIT",
            "hg-beta | 0.9.1-2.hg1 | noarch | hg-beta-0.9.1-2.hg1.src.rpm | Apache-2.0",
            "hg-beta-libs | 0.9.1-2.hg1 | noarch | hg-beta-0.9.1-2.hg1.src.rpm | Apache-2.0 AND MIT",
            "hg-gamma | 0:3.0~rc1-0.1.hg1 | noarch | hg-gamma-3.0~rc1-0.1.hg1.src.rpm | GPL-2.0-or-later",
        ]
    );

    let layers = vec![
        tar(&[RawEntry::dir("etc"), RawEntry::file("etc/os-release", ROCKY_OS_RELEASE)]),
        tar(&first_tree.into_values().collect::<Vec<_>>()),
        tar(&changed),
    ];
    let s = Scratch::new();
    let archive = write_docker_archive(&layers, "made/rocky-rpm:latest", &s.path("rpm.tar")).display().to_string();
    let (doc, stderr) = inventory(s.dir.path(), &archive, "json");
    assert_eq!(stderr, Vec::<String>::new());
    assert_eq!(rpm_rows(&doc), expected, "hullguard lists exactly what rpm -qa lists");
    let first: Vec<&str> = first.lines().collect();
    let db = "/usr/lib/sysimage/rpm/rpmdb.sqlite";
    for p in doc["packages"].as_array().unwrap() {
        let layer = if first.contains(&p["name"].as_str().unwrap()) { 1 } else { 2 };
        assert_eq!((p["layer"].as_u64(), p["path"].as_str()), (Some(layer), Some(db)), "{p}");
    }
    assert_eq!(rows(&doc, &["name", "layer"]), ["hg-alpha | 1", "hg-beta | 1", "hg-beta-libs | 1", "hg-gamma | 2"]);

    let (bom, _) = inventory(s.dir.path(), &archive, "cyclonedx");
    let mut purls: Vec<&str> =
        bom["components"].as_array().unwrap().iter().filter_map(|c| c["purl"].as_str()).collect();
    purls.sort_unstable();
    assert_eq!(
        purls,
        [
            "pkg:rpm/rocky/hg-alpha@1.2.3-4.hg1?arch=noarch&distro=rocky-9.3&epoch=2",
            "pkg:rpm/rocky/hg-beta-libs@0.9.1-2.hg1?arch=noarch&distro=rocky-9.3",
            "pkg:rpm/rocky/hg-beta@0.9.1-2.hg1?arch=noarch&distro=rocky-9.3",
            "pkg:rpm/rocky/hg-gamma@3.0~rc1-0.1.hg1?arch=noarch&distro=rocky-9.3&epoch=0",
        ]
    );
}

/// An OCI archive of one layer holding `os_release` and the shared database `osdb` at `db_path`.
fn osdb_image(s: &Scratch, name: &str, os_release: &[u8], osdb: &str, db_path: &str) -> String {
    let db = std::fs::read(shared().join("images/osdb/rpm").join(osdb)).unwrap();
    let layer = Layer::gzip(&[RawEntry::file("etc/os-release", os_release), RawEntry::file(db_path, &db)]);
    OciArchive::new(vec![layer]).write(&s.path(name)).display().to_string()
}

#[test]
fn rpm_berkeleydb_and_ndb_images_from_real_databases() {
    need_rpmbuild();
    let s = Scratch::new();
    // BerkeleyDB: el8's libuuid; rpm reads it (read-only backend) from a scratch copy.
    let rhel = b"NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"8.8 (Ootpa)\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n\
VERSION_ID=\"8.8\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 8.8 (Ootpa)\"\n";
    let archive = osdb_image(&s, "bdb.tar", rhel, "el8-libuuid-bdb/Packages", "var/lib/rpm/Packages");
    let dbdir = tempfile::tempdir().unwrap();
    std::fs::copy(shared().join("images/osdb/rpm/el8-libuuid-bdb/Packages"), dbdir.path().join("Packages")).unwrap();
    let mut query = Command::new("rpm");
    query.arg("--dbpath").arg(dbdir.path()).args(["--define", "_db_backend bdb_ro", "-qa", "--qf", QUERY]);
    let expected = sorted_lines(&run(&mut query));
    assert_eq!(expected, ["libuuid | 2.32.1-42.el8_8 | x86_64 | util-linux-2.32.1-42.el8_8.src.rpm | BSD"]);
    let (doc, stderr) = inventory(s.dir.path(), &archive, "json");
    assert_eq!(stderr, Vec::<String>::new());
    assert_eq!(rpm_rows(&doc), expected);
    assert_eq!(
        rows(&doc, &["layer", "path", "purl"]),
        ["0 | /var/lib/rpm/Packages | pkg:rpm/rhel/libuuid@2.32.1-42.el8_8?arch=x86_64&distro=rhel-8.8"]
    );

    // NDB: SUSE's; Debian's rpm cannot read NDB, so the fixture's truth (see osdb/README.md) says.
    let sles = b"NAME=\"SLES\"\nVERSION=\"15-SP4\"\nVERSION_ID=\"15.4\"\nID=\"sles\"\nID_LIKE=\"suse\"\n";
    let archive = osdb_image(&s, "ndb.tar", sles, "sle15-bci-ndb/Packages.db", "usr/lib/sysimage/rpm/Packages.db");
    let truth = std::fs::read_to_string(shared().join("images/osdb/rpm/sle15-bci-ndb.truth.tsv")).unwrap();
    let expected: Vec<String> = sorted_lines(
        &truth
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                assert_eq!(f[1], "0", "no epochs in this database");
                format!("{} | {}-{} | {} | {} | {}\n", f[0], f[2], f[3], f[4], f[5], f[6])
            })
            .collect::<String>(),
    );
    let (doc, stderr) = inventory(s.dir.path(), &archive, "json");
    assert_eq!(stderr, Vec::<String>::new());
    assert_eq!(expected.len(), 35);
    assert_eq!(rpm_rows(&doc), expected);
    let purls = rows(&doc, &["purl"]);
    assert!(purls.contains(&"pkg:rpm/sles/bash@4.4-19.6.1?arch=x86_64&distro=sles-15.4".to_string()), "{purls:?}");
    assert!(purls.iter().all(|p| p.starts_with("pkg:rpm/sles/") && p.ends_with("&distro=sles-15.4")));
}

// ---------------------------------------------------------------------------------------------
// hostile files among good ones

fn pom(group: &str, artifact: &str, version: &str) -> (String, Vec<u8>) {
    (
        format!("META-INF/maven/{group}/{artifact}/pom.properties"),
        format!("groupId={group}\nartifactId={artifact}\nversion={version}\n").into_bytes(),
    )
}

/// A jar of `entries`, each stored (nested jars are stored, as Spring Boot does).
fn jar(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(name.as_str(), SimpleFileOptions::default().compression_method(CompressionMethod::Stored))
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `app/bomb.jar`: a jar holding a jar whose one entry, a "jar", inflates to 1 GiB of zeros.
fn zip_bomb() -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let (name, bytes) = pom("com.example", "bomb-inner", "1.0");
    w.start_file(name, SimpleFileOptions::default()).unwrap();
    w.write_all(&bytes).unwrap();
    let deflated =
        SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(9));
    w.start_file("BOOT-INF/lib/zeros-1.0.jar", deflated).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        w.write_all(&chunk).unwrap();
    }
    let inner = w.finish().unwrap().into_inner();
    jar(&[pom("com.example", "bomb", "1.0"), ("BOOT-INF/lib/inner.jar".into(), inner)])
}

/// `app/deep.jar`: level-0 holds lib/level-1.jar, which holds lib/level-2.jar, … to level 19,
/// each with its pom.properties.
fn deep_jar() -> Vec<u8> {
    let mut inner: Option<Vec<u8>> = None;
    for level in (0..20).rev() {
        let mut entries = vec![pom("com.example.deep", &format!("level-{level}"), &format!("1.{level}"))];
        if let Some(j) = inner.take() {
            entries.push((format!("lib/level-{}.jar", level + 1), j));
        }
        inner = Some(jar(&entries));
    }
    inner.unwrap()
}

/// Deterministic incompressible bytes.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A gzip (level 1) layer of `before`, then a `size`-byte file of zeros at `path`, streamed: the
/// zeros are never held in memory, the diff_id is hashed as the tar is written.
fn zeros_layer(before: &[RawEntry], path: &str, size: u64) -> Layer {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
    let mut w = HashingWriter::new(gz);
    let head = tar(before);
    w.write_all(&head[..head.len() - 1024]).unwrap();
    w.write_all(&file_header(path, 0o755, size)).unwrap();
    let chunk = vec![0u8; 1 << 20];
    assert_eq!(size % (1 << 20), 0);
    for _ in 0..size >> 20 {
        w.write_all(&chunk).unwrap();
    }
    w.write_all(&[0u8; 1024]).unwrap();
    let (gz, diff) = w.finish();
    Layer {
        blob: gz.finish().unwrap(),
        diff_id: format!("sha256:{diff}"),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    }
}

/// Peak RSS of `hullguard ARGS` (GNU time), with its exit code, stdout and stderr (time's line removed).
fn measured(cwd: &Path, args: &[&str]) -> (i32, Vec<u8>, Vec<String>, u64) {
    let bin = assert_cmd::cargo::cargo_bin("hullguard");
    let out = Command::new("/usr/bin/time")
        .args(["-f", "PEAK_RSS_KIB=%M"])
        .arg(bin)
        .args(args)
        .current_dir(cwd)
        .env_remove("HULLGUARD_LOG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let rss = err.lines().find_map(|l| l.strip_prefix("PEAK_RSS_KIB=")).unwrap().trim().parse().unwrap();
    let lines = err.lines().filter(|l| !l.starts_with("PEAK_RSS_KIB=")).map(str::to_string).collect();
    (out.status.code().unwrap_or(-1), out.stdout, lines, rss)
}

const SITE: &str = "usr/local/lib/python3.11/site-packages";

#[test]
fn hostile_files_among_good_ones_are_one_warning_each() {
    if !required("/usr/bin/time") {
        return;
    }
    let started = std::time::Instant::now();
    let app_mixed = format!("oci-archive:{}:app-mixed:latest", image("bookworm-images.oci.tar"));
    let real = image_files(&app_mixed, |p| {
        [
            "var/lib/dpkg/status",
            "usr/lib/os-release",
            "usr/local/bin/goapp",
            "opt/java/lib/log4j-api-2.19.0.jar",
            "usr/local/lib/python3.11/site-packages/Flask-1.1.2.dist-info/METADATA",
            "usr/local/lib/python3.11/site-packages/requests-2.25.0.dist-info/METADATA",
            "app/node_modules/accepts/package.json",
            "app/node_modules/axios/package.json",
        ]
        .contains(&p)
    });
    assert_eq!(real.len(), 8, "{:?}", real.keys());
    let status = std::str::from_utf8(&real["var/lib/dpkg/status"]).unwrap();
    // A stanza of binary junk (invalid UTF-8, no fields) between two real ones.
    let base_files = stanza(status, "base-files");
    let garbage_line = base_files.lines().count() + 2;
    let mut dpkg_status = format!("{base_files}\n\n").into_bytes();
    dpkg_status.extend_from_slice(b"\x01\x02\xff\xfe junk \xc3\x28 more junk\n\x00\x7fELF\n\n");
    dpkg_status.extend_from_slice(format!("{}\n", stanza(status, "zlib1g")).as_bytes());
    let goapp = &real["usr/local/bin/goapp"];
    let mut bad_metadata = noise(300);
    bad_metadata.extend_from_slice(b"\xff\xfe\x00garbage");
    let mut long_string = b"{\"name\":\"w\",\"version\":\"1.0.0\",\"description\":\"".to_vec();
    long_string.resize(long_string.len() + (5 << 20), b'a');
    let mut long_valid = b"{\"name\":\"z\",\"version\":\"2.0.0\",\"description\":\"".to_vec();
    long_valid.resize(long_valid.len() + (5 << 20), b'b');
    long_valid.extend_from_slice(b"\"}");
    let exe = |name: &str, data: &[u8]| RawEntry { mode: 0o755, ..RawEntry::file(name, data) };

    let metadata_layer = vec![
        RawEntry::file("etc/os-release", &real["usr/lib/os-release"]),
        RawEntry::file("var/lib/dpkg/status", &dpkg_status),
        RawEntry::file(
            &format!("{SITE}/Flask-1.1.2.dist-info/METADATA"),
            &real[&format!("{SITE}/Flask-1.1.2.dist-info/METADATA")],
        ),
        RawEntry::file(
            &format!("{SITE}/requests-2.25.0.dist-info/METADATA"),
            &real[&format!("{SITE}/requests-2.25.0.dist-info/METADATA")],
        ),
        RawEntry::file(&format!("{SITE}/x-1.0.dist-info/METADATA"), &bad_metadata),
        RawEntry::file(
            &format!("{SITE}/noversion-2.0.dist-info/METADATA"),
            b"Metadata-Version: 2.1\nName: noversion\n\nbody\n",
        ),
        RawEntry::file("app/node_modules/accepts/package.json", &real["app/node_modules/accepts/package.json"]),
        RawEntry::file("app/node_modules/axios/package.json", &real["app/node_modules/axios/package.json"]),
        RawEntry::file("app/node_modules/y/package.json", b"{\"name\": \"y\", \"version\": 1.0.0,}"),
        RawEntry::file("app/node_modules/w/package.json", &long_string),
        RawEntry::file("app/node_modules/z/package.json", &long_valid),
    ];
    let binary_layer = vec![
        RawEntry::file("app/bomb.jar", &zip_bomb()),
        RawEntry::file("app/deep.jar", &deep_jar()),
        RawEntry::file("opt/java/lib/log4j-api-2.19.0.jar", &real["opt/java/lib/log4j-api-2.19.0.jar"]),
        exe("usr/local/bin/goapp", goapp),
        exe("usr/local/bin/goapp-64", &goapp[..64]),
        exe("usr/local/bin/goapp-half", &goapp[..goapp.len() / 2]),
    ];
    // The 1 GiB file follows 2 MiB of noise in its layer, compressed with gzip -1 (12.6 MB with
    // zlib-rs, 85x): under the 200x decompression-bomb cap even where level 1 packs zeros as densely
    // as zlib does (229x alone). At gzip -6 (1000x) the image would be refused as a bomb.
    let big = zeros_layer(&[RawEntry::file("data/noise.bin", &noise(2 << 20))], "data/zeros.img", 1 << 30);
    let big_blob = big.blob.len();
    assert!(big_blob < 16 << 20, "{big_blob}");
    let layers = vec![Layer::gzip_tar(&tar(&metadata_layer), 6), Layer::gzip_tar(&tar(&binary_layer), 6), big];
    let s = Scratch::new();
    let archive = OciArchive::new(layers).write(&s.path("hostile.tar")).display().to_string();
    let built = started.elapsed();

    let (code, stdout, stderr, rss) = measured(s.dir.path(), &["inventory", &archive, "-f", "json", "--no-cache"]);
    let scanned = started.elapsed() - built;
    eprintln!("built in {built:?} (1 GiB layer: {big_blob} bytes), scanned in {scanned:?} at peak RSS {rss} KiB");
    assert_eq!(code, 0, "{stderr:?}");
    let doc: Value = serde_json::from_slice(&stdout).unwrap();

    let deep = |n: usize| (1..=n).map(|l| format!("!/lib/level-{l}.jar")).collect::<String>();
    let mut expected_warnings = vec![
        format!("/var/lib/dpkg/status: dpkg: stanza at line {garbage_line}: no Package field; skipped"),
        format!("/{SITE}/x-1.0.dist-info/METADATA: python-dist-info: no Name header (not UTF-8 text)"),
        format!("/{SITE}/noversion-2.0.dist-info/METADATA: python-dist-info: no Version header"),
        "/app/node_modules/y/package.json: npm: invalid JSON: expected `,` or `}` at line 1 column 29".to_string(),
        "/app/node_modules/w/package.json: npm: invalid JSON: EOF while parsing a string at line 1 column 5242925"
            .to_string(),
        "/app/bomb.jar!/BOOT-INF/lib/inner.jar!/BOOT-INF/lib/zeros-1.0.jar: java-archive: expands more than 100x \
         (compression ratio cap); skipped"
            .to_string(),
        format!("/app/deep.jar{}: java-archive: nested deeper than 4 archives; not opened", deep(5)),
        // The 64-byte head is no object file: the one ELF analyzer says so once.
        "/usr/local/bin/goapp-64: elf-executable: cannot read object file: Invalid ELF program header size or \
         alignment"
            .to_string(),
        // Cut in half, the section table is gone: Go's build info section is unreadable, while there
        // is no `.dep-v0` section to read for cargo-auditable data, so nothing more to say.
        "/usr/local/bin/goapp-half: elf-executable: cannot read object file: Invalid ELF section size or offset"
            .to_string(),
    ];
    expected_warnings.sort();
    let mut warnings: Vec<String> =
        doc["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect();
    warnings.sort();
    assert_eq!(warnings, expected_warnings);
    let mut printed: Vec<String> = stderr
        .iter()
        .map(|l| l.strip_prefix("hullguard: warning: ").unwrap_or_else(|| panic!("{l}")).to_string())
        .collect();
    printed.sort();
    assert_eq!(printed, expected_warnings, "one stderr line per bad file");

    let deb = |n: &str, v: &str| format!("deb | {n} | {v} | 0 | /var/lib/dpkg/status");
    let py = |n: &str, v: &str| format!("pypi | {n} | {v} | 0 | /{SITE}/{n}-{v}.dist-info/METADATA");
    let npm = |n: &str, v: &str| format!("npm | {n} | {v} | 0 | /app/node_modules/{n}/package.json");
    let go = |n: &str, v: &str| format!("golang | {n} | {v} | 1 | /usr/local/bin/goapp");
    let mvn = |n: &str, v: &str, path: &str| format!("maven | {n} | {v} | 1 | {path}");
    let mut expected = vec![
        deb("base-files", "12.4+deb12u15"),
        deb("zlib1g", "1:1.2.13.dfsg-1"),
        py("Flask", "1.1.2"),
        py("requests", "2.25.0"),
        npm("accepts", "1.3.8"),
        npm("axios", "0.21.0"),
        npm("z", "2.0.0"),
        go("example.com/fixtures/goapp", "(devel)"),
        go("github.com/dgrijalva/jwt-go", "v3.2.0+incompatible"),
        go("github.com/sirupsen/logrus", "v1.9.0"),
        go("golang.org/x/net", "v0.7.0"),
        go("golang.org/x/sys", "v0.3.0"),
        go("gopkg.in/yaml.v2", "v2.4.0"),
        go("stdlib", "go1.19.8"),
        mvn("org.apache.logging.log4j:log4j-api", "2.19.0", "/opt/java/lib/log4j-api-2.19.0.jar"),
        mvn("com.example:bomb", "1.0", "/app/bomb.jar"),
        mvn("com.example:bomb-inner", "1.0", "/app/bomb.jar!/BOOT-INF/lib/inner.jar"),
    ];
    for level in 0..=4 {
        expected.push(mvn(
            &format!("com.example.deep:level-{level}"),
            &format!("1.{level}"),
            &format!("/app/deep.jar{}", deep(level)),
        ));
    }
    expected.sort();
    assert_eq!(rows(&doc, &["ecosystem", "name", "version", "layer", "path"]), expected);
    assert!(rss < 150 * 1024, "peak RSS {rss} KiB");
}
