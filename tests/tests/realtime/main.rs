//! Realtime chat against the real server: the websocket protocol of spec
//! section 4 and the conversation API of section 3.
//!
//! Scenarios that depend on how events travel run on every bus (see
//! `support::on_every_bus!`): in-process fan-out, Redis on one node, and two
//! real server processes sharing Redis with clients spread over both. The
//! two-process tests need the `consilium` binary (`cargo build --bins`).
//!
//! Waiting is always for an event with a timeout (`WsClient::expect`);
//! fixed sleeps appear only where a test proves that something does NOT
//! happen, or waits out a rate-limit refill.

mod support;

mod attention;
mod calls;
mod cluster;
mod connect;
mod deadlines;
mod delivery;
mod events;
mod frames;
mod messaging;
mod notifications;
mod rest;
mod roster;
mod search;
mod sessions;
mod tls;
mod urgent;
mod webhooks;
