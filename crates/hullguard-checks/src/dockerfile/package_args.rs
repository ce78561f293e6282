//! How package managers read their command lines: the options that take a separate value, and
//! the subcommand and operands that are left. Dockerfile `RUN` checks and image-history checks
//! both read apt and apk commands through these tables.

/// Options of apt/apt-get/aptitude that take a separate value.
pub(crate) const APT_VALUE_OPTS: &[&str] =
    &["-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"];
/// Options of apk that take a separate value.
pub(crate) const APK_VALUE_OPTS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
    "-t",
    "--virtual",
];

/// yum/dnf options that take a separate value.
pub(crate) const RPM_VALUE_OPTS: &[&str] = &[
    "-c",
    "--config",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--releasever",
    "--installroot",
    "-x",
    "--exclude",
    "--setopt",
];
/// zypper options that take a separate value.
pub(crate) const ZYPPER_VALUE_OPTS: &[&str] = &["-R", "--root", "-c", "--config", "-r", "--repo", "--from"];
/// npm options that take a separate value.
pub(crate) const NPM_VALUE_OPTS: &[&str] =
    &["--prefix", "--registry", "-w", "--workspace", "--cache", "--tag", "--userconfig"];
/// gem options that take a separate value.
pub(crate) const GEM_VALUE_OPTS: &[&str] =
    &["-v", "--version", "-i", "--install-dir", "-n", "--bindir", "-s", "--source", "--platform"];
/// pip install options that take a separate value.
pub(crate) const PIP_VALUE_OPTS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--upgrade-strategy",
    "--progress-bar",
    "--cache-dir",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--cert",
    "--client-cert",
    "--only-binary",
    "--no-binary",
];

/// The first argument that is not an option (skipping values of `value_opts`): its index and text.
pub(crate) fn subcommand<'c>(args: &'c [String], value_opts: &[&str]) -> Option<(usize, &'c str)> {
    operand_positions(args, 0, value_opts).next()
}

/// Arguments after position `from` that are not options or option values.
pub(crate) fn operands<'c>(args: &'c [String], from: usize, value_opts: &[&str]) -> Vec<&'c str> {
    operand_positions(args, from, value_opts).map(|(_, a)| a).collect()
}

/// The non-option arguments from position `from` on, with their indexes.
fn operand_positions<'c>(
    args: &'c [String],
    from: usize,
    value_opts: &[&str],
) -> impl Iterator<Item = (usize, &'c str)> {
    let mut skip = false;
    args.iter().enumerate().skip(from).filter_map(move |(i, a)| {
        if std::mem::take(&mut skip) {
            None
        } else if value_opts.contains(&a.as_str()) {
            skip = true;
            None
        } else {
            (!a.starts_with('-')).then_some((i, a.as_str()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn apt_option_values_are_skipped() {
        for line in [
            "-o Acquire::Retries=3 install a b",
            "--option Acquire::Retries=3 install a b",
            "-t bookworm install a b",
            "--default-release bookworm --target-release bookworm install a b",
            "-c /etc/apt.conf --config-file /etc/apt.conf -y install a b",
        ] {
            let args = words(line);
            let (at, sub) = subcommand(&args, APT_VALUE_OPTS).unwrap();
            assert_eq!(sub, "install", "{line}");
            assert_eq!(operands(&args, at + 1, APT_VALUE_OPTS), ["a", "b"], "{line}");
        }
        assert_eq!(subcommand(&words("--virtual .deps add x"), APK_VALUE_OPTS), Some((2, "add")));
        assert_eq!(subcommand(&words("-y"), APT_VALUE_OPTS), None);
    }
}
