//! `hullguard-lint FILE…`: the Dockerfile linter of `hullguard dockerfile` as a small executable
//! that starts fast (editors, pre-commit hooks and other one-process-per-file callers). Exit codes
//! as `hullguard`: 0 success, 1 (or `--exit-code`) findings at `--fail-on`, 2 any error.

use std::process::ExitCode;

use clap::Parser;
use hullguard_lint::ConfigArgs;

/// Lint Dockerfiles (any file name) with hullguard's checks.
#[derive(Parser)]
#[command(name = "hullguard-lint", version, about)]
struct Cli {
    #[command(flatten)]
    args: ConfigArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match hullguard_lint::run(&cli.args, false, None) {
        Ok(code) => code,
        Err(err)
            if err.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("hullguard-lint: {err:#}");
            ExitCode::from(2)
        }
    }
}
