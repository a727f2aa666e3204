//! The strike ladders of the current master, built on first use and rebuilt when a broker
//! login brings a new master.

use std::sync::{Arc, Mutex, PoisonError};

use openalgo_core::SymbolTable;
use openalgo_core::options::StrikeLadders;

/// The ladders of the last master asked for.
#[derive(Debug, Default)]
pub struct LadderCache {
    last: Mutex<Option<(Arc<SymbolTable>, Arc<StrikeLadders>)>>,
}

impl LadderCache {
    /// The ladders of `table` (built once per master).
    pub fn of(&self, table: &Arc<SymbolTable>) -> Arc<StrikeLadders> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((t, l)) = last.as_ref()
            && Arc::ptr_eq(t, table)
        {
            return Arc::clone(l);
        }
        let ladders = Arc::new(StrikeLadders::build(table));
        *last = Some((Arc::clone(table), Arc::clone(&ladders)));
        ladders
    }
}
