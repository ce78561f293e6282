//! The `hullguard` binary: parse arguments, run the command, map the outcome to an exit code
//! (0 success, 1 findings over threshold, 2 any error).

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use hullguard_report::text::escape_control;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown");
        eprintln!("hullguard: internal error: {} (please report this)", escape_control(msg));
    }));
    match std::panic::catch_unwind(cli::run) {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("hullguard: {}", escape_control(&format!("{err:#}")));
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
