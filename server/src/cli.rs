//! Subcommands of the `consilium` binary (spec section 5).

use std::io::BufRead;

use anyhow::Context;
use clap::{Parser, Subcommand};
use consilium_shared::users::{CreateUserRequest, PlatformRole};
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::startup::Application;
use crate::{db, seed, telemetry};

/// Consilium: realtime collaboration server for expert-led doctor teams.
#[derive(Debug, Parser)]
#[command(name = "consilium", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a platform admin; the password comes from CONSILIUM_ADMIN_PASSWORD or stdin.
    CreateAdmin {
        /// Login name of the new admin.
        #[arg(long)]
        username: String,
        /// Name shown in the UI.
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
    /// Fill an empty database with a demo world (two expert teams, in Chinese). Safe to re-run.
    SeedDemo,
    /// Delete what may expire: read notifications and delivered webhook
    /// deliveries past their retention. Never touches the record (messages,
    /// cases, audit…). Run it daily from cron, on one node.
    Purge {
        /// Keep read notifications this many days (at least 30).
        #[arg(long, default_value_t = 180)]
        notification_days: u32,
        /// Keep delivered webhook deliveries this many days (at least 30).
        #[arg(long, default_value_t = 90)]
        webhook_delivery_days: u32,
    },
}

/// Runs `cli` to completion.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let applied = db::run_migrations(config.database_url.expose_secret()).await?;
            println!(
                "applied {} migration(s){}",
                applied.len(),
                if applied.is_empty() { "" } else { ":" }
            );
            for m in applied {
                println!("  {m}");
            }
        }
        Command::CreateAdmin { username, display_name } => {
            let password = match std::env::var("CONSILIUM_ADMIN_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => {
                    eprintln!("password for {username} (from stdin):");
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("reading the password from stdin")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            db::run_migrations(config.database_url.expose_secret()).await?;
            let pool = db::pool(config.database_url.expose_secret(), 2)?;
            let mut conn = pool.get().await?;
            let req = CreateUserRequest {
                username: username.clone(),
                display_name,
                password,
                role: Some(PlatformRole::Admin),
                title: None,
                institution: None,
                care_level: None,
                specialties: None,
            };
            crate::users::create_user(&mut conn, None, req, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created admin {username}");
        }
        Command::Purge {
            notification_days,
            webhook_delivery_days,
        } => {
            let policy = crate::retention::Policy {
                read_notification_days: notification_days,
                webhook_delivery_days,
            }
            .checked()?;
            db::run_migrations(config.database_url.expose_secret()).await?;
            let pool = db::pool(config.database_url.expose_secret(), 2)?;
            let mut conn = pool.get().await?;
            let purged = crate::retention::purge(&mut conn, policy, chrono::Utc::now()).await?;
            println!(
                "purged {} read notification(s) older than {notification_days} days, {} delivered webhook delivery(ies) older than {webhook_delivery_days} days and {} expired sign-in challenge(s)",
                purged.notifications, purged.webhook_deliveries, purged.mfa_challenges
            );
        }
        Command::SeedDemo => {
            db::run_migrations(config.database_url.expose_secret()).await?;
            let pool = db::pool(config.database_url.expose_secret(), 2)?;
            let outcome = seed::seed_demo(&pool).await?;
            println!("{outcome}");
        }
    }
    Ok(())
}
