//! Consilium: realtime collaboration for expert-led doctor teams.
//!
//! `main.rs` only reads configuration and dispatches a subcommand; everything
//! else lives here so the integration tests can build the same application.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod cases;
pub mod chat;
pub mod cli;
pub mod config;
pub mod consults;
pub mod db;
pub mod deadlines;
pub mod domain;
pub mod error;
pub mod escalation;
pub mod events;
pub mod fhir;
pub mod follow_ups;
pub mod forms;
pub mod grants;
pub mod notifications;
pub mod pressure;
pub mod realtime;
pub mod referrals;
pub mod retention;
pub mod routes;
pub mod seed;
pub mod slots;
pub mod startup;
pub mod state;
pub mod teams;
pub mod telemetry;
pub mod users;
pub mod webhooks;
pub mod work;
