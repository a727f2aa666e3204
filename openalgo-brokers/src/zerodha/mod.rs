//! Zerodha Kite Connect v3 behind the [`Broker`] trait.
//!
//! Folder contract (see `docs/adding-a-broker.md`): [`config`] (credentials and hosts),
//! [`auth`] (login URL, checksum, token exchange), `http` (signed client, envelope, error
//! classification), `models` (wire structs), [`mapping`] (vocabulary, forms, rows → core),
//! [`master`] (instrument CSV → OpenAlgo records), [`ticker`] (binary packets), `stream`
//! (ticker connection with reconnect), `entry` (the registry [`ENTRY`]: settings, login kind,
//! master cache), `session` ([`ZerodhaSession`], the registry's `LiveSession`), and with
//! `zerodha-mock` a local mock of Kite.

pub mod auth;
pub mod config;
mod entry;
mod gtt;
mod http;
pub mod mapping;
pub mod master;
#[cfg(feature = "zerodha-mock")]
pub mod mock;
mod models;
mod session;
mod stream;
pub mod ticker;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use openalgo_core::broker::{EventStream, LoginRequest, OrderTag, Session, Subscription};
use openalgo_core::{
    Broker, BrokerError, Candle, Capabilities, Depth, Exchange, Funds, GttRecord, GttRequest,
    GttScope, HistoryRequest, Holding, Instrument, InstrumentKey, Interval, ModifyOrder, Order,
    OrderId, OrderRequest, Position, Price, Quote, QuoteResult, SymbolTable, Trade, TriggerId,
};
use rust_decimal::Decimal;
use secrecy::SecretString;

pub use config::ZerodhaConfig;
pub use entry::ENTRY;
pub use master::MasterReport;
pub use session::ZerodhaSession;
pub use stream::kite_mode;

use http::KiteHttp;
use models::{
    KiteCandles, KiteHolding, KiteLtp, KiteMargins, KiteOrder, KitePositions, KiteQuotes,
    KiteTrade, OrderIdData,
};

/// Most instruments per `GET /quote`.
const QUOTE_BATCH: usize = 500;

/// The Zerodha adapter: one Kite app, one session, and the instrument master it trades by.
pub struct ZerodhaBroker {
    config: ZerodhaConfig,
    http: KiteHttp,
    symbols: RwLock<Arc<SymbolTable>>,
    caps: Capabilities,
}

impl std::fmt::Debug for ZerodhaBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZerodhaBroker")
            .field("rest_url", &self.config.rest_url)
            .field("logged_in", &self.has_session())
            .finish_non_exhaustive()
    }
}

fn not_found(key: &InstrumentKey) -> BrokerError {
    BrokerError::NotFound(format!(
        "Symbol {} not found on {}",
        key.symbol, key.exchange
    ))
}

impl ZerodhaBroker {
    /// An adapter without a session or an instrument master yet.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: ZerodhaConfig) -> Result<Self, BrokerError> {
        let http = KiteHttp::new(&config)?;
        Ok(Self {
            config,
            http,
            symbols: RwLock::new(Arc::new(SymbolTable::default())),
            caps: Capabilities {
                exchanges: vec![
                    Exchange::Nse,
                    Exchange::Nfo,
                    Exchange::Cds,
                    Exchange::Bse,
                    Exchange::Bfo,
                    Exchange::Bcd,
                    Exchange::Mcx,
                    Exchange::Nco,
                    Exchange::NseIndex,
                    Exchange::BseIndex,
                    Exchange::McxIndex,
                    Exchange::GlobalIndex,
                ],
                intervals: vec![
                    Interval::M1,
                    Interval::M3,
                    Interval::M5,
                    Interval::M10,
                    Interval::M15,
                    Interval::M30,
                    Interval::H1,
                    Interval::Day,
                ],
                depth_levels: vec![5],
                streaming: true,
                margin_calculator: false,
            },
        })
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &ZerodhaConfig {
        &self.config
    }

    /// The browser login URL.
    #[must_use]
    pub fn login_url(&self) -> String {
        auth::login_url(&self.config)
    }

    /// Installs a session (a bare access token or a stored `api_key:access_token`).
    pub fn set_session(&self, token: &SecretString) {
        self.http
            .set_access_token(Some(auth::access_from_stored(token)));
    }

    /// Forgets the session.
    pub fn clear_session(&self) {
        self.http.set_access_token(None);
    }

    /// Whether a session is installed.
    #[must_use]
    pub fn has_session(&self) -> bool {
        self.http.access_token().is_some()
    }

    /// The token to store for the session (`api_key:access_token`), if any.
    #[must_use]
    pub fn stored_token(&self) -> Option<SecretString> {
        self.http
            .access_token()
            .map(|t| auth::stored_token(&self.config.api_key, &t))
    }

    /// The instrument master in use.
    #[must_use]
    pub fn symbols(&self) -> Arc<SymbolTable> {
        Arc::clone(&self.symbols.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Uses `symbols` as the instrument master (after a download or from a cache).
    pub fn set_symbols(&self, symbols: Arc<SymbolTable>) {
        *self.symbols.write().unwrap_or_else(PoisonError::into_inner) = symbols;
    }

    /// Downloads the instrument master, installs it and returns it with its report.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    pub async fn load_master(&self) -> Result<(Arc<SymbolTable>, MasterReport), BrokerError> {
        let csv = self.fetch_master_csv().await?;
        self.install_master_csv(&csv)
    }

    /// Downloads the instrument master CSV as Kite serves it (to cache it).
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    pub async fn fetch_master_csv(&self) -> Result<String, BrokerError> {
        Ok(self.http.get_csv("/instruments").await?)
    }

    /// Parses an instrument master CSV, installs it and returns it with its report.
    ///
    /// # Errors
    /// [`BrokerError::Decode`] when the CSV lacks a documented column.
    pub fn install_master_csv(
        &self,
        csv: &str,
    ) -> Result<(Arc<SymbolTable>, MasterReport), BrokerError> {
        let (records, report) = master::parse_instruments(csv)?;
        let table = Arc::new(SymbolTable::new(records));
        self.set_symbols(Arc::clone(&table));
        Ok((table, report))
    }

    async fn place(
        &self,
        order: &OrderRequest,
        tag: Option<&OrderTag>,
    ) -> Result<OrderId, BrokerError> {
        let record = self.instrument(order.instrument())?;
        let form = mapping::place_form(order, &record, tag);
        let data: OrderIdData = self.http.post_form("/orders/regular", &form, true).await?;
        OrderId::new(data.order_id).map_err(|e| BrokerError::Decode(e.to_string()))
    }

    /// The trigger form of `request` with the instrument's last price (Kite wants it).
    async fn gtt_form(&self, request: &GttRequest) -> Result<http::Form, BrokerError> {
        let record = self.instrument(&request.instrument)?;
        let last = self.one_quote(&request.instrument).await?.last_price;
        Ok(gtt::trigger_form(request, &record, Price::new(last)))
    }

    async fn download_master(&self) -> Result<(Vec<Instrument>, MasterReport), BrokerError> {
        let csv = self.fetch_master_csv().await?;
        master::parse_instruments(&csv)
    }

    fn instrument(&self, key: &InstrumentKey) -> Result<Instrument, BrokerError> {
        self.symbols()
            .get(key.symbol.as_str(), key.exchange)
            .cloned()
            .ok_or_else(|| not_found(key))
    }

    /// `EX:TRADINGSYMBOL` as the quote endpoints key it.
    fn quote_key(record: &Instrument) -> String {
        format!("{}:{}", record.broker_exchange, record.broker_symbol)
    }

    async fn kite_quotes(&self, keys: &[String]) -> Result<KiteQuotes, BrokerError> {
        let query: Vec<(&str, &str)> = keys.iter().map(|k| ("i", k.as_str())).collect();
        Ok(self.http.get("/quote", &query).await?)
    }

    async fn one_quote(&self, key: &InstrumentKey) -> Result<models::KiteQuote, BrokerError> {
        let record = self.instrument(key)?;
        let qk = Self::quote_key(&record);
        let mut quotes = self.kite_quotes(std::slice::from_ref(&qk)).await?;
        quotes
            .remove(&qk)
            .ok_or_else(|| BrokerError::NotFound(format!("No quote data found for {key}")))
    }

    async fn kite_positions(&self) -> Result<KitePositions, BrokerError> {
        Ok(self.http.get("/portfolio/positions", &[]).await?)
    }

    /// Realised and unrealised M2M as the reference derives them: closed rows' sell − buy
    /// value, open rows' (live LTP − average) × quantity with LTPs from one `/quote/ltp`.
    async fn m2m(&self) -> (Decimal, Decimal) {
        let Ok(positions) = self.kite_positions().await else {
            return (Decimal::ZERO, Decimal::ZERO);
        };
        let realized: Decimal = positions
            .net
            .iter()
            .filter(|p| p.quantity == 0)
            .map(|p| p.sell_value - p.buy_value)
            .sum();
        let open: Vec<_> = positions.net.iter().filter(|p| p.quantity != 0).collect();
        let keys: Vec<String> = open
            .iter()
            .map(|p| format!("{}:{}", p.exchange, p.tradingsymbol))
            .collect();
        let ltps: HashMap<String, KiteLtp> = if keys.is_empty() {
            HashMap::new()
        } else {
            let query: Vec<(&str, &str)> = keys.iter().map(|k| ("i", k.as_str())).collect();
            self.http
                .get("/quote/ltp", &query)
                .await
                .unwrap_or_default()
        };
        let unrealized = open
            .iter()
            .zip(&keys)
            .map(|(p, k)| {
                let ltp = ltps.get(k).map_or(p.last_price, |l| l.last_price);
                (ltp - p.average_price) * Decimal::from(p.quantity)
            })
            .sum();
        (realized, unrealized)
    }
}

#[async_trait]
impl Broker for ZerodhaBroker {
    fn id(&self) -> &'static str {
        "zerodha"
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn authenticate(&self, request: &LoginRequest) -> Result<Session, BrokerError> {
        match request {
            LoginRequest::RedirectToken(request_token) => {
                let (access, user_id) =
                    auth::exchange_request_token(&self.http, &self.config, request_token).await?;
                self.http.set_access_token(Some(access.clone()));
                Ok(Session {
                    access_token: access,
                    feed_token: None,
                    user_id,
                })
            }
            LoginRequest::AccessToken(token) => {
                self.set_session(token);
                Ok(Session {
                    access_token: auth::access_from_stored(token),
                    feed_token: None,
                    user_id: None,
                })
            }
            LoginRequest::Credentials { .. } => Err(self.unsupported("credential login")),
        }
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, BrokerError> {
        self.place(order, None).await
    }

    fn supports_order_tags(&self) -> bool {
        true
    }

    async fn place_tagged_order(
        &self,
        order: &OrderRequest,
        tag: &OrderTag,
    ) -> Result<OrderId, BrokerError> {
        self.place(order, Some(tag)).await
    }

    async fn find_order_by_tag(&self, tag: &OrderTag) -> Result<Option<OrderId>, BrokerError> {
        let rows: Vec<KiteOrder> = self.http.get("/orders", &[]).await?;
        rows.into_iter()
            .find(|r| {
                r.tag.as_deref() == Some(tag.as_str()) || r.tags.iter().any(|t| t == tag.as_str())
            })
            .map(|r| OrderId::new(r.order_id).map_err(|e| BrokerError::Decode(e.to_string())))
            .transpose()
    }

    async fn modify_order(&self, modify: &ModifyOrder) -> Result<OrderId, BrokerError> {
        let form = mapping::modify_form(modify);
        let path = format!("/orders/regular/{}", modify.order_id());
        let data: OrderIdData = self.http.put_form(&path, &form).await?;
        OrderId::new(data.order_id).map_err(|e| BrokerError::Decode(e.to_string()))
    }

    async fn cancel_order(&self, order_id: &OrderId) -> Result<OrderId, BrokerError> {
        let data: OrderIdData = self
            .http
            .delete(&format!("/orders/regular/{order_id}"))
            .await?;
        OrderId::new(data.order_id).map_err(|e| BrokerError::Decode(e.to_string()))
    }

    async fn place_gtt(&self, request: &GttRequest) -> Result<TriggerId, BrokerError> {
        let form = self.gtt_form(request).await?;
        let data: gtt::KiteTriggerId = self.http.post_form("/gtt/triggers", &form, true).await?;
        gtt::trigger_id(&data)
    }

    async fn modify_gtt(
        &self,
        trigger_id: &TriggerId,
        request: &GttRequest,
    ) -> Result<TriggerId, BrokerError> {
        let form = self.gtt_form(request).await?;
        let path = format!("/gtt/triggers/{trigger_id}");
        let data: gtt::KiteTriggerId = self.http.put_form(&path, &form).await?;
        gtt::trigger_id(&data)
    }

    async fn cancel_gtt(&self, trigger_id: &TriggerId) -> Result<TriggerId, BrokerError> {
        let path = format!("/gtt/triggers/{trigger_id}");
        let data: gtt::KiteTriggerId = self.http.delete(&path).await?;
        gtt::trigger_id(&data)
    }

    async fn gtt_book(&self, scope: GttScope) -> Result<Vec<GttRecord>, BrokerError> {
        let rows: Vec<gtt::KiteGtt> = self.http.get("/gtt/triggers", &[]).await?;
        let symbols = self.symbols();
        let mut book = rows
            .iter()
            .map(|g| gtt::record_from_kite(g, &symbols))
            .collect::<Result<Vec<_>, _>>()?;
        match scope {
            GttScope::Active => book.retain(|g| g.state == openalgo_core::GttState::Active),
            GttScope::All => book.sort_by_key(|g| g.state != openalgo_core::GttState::Active),
        }
        Ok(book)
    }

    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        let rows: Vec<KiteOrder> = self.http.get("/orders", &[]).await?;
        let symbols = self.symbols();
        rows.into_iter()
            .map(|r| mapping::order_from_kite(r, &symbols))
            .collect()
    }

    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        let rows: Vec<KiteTrade> = self.http.get("/trades", &[]).await?;
        let symbols = self.symbols();
        rows.into_iter()
            .map(|r| mapping::trade_from_kite(&r, &symbols))
            .collect()
    }

    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        let data = self.kite_positions().await?;
        let symbols = self.symbols();
        data.net
            .iter()
            .map(|r| mapping::position_from_kite(r, &symbols))
            .collect()
    }

    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        let rows: Vec<KiteHolding> = self.http.get("/portfolio/holdings", &[]).await?;
        let symbols = self.symbols();
        rows.iter()
            .map(|r| mapping::holding_from_kite(r, &symbols))
            .collect()
    }

    async fn funds(&self) -> Result<Funds, BrokerError> {
        let m: KiteMargins = self.http.get("/user/margins", &[]).await?;
        let segs = [m.equity.as_ref(), m.commodity.as_ref()];
        let sum = |f: &dyn Fn(&models::KiteSegmentMargin) -> Decimal| -> Decimal {
            segs.iter().flatten().map(|s| f(s)).sum()
        };
        let debits = sum(&|s| s.utilised.debits);
        let collateral = sum(&|s| s.available.collateral);
        let net = sum(&|s| s.net);
        let (m2m_realized, m2m_unrealized) = self.m2m().await;
        Ok(Funds {
            available_cash: net + debits - collateral,
            collateral,
            m2m_unrealized,
            m2m_realized,
            utilised_debits: debits,
        })
    }

    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError> {
        Ok(mapping::quote_from_kite(&self.one_quote(instrument).await?))
    }

    async fn quotes(&self, instruments: &[InstrumentKey]) -> Result<Vec<QuoteResult>, BrokerError> {
        let symbols = self.symbols();
        let mut out = Vec::with_capacity(instruments.len());
        let mut known = Vec::new();
        for key in instruments {
            match symbols.get(key.symbol.as_str(), key.exchange) {
                Some(r) => known.push((key, Self::quote_key(r))),
                None => out.push(QuoteResult {
                    instrument: key.clone(),
                    quote: Err(not_found(key)),
                }),
            }
        }
        for chunk in known.chunks(QUOTE_BATCH) {
            let keys: Vec<String> = chunk.iter().map(|(_, k)| k.clone()).collect();
            let data = self.kite_quotes(&keys).await?;
            for (key, qk) in chunk {
                out.push(QuoteResult {
                    instrument: (*key).clone(),
                    quote: data.get(qk).map(mapping::quote_from_kite).ok_or_else(|| {
                        BrokerError::NotFound(format!("No quote data found for {key}"))
                    }),
                });
            }
        }
        Ok(out)
    }

    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        Ok(mapping::depth_from_kite(&self.one_quote(instrument).await?))
    }

    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        let interval = mapping::interval_to_kite(request.interval())
            .ok_or_else(|| self.unsupported("this history interval"))?;
        let record = self.instrument(request.instrument())?;
        let token = master::ticker_token(&record.token)
            .ok_or_else(|| BrokerError::Decode(format!("bad token {}", record.token)))?;
        let daily = request.interval() == Interval::Day;
        let window = if daily { 2000 } else { 60 };
        let mut candles = Vec::new();
        for (from, to) in crate::day_windows::day_windows(request.start(), request.end(), window) {
            let (from, to) = (format!("{from} 00:00:00"), format!("{to} 23:59:59"));
            let data: KiteCandles = self
                .http
                .get(
                    &format!("/instruments/historical/{token}/{interval}"),
                    &[("from", &from), ("to", &to), ("oi", "1")],
                )
                .await?;
            for row in &data.candles {
                candles.push(mapping::candle_from_row(row, daily)?);
            }
        }
        candles.sort_by_key(|c| c.timestamp);
        candles.dedup_by_key(|c| c.timestamp);
        Ok(candles)
    }

    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        Ok(self.download_master().await?.0)
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        let access = self
            .http
            .access_token()
            .ok_or_else(|| BrokerError::Auth("Zerodha session missing: log in again".into()))?;
        let symbols = self.symbols();
        let mut tokens = HashMap::new();
        for s in subscriptions {
            let record = symbols
                .get(s.instrument.symbol.as_str(), s.instrument.exchange)
                .ok_or_else(|| not_found(&s.instrument))?;
            let token = master::ticker_token(&record.token)
                .ok_or_else(|| BrokerError::Decode(format!("bad token {}", record.token)))?;
            let entry = tokens
                .entry(token)
                .or_insert_with(|| (s.instrument.clone(), s.mode));
            entry.1 = entry.1.max(s.mode);
        }
        stream::open(stream::TickerPlan {
            url: stream::TickerPlan::url(&self.config.ws_url, &self.config.api_key, &access),
            tokens,
            symbols,
            reconnect_initial: self.config.reconnect_initial,
            reconnect_max: self.config.reconnect_max,
        })
        .await
    }
}
