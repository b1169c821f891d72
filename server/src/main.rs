//! The `phonghop` binary: parses the command line and runs one command.
//! Every failure is one line on stderr and exit code 2.

use std::process::ExitCode;

use clap::Parser;
use phonghop_server::config::{Cli, Command, LogFormat};

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
    let filter = tracing_subscriber::EnvFilter::try_from_env("PHONGHOP_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,sqlx=warn,samod=warn,samod_core=warn")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
