//! # openalgo-server
//!
//! The thin actix-web shell over `openalgo-core` and `openalgo-brokers`: REST API `/api/v1`,
//! auth, sandbox mode, WebSocket market-data proxy and dashboard. Not built yet (see the
//! server issue); the crate exists so the workspace layout is final.
