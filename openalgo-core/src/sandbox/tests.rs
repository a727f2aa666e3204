//! Sandbox engine tests: the worked examples of sandbox.md §15, one test per §14 defect showing
//! our behaviour, and property tests of the §15.1 invariants over random order sequences.

mod examples;
mod fixtures;
mod gtt;
mod invariants;
mod quirks;
