//! The kgate daemon: configuration from the environment, then the gateway until a signal.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", kgate::config::help_text());
        return ExitCode::SUCCESS;
    }
    if args.iter().any(|a| a == "--version" || a == "-V") {
        println!("kgate {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if let Some(unknown) = args.first() {
        eprintln!("kgate: unknown argument {unknown:?}; kgate is configured by environment variables, see kgate --help");
        return ExitCode::from(2);
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let config = match kgate::config::Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            log::error!("invalid configuration: {e}");
            eprintln!("kgate: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    for warning in &config.warnings {
        log::warn!("{warning}");
    }
    for (name, value) in config.redacted_summary() {
        log::info!("config {name}={value}");
    }
    match kgate::gateway::run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
