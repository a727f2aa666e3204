//! Black-box tests of the REST API: the real server on port 0 with a fresh in-memory SQLite
//! store, the simulator broker and an API key issued like `openalgo setup` does.

mod helpers;

mod account;
mod action_center;
mod analyzer;
mod angel;
mod basics;
mod calendar;
mod cluster;
mod cluster_deploy;
mod compound;
mod crash;
mod dashboard;
mod deploy;
mod dhan;
mod docs;
mod extended;
mod faults;
mod feed_stall;
mod gtt;
mod market;
mod metrics;
mod options;
mod orders;
#[cfg(feature = "otel")]
mod otel;
mod postgres;
mod prometheus;
mod restart;
mod risk;
mod seam;
mod secrets;
mod security;
mod stream;
mod symbols;
mod webhooks;
mod zerodha;
