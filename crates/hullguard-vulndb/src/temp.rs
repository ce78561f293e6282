//! Temporary files named after the process writing them, and the removal of
//! those a killed process left behind.

use std::path::Path;

/// Removes the files in `dir` named `<prefix><pid>…` whose process is gone
/// (on systems without `/proc`, every such file). Errors are ignored: a file
/// that cannot be removed is left for the next run.
pub(crate) fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let proc = Path::new("/proc");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else { continue };
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if pid.is_empty() || pid == std::process::id().to_string() {
            continue;
        }
        if !proc.is_dir() || !proc.join(&pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_files_of_gone_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let own = format!(".x.tmp-{}", std::process::id());
        // pid 1 is always running; pids beyond the kernel's maximum (4194304) never are.
        for name in [".x.tmp-1", ".x.tmp-99999999", ".x.tmp-99999999-3", ".x.tmp-", "x.tmp-99999999", own.as_str()] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        super::remove_stale(dir.path(), ".x.tmp-");
        let mut left: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        left.sort();
        let mut want = vec![".x.tmp-".to_owned(), ".x.tmp-1".to_owned(), own, "x.tmp-99999999".to_owned()];
        want.sort();
        assert_eq!(left, want);
    }
}
