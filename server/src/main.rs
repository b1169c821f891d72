//! The `phonghop` binary: parses the command line and runs one command.
//! Every failure is one line on stderr and exit code 2.
//!
//! The global allocator is mimalloc: glibc's malloc kept the garbage of
//! start-up (the demo's 600 argon2 hashes) and of 10,000 closed
//! connections resident (254 and 355 MB against 59 and 172 MB with
//! mimalloc), and ten of twelve CPU figures of `make bench` were 5-20%
//! higher with it (BENCHMARKS.md, "The allocator: mimalloc").

use std::process::ExitCode;

use clap::Parser;
use phonghop_server::config::{Cli, Command, LogFormat};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(options) => phonghop_server::serve(options)
                .await
                .map(|_| ExitCode::SUCCESS),
            Command::User { command } => phonghop_server::console::user_command(command)
                .await
                .map(|_| ExitCode::SUCCESS),
            Command::Audit { command } => phonghop_server::console::audit_command(command).await,
            Command::Record { command } => {
                phonghop_server::signing_console::record_command(command)
            }
            Command::Signing { command } => {
                phonghop_server::signing_console::signing_command(command)
                    .await
                    .map(|_| ExitCode::SUCCESS)
            }
            Command::Convert(options) => phonghop_server::console::convert_command(options).await,
            Command::Backup(options) => phonghop_server::console::backup_command(options)
                .await
                .map(|_| ExitCode::SUCCESS),
            Command::Restore(options) => phonghop_server::console::restore_command(options)
                .await
                .map(|_| ExitCode::SUCCESS),
            Command::Cert(options) => {
                phonghop_server::console::cert_command(options).map(|_| ExitCode::SUCCESS)
            }
        }
    });
    // Do not wait for stray blocking tasks (a password prompt, a hash).
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(error) => fail(error),
    }
}

fn fail(error: anyhow::Error) -> ExitCode {
    eprintln!("phonghop: error: {error:#}");
    ExitCode::from(2)
}

fn init_tracing(format: LogFormat) {
    const DEFAULT_FILTER: &str = "info,sqlx=warn";
    let spec = std::env::var("PHONGHOP_LOG").unwrap_or_else(|_| DEFAULT_FILTER.to_owned());
    let mut filter = tracing_subscriber::EnvFilter::try_new(&spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_FILTER));
    // automerge 0.12 opens an INFO span around every load of changes whose
    // fields are the Debug form of the document's change hashes: formatted
    // on every synced change, O(history), unless asked for by name.
    if !spec.contains("automerge") {
        filter = filter.add_directive("automerge=warn".parse().expect("a static directive"));
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
