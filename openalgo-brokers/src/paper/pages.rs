//! A paper account's order and trade books read in pages, newest first, so a long day can be
//! answered without materialising all of it at once. A page takes the engine's lock only while
//! its rows are copied out; rows added after the first page are not included (they are newer
//! than the answer), and a reset between pages ends the book early.

use openalgo_core::sandbox::{SandboxEngine, SandboxOrder, SandboxTrade};
use openalgo_core::{Order, Trade};

use super::PaperBroker;

/// Where the next page starts: the position just past the newest row still to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor(usize);

impl PageCursor {
    /// Whether every row has been read.
    #[must_use]
    pub const fn is_done(self) -> bool {
        self.0 == 0
    }
}

impl PaperBroker {
    /// A cursor at the newest order.
    #[must_use]
    pub fn order_cursor(&self) -> PageCursor {
        PageCursor(self.inspect(SandboxEngine::order_count))
    }

    /// A cursor at the newest trade.
    #[must_use]
    pub fn trade_cursor(&self) -> PageCursor {
        PageCursor(self.inspect(SandboxEngine::trade_count))
    }

    /// The order-book rows among the next `scan` orders before `cursor` (newest first: the
    /// current session's orders and older ones still working), moving the cursor past them.
    pub fn order_page(&self, cursor: &mut PageCursor, scan: usize) -> Vec<Order> {
        self.inspect(|e| {
            let start = e.session_start();
            let from = cursor.0.saturating_sub(scan);
            let rows = e
                .orders_in(from..cursor.0)
                .rev()
                .filter(|o| in_order_book(o, start))
                .map(SandboxOrder::into_order)
                .collect();
            cursor.0 = from;
            rows
        })
    }

    /// The trade-book rows among the next `scan` trades before `cursor` (newest first, the
    /// current session's), moving the cursor past them.
    pub fn trade_page(&self, cursor: &mut PageCursor, scan: usize) -> Vec<Trade> {
        self.inspect(|e| {
            let start = e.session_start();
            let from = cursor.0.saturating_sub(scan);
            let rows = e
                .trades_in(from..cursor.0)
                .rev()
                .filter(|t| in_trade_book(t, start))
                .map(SandboxTrade::into_trade)
                .collect();
            cursor.0 = from;
            rows
        })
    }
}

/// Whether an order is listed in the order book of the session that started at `start`.
pub(super) fn in_order_book(o: &SandboxOrder, start: chrono::NaiveDateTime) -> bool {
    o.updated_at >= start || o.status.is_working()
}

/// Whether a trade is listed in the trade book of the session that started at `start`.
pub(super) fn in_trade_book(t: &SandboxTrade, start: chrono::NaiveDateTime) -> bool {
    t.timestamp >= start
}
