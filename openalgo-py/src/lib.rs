//! # openalgo-py
//!
//! The PyO3 binding of OpenAlgo-rs. Not built yet (see the Python issue); the crate exists so
//! the workspace layout is final.
