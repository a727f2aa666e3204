//! GTT orders on a paper account: the engine's GTT commands at the broker's clock and the
//! market broker's last price, journaled like orders (sandbox.md §11).

use openalgo_core::sandbox::{GttStatus, SandboxGtt};
use openalgo_core::{BrokerError, GttRecord, GttRequest, GttScope, TriggerId};

use super::PaperBroker;

fn record(g: &SandboxGtt) -> Result<GttRecord, BrokerError> {
    g.to_record().map_err(|e| BrokerError::Decode(e.0))
}

fn trigger_id(id: String) -> Result<TriggerId, BrokerError> {
    TriggerId::new(id).map_err(|e| BrokerError::Decode(e.0))
}

impl PaperBroker {
    pub(super) async fn place_paper_gtt(
        &self,
        request: &GttRequest,
    ) -> Result<TriggerId, BrokerError> {
        let last = self.snapshot_for(&request.instrument).await.map(|s| s.ltp);
        let id = self
            .with_engine(|e, now| e.place_gtt(request, last, now))
            .await??;
        trigger_id(id)
    }

    pub(super) async fn modify_paper_gtt(
        &self,
        id: &TriggerId,
        request: &GttRequest,
    ) -> Result<TriggerId, BrokerError> {
        let id = self
            .with_engine(|e, now| e.modify_gtt(id.as_str(), request, now))
            .await??;
        trigger_id(id)
    }

    pub(super) async fn cancel_paper_gtt(&self, id: &TriggerId) -> Result<TriggerId, BrokerError> {
        let id = self
            .with_engine(|e, now| e.cancel_gtt(id.as_str(), now))
            .await??;
        trigger_id(id)
    }

    /// Every GTT of the account in any state, newest first (the dashboard's history).
    ///
    /// # Errors
    /// Never for GTTs the engine made.
    pub fn all_gtts(&self) -> Result<Vec<GttRecord>, BrokerError> {
        self.inspect(|e| e.gtts().rev().map(record).collect())
    }

    /// The GTTs in `scope`, newest first (active ones first for [`GttScope::All`]), after
    /// acting on fresh prices (a crossed trigger fires before the book is read).
    pub(super) async fn paper_gtt_book(
        &self,
        scope: GttScope,
    ) -> Result<Vec<GttRecord>, BrokerError> {
        self.refresh().await?;
        self.inspect(|e| {
            let active = e.gtts().rev().filter(|g| g.status == GttStatus::Active);
            let rest = e.gtts().rev().filter(|g| g.status != GttStatus::Active);
            match scope {
                GttScope::Active => active.map(record).collect(),
                GttScope::All => active.chain(rest).map(record).collect(),
            }
        })
    }
}
