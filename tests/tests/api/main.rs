//! HTTP API integration tests: the real server against real Postgres.

mod audit;
mod auth;
mod cli;
mod deploy_files;
mod http_edges;
mod input;
mod prepared;
mod teams;
mod two_factor;
mod users;
