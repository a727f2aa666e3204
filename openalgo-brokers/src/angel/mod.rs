//! Angel One SmartAPI behind the [`Broker`] trait.
//!
//! Folder contract (see `docs/adding-a-broker.md`): [`config`] (key and hosts), [`auth`]
//! (client code + PIN + TOTP login, the session and its stored form), `http` (header set,
//! envelope, error classification), `models` (wire structs), [`mapping`] (vocabulary, bodies,
//! rows → core), [`master`] (`OpenAPIScripMaster.json` → OpenAlgo records), [`ticker`]
//! (SmartStream v2 packets), `stream` (the SmartStream connection with reconnect), `entry` (the
//! registry [`ENTRY`]), `session` ([`AngelLiveSession`], the registry's `LiveSession`), and with
//! `angel-mock` a local mock of SmartAPI.

pub mod auth;
pub mod config;
mod entry;
mod http;
pub mod mapping;
pub mod master;
#[cfg(feature = "angel-mock")]
pub mod mock;
mod models;
mod orders;
mod session;
mod stream;
pub mod ticker;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use openalgo_core::broker::{EventStream, LoginRequest, Session, Subscription};
use openalgo_core::{
    Broker, BrokerError, Candle, Capabilities, Depth, Exchange, Funds, HistoryRequest, Holding,
    Instrument, InstrumentKey, Interval, ModifyOrder, Order, OrderId, OrderRequest, Position,
    Quote, QuoteResult, SymbolTable, Trade,
};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::Value;

pub use auth::AngelSession;
pub use config::AngelConfig;
pub use entry::ENTRY;
pub use master::MasterReport;
pub use session::AngelLiveSession;
pub use stream::{angel_mode, stream_exchange_type};

use http::{AngelHttp, json_body};
use models::{
    AngelHoldings, AngelOrder, AngelPosition, AngelQuote, AngelQuotes, AngelRms, AngelTrade,
    OrderIdData,
};

/// SmartAPI paths.
pub mod paths {
    /// Place an order.
    pub const PLACE: &str = "/rest/secure/angelbroking/order/v1/placeOrder";
    /// Modify an order.
    pub const MODIFY: &str = "/rest/secure/angelbroking/order/v1/modifyOrder";
    /// Cancel an order.
    pub const CANCEL: &str = "/rest/secure/angelbroking/order/v1/cancelOrder";
    /// Order book.
    pub const ORDER_BOOK: &str = "/rest/secure/angelbroking/order/v1/getOrderBook";
    /// Trade book.
    pub const TRADE_BOOK: &str = "/rest/secure/angelbroking/order/v1/getTradeBook";
    /// Positions.
    pub const POSITIONS: &str = "/rest/secure/angelbroking/order/v1/getPosition";
    /// Holdings.
    pub const HOLDINGS: &str = "/rest/secure/angelbroking/portfolio/v1/getAllHolding";
    /// Funds (RMS limits).
    pub const RMS: &str = "/rest/secure/angelbroking/user/v1/getRMS";
    /// Market-data quotes (the reference keeps the trailing slash).
    pub const QUOTE: &str = "/rest/secure/angelbroking/market/v1/quote/";
    /// Candles.
    pub const CANDLES: &str = "/rest/secure/angelbroking/historical/v1/getCandleData";
    /// Open interest of F&O candles.
    pub const OI: &str = "/rest/secure/angelbroking/historical/v1/getOIData";
}

/// Most tokens per market-data `quote` request.
pub const QUOTE_BATCH: usize = 50;

/// The Angel One adapter: one SmartAPI key, one session, and the instrument master it trades by.
pub struct AngelBroker {
    config: AngelConfig,
    http: AngelHttp,
    symbols: RwLock<Arc<SymbolTable>>,
    caps: Capabilities,
}

impl std::fmt::Debug for AngelBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AngelBroker")
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

fn order_id(text: String) -> Result<OrderId, BrokerError> {
    OrderId::new(text).map_err(|e| BrokerError::Decode(e.to_string()))
}

impl AngelBroker {
    /// An adapter without a session or an instrument master yet.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: AngelConfig) -> Result<Self, BrokerError> {
        let http = AngelHttp::new(&config)?;
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
                    Exchange::Mcx,
                    Exchange::NseIndex,
                    Exchange::BseIndex,
                    Exchange::McxIndex,
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
    pub const fn config(&self) -> &AngelConfig {
        &self.config
    }

    /// Logs in with client code, PIN and TOTP and installs the session.
    ///
    /// # Errors
    /// [`BrokerError::Auth`] when SmartAPI refuses; other classes for transport failures.
    pub async fn login(
        &self,
        client_code: &str,
        pin: &SecretString,
        totp: &SecretString,
    ) -> Result<AngelSession, BrokerError> {
        let session = auth::login(&self.http, client_code, pin, totp).await?;
        self.http.set_session(Some(session.clone()));
        Ok(session)
    }

    /// Installs a stored session (`clientcode:jwt:feedtoken`, or a bare JWT).
    pub fn set_session(&self, token: &SecretString) {
        self.http.set_session(AngelSession::from_stored(token));
    }

    /// Forgets the session.
    pub fn clear_session(&self) {
        self.http.set_session(None);
    }

    /// Whether a session is installed.
    #[must_use]
    pub fn has_session(&self) -> bool {
        self.http.session().is_some()
    }

    /// The token to store for the session, if any.
    #[must_use]
    pub fn stored_token(&self) -> Option<SecretString> {
        self.http.session().map(|s| s.stored())
    }

    /// The instrument master in use.
    #[must_use]
    pub fn symbols(&self) -> Arc<SymbolTable> {
        Arc::clone(&self.symbols.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Uses `symbols` as the instrument master.
    pub fn set_symbols(&self, symbols: Arc<SymbolTable>) {
        *self.symbols.write().unwrap_or_else(PoisonError::into_inner) = symbols;
    }

    /// Downloads the instrument master JSON as served (to cache it).
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    pub async fn fetch_master_json(&self) -> Result<Vec<u8>, BrokerError> {
        Ok(self.http.get_public(&self.config.master_url).await?)
    }

    /// Parses an instrument master JSON, installs it and returns it with its report.
    ///
    /// # Errors
    /// [`BrokerError::Decode`] when the document is not the documented array.
    pub fn install_master_json(
        &self,
        json: &[u8],
    ) -> Result<(Arc<SymbolTable>, MasterReport), BrokerError> {
        let (records, report) = master::parse_master(json)?;
        let table = Arc::new(SymbolTable::new(records));
        self.set_symbols(Arc::clone(&table));
        Ok((table, report))
    }

    /// Downloads, installs and returns the instrument master with its report.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    pub async fn load_master(&self) -> Result<(Arc<SymbolTable>, MasterReport), BrokerError> {
        let json = self.fetch_master_json().await?;
        self.install_master_json(&json)
    }

    fn instrument(&self, key: &InstrumentKey) -> Result<Instrument, BrokerError> {
        self.symbols()
            .get(key.symbol.as_str(), key.exchange)
            .cloned()
            .ok_or_else(|| not_found(key))
    }

    /// One `quote` request (mode `FULL`) for up to [`QUOTE_BATCH`] instruments.
    async fn fetch_quotes(&self, records: &[&Instrument]) -> Result<Vec<AngelQuote>, BrokerError> {
        let mut by_exchange: serde_json::Map<String, Value> = serde_json::Map::new();
        for r in records {
            let list = by_exchange
                .entry(mapping::data_exchange(r).to_owned())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = list {
                a.push(Value::from(r.token.as_str()));
            }
        }
        let body = json_body(&[
            ("mode", "FULL".into()),
            ("exchangeTokens", Value::Object(by_exchange)),
        ]);
        let data: Option<AngelQuotes> = self.http.post(paths::QUOTE, body, true).await?;
        Ok(data.unwrap_or_default().fetched)
    }

    async fn one_quote(&self, key: &InstrumentKey) -> Result<AngelQuote, BrokerError> {
        let record = self.instrument(key)?;
        self.fetch_quotes(&[&record])
            .await?
            .into_iter()
            .find(|q| q.symbol_token == record.token.as_str())
            .ok_or_else(|| BrokerError::NotFound(format!("No quote data found for {key}")))
    }

    /// Open interest from `getOIData` (same body as the candles) merged into `candles` by
    /// timestamp. Best effort, as the reference: candles keep OI 0 when the call fails.
    async fn merge_oi(&self, body: String, daily: bool, candles: &mut [Candle]) {
        let rows: Result<Option<Vec<models::AngelOi>>, _> =
            self.http.post(paths::OI, body, true).await;
        let Ok(rows) = rows else {
            tracing::debug!("Angel One open-interest history unavailable");
            return;
        };
        let by_time: HashMap<i64, u64> = rows
            .unwrap_or_default()
            .iter()
            .filter_map(|r| Some((mapping::candle_time(&r.time, daily).ok()?, r.oi)))
            .collect();
        for c in candles {
            if let Some(oi) = by_time.get(&c.timestamp) {
                c.oi = *oi;
            }
        }
    }

    async fn angel_positions(&self) -> Result<Vec<AngelPosition>, BrokerError> {
        let rows: Option<Vec<AngelPosition>> = self.http.get(paths::POSITIONS).await?;
        Ok(rows.unwrap_or_default())
    }
}

#[async_trait]
impl Broker for AngelBroker {
    fn id(&self) -> &'static str {
        "angel"
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn authenticate(&self, request: &LoginRequest) -> Result<Session, BrokerError> {
        match request {
            LoginRequest::Credentials {
                client_code,
                pin,
                totp,
            } => {
                let s = self.login(client_code, pin, totp).await?;
                Ok(Session {
                    access_token: s.jwt,
                    feed_token: Some(s.feed_token),
                    user_id: Some(s.client_code),
                })
            }
            LoginRequest::AccessToken(token) => {
                let s = AngelSession::from_stored(token)
                    .ok_or_else(|| BrokerError::Auth("empty Angel One token".into()))?;
                self.http.set_session(Some(s.clone()));
                Ok(Session {
                    access_token: s.jwt,
                    feed_token: Some(s.feed_token),
                    user_id: Some(s.client_code).filter(|c| !c.is_empty()),
                })
            }
            LoginRequest::RedirectToken(_) => Err(self.unsupported("redirect login")),
        }
    }

    async fn place_order(&self, order: &OrderRequest) -> Result<OrderId, BrokerError> {
        let record = self.instrument(order.instrument())?;
        let body = mapping::place_body(order, &record);
        let data: OrderIdData = self.http.post(paths::PLACE, body, true).await?;
        order_id(data.orderid)
    }

    async fn modify_order(&self, modify: &ModifyOrder) -> Result<OrderId, BrokerError> {
        let record = self.instrument(modify.order().instrument())?;
        let body = mapping::modify_body(modify, &record);
        let data: OrderIdData = self.http.post(paths::MODIFY, body, true).await?;
        order_id(data.orderid)
    }

    async fn cancel_order(&self, order_id: &OrderId) -> Result<OrderId, BrokerError> {
        let _: Value = self
            .http
            .post(paths::CANCEL, mapping::cancel_body(order_id), true)
            .await?;
        Ok(order_id.clone())
    }

    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        let rows: Option<Vec<AngelOrder>> = self.http.get(paths::ORDER_BOOK).await?;
        let symbols = self.symbols();
        rows.unwrap_or_default()
            .into_iter()
            .map(|r| mapping::order_from_angel(&r, &symbols))
            .collect()
    }

    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        let rows: Option<Vec<AngelTrade>> = self.http.get(paths::TRADE_BOOK).await?;
        let symbols = self.symbols();
        let today = openalgo_core::clock::ist_from_ms(chrono::Utc::now().timestamp_millis()).date();
        rows.unwrap_or_default()
            .iter()
            .map(|r| mapping::trade_from_angel(r, &symbols, today))
            .collect()
    }

    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        let rows = self.angel_positions().await?;
        let symbols = self.symbols();
        rows.iter()
            .map(|r| mapping::position_from_angel(r, &symbols))
            .collect()
    }

    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        let data: Option<AngelHoldings> = self.http.get(paths::HOLDINGS).await?;
        let symbols = self.symbols();
        data.unwrap_or_default()
            .holdings
            .iter()
            .map(|r| mapping::holding_from_angel(r, &symbols))
            .collect()
    }

    /// Funds from `getRMS`; M2M from the positions (realised: closed rows' P&L, unrealised:
    /// open rows'). The reference's cash arithmetic (collateral = cash − payout, cash = cash +
    /// debits − that) is replaced by SmartAPI's own `availablecash` and `collateral`.
    async fn funds(&self) -> Result<Funds, BrokerError> {
        let rms: Option<AngelRms> = self.http.get(paths::RMS).await?;
        let rms = rms.unwrap_or_default();
        let positions = self.angel_positions().await.unwrap_or_default();
        let sum = |open: bool| -> Decimal {
            positions
                .iter()
                .filter(|p| (p.netqty != 0) == open)
                .map(|p| p.pnl)
                .sum()
        };
        Ok(Funds {
            available_cash: rms.availablecash,
            collateral: rms.collateral,
            m2m_unrealized: sum(true),
            m2m_realized: sum(false),
            utilised_debits: rms.utiliseddebits,
        })
    }

    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError> {
        Ok(mapping::quote_from_angel(
            &self.one_quote(instrument).await?,
        ))
    }

    async fn quotes(&self, instruments: &[InstrumentKey]) -> Result<Vec<QuoteResult>, BrokerError> {
        let symbols = self.symbols();
        let mut out = Vec::with_capacity(instruments.len());
        let mut known = Vec::new();
        for key in instruments {
            match symbols.get(key.symbol.as_str(), key.exchange) {
                Some(r) => known.push((key, r)),
                None => out.push(QuoteResult {
                    instrument: key.clone(),
                    quote: Err(not_found(key)),
                }),
            }
        }
        for chunk in known.chunks(QUOTE_BATCH) {
            let records: Vec<&Instrument> = chunk.iter().map(|(_, r)| *r).collect();
            let fetched = self.fetch_quotes(&records).await?;
            let by_key: HashMap<(&str, &str), &AngelQuote> = fetched
                .iter()
                .map(|q| ((q.exchange.as_str(), q.symbol_token.as_str()), q))
                .collect();
            for (key, record) in chunk {
                let k = (mapping::data_exchange(record), record.token.as_str());
                out.push(QuoteResult {
                    instrument: (*key).clone(),
                    quote: by_key
                        .get(&k)
                        .map(|q| mapping::quote_from_angel(q))
                        .ok_or_else(|| {
                            BrokerError::NotFound(format!("No quote data found for {key}"))
                        }),
                });
            }
        }
        Ok(out)
    }

    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        Ok(mapping::depth_from_angel(
            &self.one_quote(instrument).await?,
        ))
    }

    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        let (interval, window) = mapping::interval_to_angel(request.interval())
            .ok_or_else(|| self.unsupported("this history interval"))?;
        let record = self.instrument(request.instrument())?;
        let daily = request.interval() == Interval::Day;
        let derivative = matches!(
            record.exchange,
            Exchange::Nfo | Exchange::Bfo | Exchange::Cds | Exchange::Mcx
        );
        let now = openalgo_core::clock::ist_from_ms(chrono::Utc::now().timestamp_millis());
        let mut candles = Vec::new();
        for (i, (from, to)) in
            crate::day_windows::day_windows(request.start(), request.end(), window)
                .into_iter()
                .enumerate()
        {
            if i > 0 {
                tokio::time::sleep(self.config.history_pause).await;
            }
            // Today's window ends now (SmartAPI refuses a `todate` in the future).
            let until = if to == now.date() {
                now.format("%Y-%m-%d %H:%M").to_string()
            } else {
                format!("{to} 23:59")
            };
            let body = json_body(&[
                ("exchange", mapping::data_exchange(&record).into()),
                ("symboltoken", record.token.as_str().into()),
                ("interval", interval.into()),
                ("fromdate", format!("{from} 00:00").into()),
                ("todate", until.into()),
            ]);
            let rows: Option<Vec<Vec<Value>>> =
                self.http.post(paths::CANDLES, body.clone(), true).await?;
            let mut window: Vec<Candle> = rows
                .unwrap_or_default()
                .iter()
                .map(|row| mapping::candle_from_row(row, daily))
                .collect::<Result<_, _>>()?;
            if derivative && !window.is_empty() {
                self.merge_oi(body, daily, &mut window).await;
            }
            candles.append(&mut window);
        }
        candles.sort_by_key(|c| c.timestamp);
        candles.dedup_by_key(|c| c.timestamp);
        Ok(candles)
    }

    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        let json = self.fetch_master_json().await?;
        Ok(master::parse_master(&json)?.0)
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        let session = self
            .http
            .session()
            .ok_or_else(|| BrokerError::Auth("Angel One session missing: log in again".into()))?;
        let symbols = self.symbols();
        let mut tokens = HashMap::new();
        for s in subscriptions {
            let record = symbols
                .get(s.instrument.symbol.as_str(), s.instrument.exchange)
                .ok_or_else(|| not_found(&s.instrument))?;
            let et = stream_exchange_type(record.exchange)
                .ok_or_else(|| self.unsupported("streaming on this exchange"))?;
            let entry = tokens
                .entry((et, record.token.as_str().to_owned()))
                .or_insert_with(|| (s.instrument.clone(), s.mode));
            entry.1 = entry.1.max(s.mode);
        }
        stream::open(stream::StreamPlan {
            url: self.config.ws_url.clone(),
            order_url: self.config.order_ws_url.clone(),
            symbols: Arc::clone(&symbols),
            auth: stream::StreamAuth {
                jwt: session.jwt,
                api_key: self.config.api_key.clone(),
                client_code: session.client_code,
                feed_token: session.feed_token,
            },
            tokens,
            reconnect_initial: self.config.reconnect_initial,
            reconnect_max: self.config.reconnect_max,
            heartbeat: self.config.heartbeat,
        })
        .await
    }
}
