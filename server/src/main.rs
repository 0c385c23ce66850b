//! The `consilium` binary: read the configuration, run the chosen subcommand.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = consilium::cli::Cli::parse();
    match consilium::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("consilium: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
