//! An rpm database written by Debian's `rpm` itself: 200 tiny packages built with `rpmbuild`
//! (epochs absent, explicit 0 and non-zero; several licences; directories, a name with a space,
//! symlinks) and installed into a SQLite rpmdb. The parser must return exactly what rpm lists,
//! every file included. Debian's rpm 4.18 writes neither BerkeleyDB (read-only `bdb_ro`) nor NDB
//! (not built in); those backends are tested on the real databases in `fixtures.rs`.

use std::path::{Path, PathBuf};
use std::process::Command;

use hullguard_inventory::format::osdb::parse_rpmdb;

const PACKAGES: usize = 200;

fn need_rpmbuild() {
    let ok = Command::new("rpmbuild").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "rpmbuild is missing: this test builds its packages with Debian's `rpm` package \
         (apt-get install rpm; scripts/test.sh installs it)"
    );
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// One spec whose sub-packages `hg-pkg-NNN` are the packages `range`; the source is `hg-many-PART`.
fn spec(part: usize, range: std::ops::Range<usize>) -> String {
    let mut head = format!(
        "Name: hg-many-{part}\nVersion: 1.0\nRelease: 1\nSummary: many\nLicense: MIT\nBuildArch: noarch\n\
         %description\nmany\n\n"
    );
    let mut dirs = Vec::new();
    let mut install = Vec::new();
    let mut files = String::new();
    for i in range {
        let name = format!("hg-pkg-{i:03}");
        let licence = ["MIT", "GPL-2.0-or-later OR MIT", "Apache-2.0"][i % 3];
        head += &format!(
            "%package -n {name}\nVersion: {}.{}.{i}\nRelease: {}.hg{part}\nSummary: p{i}\nLicense: {licence}\n",
            i / 10,
            i % 10,
            i % 7
        );
        if i % 3 == 0 {
            head += &format!("Epoch: {}\n", i % 5); // 0 included: rpm then stores an explicit 0
        }
        head += &format!("%description -n {name}\np{i}\n\n");
        let dir = format!("/usr/share/hg/{i:03}");
        dirs.push(format!("%{{buildroot}}{dir}/sub"));
        install.push(format!("echo {i} > %{{buildroot}}{dir}/a.txt; echo {i} > %{{buildroot}}{dir}/sub/b.txt"));
        files += &format!("%files -n {name}\n{dir}/a.txt\n{dir}/sub/b.txt\n");
        if i % 4 == 0 {
            files += &format!("%dir {dir}\n%dir {dir}/sub\n");
        }
        if i % 10 == 0 {
            install.push(format!("echo {i} > '%{{buildroot}}{dir}/with space.txt'"));
            files += &format!("\"{dir}/with space.txt\"\n");
        }
        if i % 25 == 0 {
            install.push(format!("ln -s a.txt %{{buildroot}}{dir}/link"));
            files += &format!("{dir}/link\n");
        }
        files += "\n";
    }
    // One mkdir for all: a process per package would dominate the build time.
    format!("{head}%install\nmkdir -p {}\n{}\n\n{files}", dirs.join(" "), install.join("\n"))
}

fn rpm_in(root: &Path) -> Command {
    let mut c = Command::new("rpm");
    c.arg("--root").arg(root).args(["--dbpath", "/usr/lib/sysimage/rpm", "--define", "_db_backend sqlite"]);
    c
}

fn sorted(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = lines.collect();
    v.sort();
    v
}

#[test]
fn two_hundred_packages_installed_by_rpm_into_sqlite() {
    need_rpmbuild();
    let started = std::time::Instant::now();
    let work = tempfile::tempdir().unwrap();
    // Two specs built side by side (two cores); one OpenMP thread each, as spinning threads
    // fighting over the cores triple rpmbuild's CPU time.
    let builds: Vec<(PathBuf, std::process::Child)> = [(0, 0..PACKAGES / 2), (1, PACKAGES / 2..PACKAGES)]
        .into_iter()
        .map(|(part, range)| {
            let spec_path = work.path().join(format!("many-{part}.spec"));
            std::fs::write(&spec_path, spec(part, range)).unwrap();
            let top = work.path().join(format!("top-{part}"));
            let child = Command::new("rpmbuild")
                .args(["--quiet", "--define", &format!("_topdir {}", top.display())])
                .args(["--define", "_smp_build_nthreads 1", "-bb"])
                .arg(&spec_path)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (top, child)
        })
        .collect();
    let mut rpms = Vec::new();
    for (top, child) in builds {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "rpmbuild: {}", String::from_utf8_lossy(&out.stderr));
        rpms.extend(std::fs::read_dir(top.join("RPMS/noarch")).unwrap().map(|e| e.unwrap().path()));
    }
    assert_eq!(rpms.len(), PACKAGES);
    let built = started.elapsed();

    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    run(rpm_in(&root).arg("--initdb"));
    let db = root.join("usr/lib/sysimage/rpm/rpmdb.sqlite");
    assert_eq!(parse_rpmdb(&std::fs::read(&db).unwrap()).unwrap(), [], "a fresh database is empty");
    run(rpm_in(&root).args(["-i", "--justdb", "--nodeps", "--noscripts"]).args(&rpms));
    // rpm checkpoints its write-ahead log on close: the database file holds everything.
    let wal = root.join("usr/lib/sysimage/rpm/rpmdb.sqlite-wal");
    assert!(std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0, "non-empty WAL");

    let query = "%{NAME}\t%|EPOCH?{%{EPOCH}}:{-}|\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n";
    let expected = sorted(run(rpm_in(&root).args(["-qa", "--qf", query])).lines().map(str::to_string));
    let expected_files =
        sorted(run(rpm_in(&root).args(["-qa", "--qf", "[%{=NAME}\t%{FILENAMES}\n]"])).lines().map(str::to_string));

    let packages = parse_rpmdb(&std::fs::read(&db).unwrap()).unwrap();
    let got = sorted(packages.iter().map(|p| {
        let source = match (&p.source_name, &p.source_version) {
            (Some(n), Some(v)) => format!("{n}-{v}.src.rpm"),
            _ => "(none)".into(),
        };
        let epoch = p.epoch.map_or_else(|| "-".to_string(), |e| e.to_string());
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        format!(
            "{}\t{epoch}\t{}\t{}\t{}\t{source}\t{}",
            p.name,
            p.version,
            opt(&p.release),
            opt(&p.arch),
            opt(&p.license)
        )
    }));
    let got_files = sorted(packages.iter().flat_map(|p| p.files.iter().map(move |f| format!("{}\t{f}", p.name))));
    eprintln!(
        "{} packages, {} files: rpmbuild {built:?}, all {:?}",
        packages.len(),
        got_files.len(),
        started.elapsed()
    );
    assert_eq!(got.len(), PACKAGES);
    assert_eq!(got, expected);
    assert_eq!(got_files, expected_files);
    // Spot checks of the generated variety, in rpm's own words above and ours here.
    assert!(got.contains(&"hg-pkg-000\t0\t0.0.0\t0.hg0\tnoarch\thg-many-0-1.0-1.src.rpm\tMIT".to_string()));
    assert!(got.contains(
        &"hg-pkg-001\t-\t0.1.1\t1.hg0\tnoarch\thg-many-0-1.0-1.src.rpm\tGPL-2.0-or-later OR MIT".to_string()
    ));
    assert!(got.contains(&"hg-pkg-123\t3\t12.3.123\t4.hg1\tnoarch\thg-many-1-1.0-1.src.rpm\tMIT".to_string()));
    assert!(got_files.contains(&"hg-pkg-150\t/usr/share/hg/150/with space.txt".to_string()));
    assert!(got_files.contains(&"hg-pkg-150\t/usr/share/hg/150/link".to_string()));
    assert!(got_files.contains(&"hg-pkg-148\t/usr/share/hg/148/sub".to_string()));
    // 200 × 2 files, 50 × 2 directories, 20 names with a space, 8 symlinks.
    assert_eq!(got_files.len(), 400 + 100 + 20 + 8);
}
