//! # openalgo-server
//!
//! The thin actix-web shell over `openalgo-core` and `openalgo-brokers`: REST API `/api/v1`
//! (OpenAlgo-compatible), API-key authentication, the security layer and web login, SQLite
//! persistence, any broker of the `openalgo_brokers::registry` picked by name (`BROKER`; the
//! embedded simulated market by default). Startup is a library function ([`Application::build`]) so tests
//! run the real server on port 0.

pub mod action_center;
pub mod app;
pub mod auth;
pub mod books;
mod broker_login;
pub mod broker_session;
pub mod cluster;
pub mod error;
pub mod journal;
pub mod metrics;
pub mod options;
pub mod orders;
#[cfg(feature = "otel")]
pub mod otel;
pub mod pnl;
pub mod request_id;
pub mod risk;
mod routes;
pub mod sandbox_settings;
pub mod security;
pub mod settings;
pub mod startup;
pub mod state;
pub mod store;
pub mod stream;
pub mod validation;
pub mod web;
pub mod webhooks;

pub use security::rate_limit;

pub use settings::Settings;
pub use startup::Application;

#[cfg(test)]
mod module_graph;
