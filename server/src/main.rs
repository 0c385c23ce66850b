//! The `consilium` binary: read the configuration, run the chosen subcommand.

use clap::Parser;

/// mimalloc returns freed memory to the OS promptly and keeps per-thread
/// caches small, where glibc's per-thread arenas kept hundreds of MiB of
/// freed argon2 buffers resident under a login burst. The `system-allocator`
/// feature leaves it out, so heap profilers that hook `malloc` (heaptrack,
/// valgrind) see every allocation: `bench/ws-memory.sh` with `HEAPTRACK=1`.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
