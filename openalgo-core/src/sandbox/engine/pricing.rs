//! Price updates: resting orders act on each new price, then the risk stop-out runs.

use chrono::NaiveDateTime;

use super::*;

impl SandboxEngine {
    /// A new price for an instrument: triggers and fills its working orders in placement
    /// order, then runs the risk stop-out check.
    pub fn on_price(
        &mut self,
        instrument: &InstrumentKey,
        snap: MarketSnapshot,
        now: NaiveDateTime,
    ) {
        self.state.prices.insert(instrument.clone(), snap);
        let mut seqs = std::mem::take(&mut self.scratch);
        match self.state.books.get(instrument) {
            Some(book) => book.actionable(snap.ltp, &mut seqs),
            None => seqs.clear(),
        }
        for &seq in &seqs {
            self.evaluate(seq, snap, false, now);
        }
        self.scratch = seqs;
        if self.state.active_gtts.contains_key(instrument) {
            self.evaluate_gtts(instrument, snap.ltp, now);
        }
        if self.state.funds.position_margin > Money::ZERO {
            self.check_stop_out(now);
        }
    }

    /// Closes everything when equity falls to `stop_out_level` × position margin, so losses
    /// cannot outrun the account.
    pub(super) fn check_stop_out(&mut self, now: NaiveDateTime) {
        let f = &self.state.funds;
        let equity = f.available + f.order_margin + f.position_margin + self.unrealized_pnl();
        if equity > self.config.stop_out_level * f.position_margin {
            return;
        }
        self.cancel_all(now);
        let _ = self.close_all_positions(RMS_SQUARE_OFF, now);
    }
}
