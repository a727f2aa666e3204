//! Dhan (DhanHQ v2) behind the [`Broker`] trait.
//!
//! Folder contract (see `docs/adding-a-broker.md`): [`config`] (client id, consent app, every
//! host), [`auth`] (consent flow, stored-token format), `http` (headers, JSON bodies, error
//! classification), `models` (wire structs), [`mapping`] (vocabulary, bodies, rows → core),
//! [`master`] (`api-scrip-master.csv` → OpenAlgo records), [`ticker`] (live feed packets),
//! [`stream`] (feed connection with reconnect), [`order_updates`] (the order-update socket), `entry` (the registry [`ENTRY`]), `session`
//! ([`DhanSession`], the registry's `LiveSession`), and with `dhan-mock` a local mock of
//! DhanHQ.

pub mod auth;
pub mod config;
mod entry;
mod http;
pub mod mapping;
pub mod master;
#[cfg(feature = "dhan-mock")]
pub mod mock;
mod models;
pub mod order_updates;
mod session;
pub mod stream;
pub mod ticker;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use chrono::Days;
use openalgo_core::broker::{EventStream, LoginRequest, OrderTag, Session, Subscription};
use openalgo_core::{
    Broker, BrokerError, Candle, Capabilities, Depth, Exchange, Funds, HistoryRequest, Holding,
    Instrument, InstrumentKey, Interval, ModifyOrder, Order, OrderId, OrderRequest, Position,
    Quote, QuoteResult, SymbolTable, Trade,
};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

pub use config::DhanConfig;
pub use entry::ENTRY;
pub use master::MasterReport;
pub use session::DhanSession;

use http::{DhanHttp, HttpError};
use models::{
    DataEnvelope, DhanCandles, DhanFunds, DhanHolding, DhanOrder, DhanPosition, DhanQuote,
    DhanTrade, OrderAck, QuoteData,
};

/// Most instruments per `POST /marketfeed/quote` (the reference's batch).
pub const QUOTE_BATCH: usize = 1000;
/// Days per intraday chart request (Dhan's window, as the reference chunks it).
pub const INTRADAY_WINDOW_DAYS: u64 = 90;
/// Days per daily chart request.
pub const DAILY_WINDOW_DAYS: u64 = 3650;

/// The Dhan adapter: one client id, one session, and the instrument master it trades by.
pub struct DhanBroker {
    config: DhanConfig,
    http: DhanHttp,
    symbols: RwLock<Arc<SymbolTable>>,
    caps: Capabilities,
}

impl std::fmt::Debug for DhanBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DhanBroker")
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

impl DhanBroker {
    /// An adapter without a session or an instrument master yet.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: DhanConfig) -> Result<Self, BrokerError> {
        let http = DhanHttp::new(&config)?;
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
                    Exchange::NseIndex,
                    Exchange::BseIndex,
                ],
                intervals: mapping::INTERVALS.to_vec(),
                depth_levels: vec![5],
                streaming: true,
                margin_calculator: false,
            },
        })
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &DhanConfig {
        &self.config
    }

    /// The client id in use (the configured one, or the one of the last login).
    #[must_use]
    pub fn client_id(&self) -> String {
        self.http.client_id()
    }

    /// Installs a session: a stored `<client id>:::<access token>` or a bare access token.
    pub fn set_session(&self, token: &SecretString) {
        let (client_id, access) = auth::split_stored(token);
        if let Some(id) = client_id {
            self.http.set_client_id(&id);
        }
        self.http.set_access_token(Some(access));
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

    /// The token to store for the session (`<client id>:::<access token>`), if any.
    #[must_use]
    pub fn stored_token(&self) -> Option<SecretString> {
        self.http
            .access_token()
            .map(|t| auth::stored_token(&self.http.client_id(), &t))
    }

    /// Logs in with a ready access token (and the client id it belongs to, when given), checked
    /// with `GET /fundlimit` as the reference does; a refused token leaves no session.
    ///
    /// # Errors
    /// [`BrokerError::Auth`] for an empty or refused token; transport errors.
    pub async fn login_with_token(
        &self,
        client_id: Option<&str>,
        access_token: &SecretString,
    ) -> Result<(), BrokerError> {
        if access_token.expose_secret().trim().is_empty() {
            return Err(BrokerError::Auth("access token is missing".into()));
        }
        if let Some(id) = client_id.filter(|id| !id.trim().is_empty()) {
            self.http.set_client_id(id.trim());
        }
        self.http.set_access_token(Some(SecretString::from(
            access_token.expose_secret().trim().to_owned(),
        )));
        if let Err(e) = self.http.get::<DhanFunds>("/fundlimit").await {
            self.clear_session();
            return Err(match BrokerError::from(e) {
                BrokerError::Rejected { message, .. } => BrokerError::Auth(message),
                other => other,
            });
        }
        Ok(())
    }

    /// Starts the consent login: the browser page to open.
    ///
    /// # Errors
    /// [`BrokerError::Auth`] without a consent app or when Dhan refuses it.
    pub async fn consent_login_url(&self) -> Result<String, BrokerError> {
        auth::consent_login_url(&self.http, &self.config).await
    }

    /// Completes the consent login with the redirect's `tokenId`.
    ///
    /// # Errors
    /// [`BrokerError::Auth`] for a refused token id.
    pub async fn login_with_consent(&self, token_id: &SecretString) -> Result<(), BrokerError> {
        let (access, client_id) = auth::consume_consent(&self.http, &self.config, token_id).await?;
        self.login_with_token(client_id.as_deref(), &access).await
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

    /// Downloads the instrument master, installs it and returns it with its report.
    ///
    /// # Errors
    /// Classified [`BrokerError`].
    pub async fn load_master(&self) -> Result<(Arc<SymbolTable>, MasterReport), BrokerError> {
        let csv = self.fetch_master_csv().await?;
        self.install_master_csv(&csv)
    }

    /// Downloads the instrument master CSV as Dhan serves it (to cache it).
    ///
    /// # Errors
    /// Classified [`BrokerError`]; [`BrokerError::Decode`] when it is not UTF-8.
    pub async fn fetch_master_csv(&self) -> Result<String, BrokerError> {
        let bytes = self.http.get_public(&self.config.master_url).await?;
        String::from_utf8(bytes)
            .map_err(|_| BrokerError::Decode("the instrument master is not UTF-8".into()))
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

    fn instrument(&self, key: &InstrumentKey) -> Result<Instrument, BrokerError> {
        self.symbols()
            .get(key.symbol.as_str(), key.exchange)
            .cloned()
            .ok_or_else(|| not_found(key))
    }

    async fn place(
        &self,
        order: &OrderRequest,
        tag: Option<&OrderTag>,
    ) -> Result<OrderId, BrokerError> {
        let record = self.instrument(order.instrument())?;
        let body =
            mapping::place_body(order, &record, &self.client_id(), tag.map(OrderTag::as_str))?;
        let ack: OrderAck = self.http.post("/orders", &body).await?;
        order_id(ack.order_id)
    }

    /// `POST /marketfeed/{kind}` for records, in batches of [`QUOTE_BATCH`]: segment → id → value.
    async fn market_feed<T: serde::de::DeserializeOwned>(
        &self,
        kind: &str,
        records: &[&Instrument],
    ) -> Result<HashMap<String, HashMap<String, T>>, BrokerError> {
        let mut out: HashMap<String, HashMap<String, T>> = HashMap::new();
        for chunk in records.chunks(QUOTE_BATCH) {
            let mut body: HashMap<&str, Vec<u64>> = HashMap::new();
            for r in chunk {
                let id = r
                    .token
                    .as_str()
                    .parse()
                    .map_err(|_| BrokerError::Decode(format!("bad security id {}", r.token)))?;
                body.entry(r.broker_exchange.as_str()).or_default().push(id);
            }
            let data: DataEnvelope<HashMap<String, HashMap<String, T>>> = self
                .http
                .post(&format!("/marketfeed/{kind}"), &body)
                .await?;
            for (seg, values) in data.data {
                out.entry(seg).or_default().extend(values);
            }
        }
        Ok(out)
    }

    async fn one_quote(&self, key: &InstrumentKey) -> Result<DhanQuote, BrokerError> {
        let record = self.instrument(key)?;
        let mut data: QuoteData = self.market_feed("quote", &[&record]).await?;
        data.get_mut(record.broker_exchange.as_str())
            .and_then(|m| m.remove(record.token.as_str()))
            .ok_or_else(|| BrokerError::NotFound(format!("No quote data found for {key}")))
    }

    /// Last prices of (segment, security id) pairs from one `/marketfeed/ltp` call; empty on
    /// failure (books still answer without live prices).
    async fn ltps(&self, keys: &[(String, String)]) -> HashMap<(String, String), Decimal> {
        #[derive(serde::Deserialize)]
        struct Ltp {
            #[serde(with = "models::nullable_decimal")]
            last_price: Decimal,
        }
        let symbols = self.symbols();
        let records: Vec<&Instrument> = keys
            .iter()
            .filter_map(|(seg, id)| {
                mapping::exchanges_of_segment(seg)
                    .iter()
                    .find_map(|ex| symbols.by_token(id, *ex))
            })
            .collect();
        if records.is_empty() {
            return HashMap::new();
        }
        let data: HashMap<String, HashMap<String, Ltp>> =
            self.market_feed("ltp", &records).await.unwrap_or_default();
        data.into_iter()
            .flat_map(|(seg, m)| {
                m.into_iter()
                    .map(move |(id, l)| ((seg.clone(), id), l.last_price))
            })
            .collect()
    }

    async fn dhan_positions(&self) -> Result<Vec<DhanPosition>, BrokerError> {
        Ok(self.http.get("/positions").await?)
    }
}

#[async_trait]
impl Broker for DhanBroker {
    fn id(&self) -> &'static str {
        "dhan"
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    async fn authenticate(&self, request: &LoginRequest) -> Result<Session, BrokerError> {
        match request {
            LoginRequest::RedirectToken(token_id) => self.login_with_consent(token_id).await?,
            LoginRequest::AccessToken(token) => {
                let (client_id, access) = auth::split_stored(token);
                self.login_with_token(client_id.as_deref(), &access).await?;
            }
            LoginRequest::Credentials { .. } => return Err(self.unsupported("credential login")),
        }
        let access = self
            .http
            .access_token()
            .ok_or_else(|| BrokerError::Auth("no session after the login".into()))?;
        Ok(Session {
            access_token: access,
            feed_token: None,
            user_id: Some(self.client_id()),
        })
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
        let rows: Vec<DhanOrder> = self.http.get("/orders").await?;
        rows.into_iter()
            .find(|r| r.correlation_id.as_deref() == Some(tag.as_str()))
            .map(|r| order_id(r.order_id))
            .transpose()
    }

    async fn modify_order(&self, modify: &ModifyOrder) -> Result<OrderId, BrokerError> {
        let record = self.instrument(modify.order().instrument())?;
        let body = mapping::modify_body(modify, &record, &self.client_id())?;
        let ack: OrderAck = self
            .http
            .put(&format!("/orders/{}", modify.order_id()), &body)
            .await?;
        order_id(ack.order_id)
    }

    async fn cancel_order(&self, id: &OrderId) -> Result<OrderId, BrokerError> {
        let ack: OrderAck = self.http.delete(&format!("/orders/{id}")).await?;
        order_id(ack.order_id)
    }

    async fn order_book(&self) -> Result<Vec<Order>, BrokerError> {
        let rows: Vec<DhanOrder> = self.http.get("/orders").await?;
        let symbols = self.symbols();
        rows.into_iter()
            .map(|r| mapping::order_from_dhan(r, &symbols))
            .collect()
    }

    async fn trade_book(&self) -> Result<Vec<Trade>, BrokerError> {
        let rows: Vec<DhanTrade> = self.http.get("/trades").await?;
        let symbols = self.symbols();
        rows.iter()
            .map(|r| mapping::trade_from_dhan(r, &symbols))
            .collect()
    }

    async fn positions(&self) -> Result<Vec<Position>, BrokerError> {
        let rows = self.dhan_positions().await?;
        let keys: Vec<(String, String)> = rows
            .iter()
            .filter(|r| r.net_qty != 0)
            .map(|r| (r.exchange_segment.clone(), r.security_id.clone()))
            .collect();
        let ltps = self.ltps(&keys).await;
        let symbols = self.symbols();
        rows.iter()
            .map(|r| {
                let ltp = ltps
                    .get(&(r.exchange_segment.clone(), r.security_id.clone()))
                    .copied();
                mapping::position_from_dhan(r, &symbols, ltp)
            })
            .collect()
    }

    async fn holdings(&self) -> Result<Vec<Holding>, BrokerError> {
        let rows: Vec<DhanHolding> = match self.http.get("/holdings").await {
            Ok(rows) => rows,
            // No holdings: Dhan answers an error envelope (`DHOLDING_ERROR` / `DH-1111`).
            Err(HttpError::Api { code: Some(c), .. })
                if c == "DHOLDING_ERROR" || c == "DH-1111" =>
            {
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        let symbols = self.symbols();
        let keys: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                let seg = if symbols.by_token(&r.security_id, Exchange::Nse).is_some() {
                    "NSE_EQ"
                } else {
                    "BSE_EQ"
                };
                (seg.to_owned(), r.security_id.clone())
            })
            .collect();
        let ltps = self.ltps(&keys).await;
        rows.iter()
            .zip(&keys)
            .map(|(r, k)| mapping::holding_from_dhan(r, &symbols, ltps.get(k).copied()))
            .collect()
    }

    async fn funds(&self) -> Result<Funds, BrokerError> {
        let f: DhanFunds = self.http.get("/fundlimit").await?;
        let (realized, unrealized) = match self.dhan_positions().await {
            Ok(rows) => rows
                .iter()
                .fold((Decimal::ZERO, Decimal::ZERO), |(r, u), p| {
                    (r + p.realized_profit, u + p.unrealized_profit)
                }),
            Err(_) => (Decimal::ZERO, Decimal::ZERO),
        };
        Ok(Funds {
            available_cash: f.available_balance - f.collateral_amount,
            collateral: f.collateral_amount,
            m2m_unrealized: unrealized,
            m2m_realized: realized,
            utilised_debits: f.utilized_amount,
        })
    }

    async fn quote(&self, instrument: &InstrumentKey) -> Result<Quote, BrokerError> {
        Ok(mapping::quote_from_dhan(&self.one_quote(instrument).await?))
    }

    async fn quotes(&self, instruments: &[InstrumentKey]) -> Result<Vec<QuoteResult>, BrokerError> {
        let symbols = self.symbols();
        let records: Vec<Option<&Instrument>> = instruments
            .iter()
            .map(|k| symbols.get(k.symbol.as_str(), k.exchange))
            .collect();
        let known: Vec<&Instrument> = records.iter().flatten().copied().collect();
        let mut data: QuoteData = if known.is_empty() {
            HashMap::new()
        } else {
            self.market_feed("quote", &known).await?
        };
        Ok(instruments
            .iter()
            .zip(records)
            .map(|(key, record)| QuoteResult {
                instrument: key.clone(),
                quote: record.ok_or_else(|| not_found(key)).and_then(|r| {
                    data.get_mut(r.broker_exchange.as_str())
                        .and_then(|m| m.remove(r.token.as_str()))
                        .map(|q| mapping::quote_from_dhan(&q))
                        .ok_or_else(|| {
                            BrokerError::NotFound(format!("No quote data found for {key}"))
                        })
                }),
            })
            .collect())
    }

    async fn depth(&self, instrument: &InstrumentKey) -> Result<Depth, BrokerError> {
        Ok(mapping::depth_from_dhan(&self.one_quote(instrument).await?))
    }

    async fn history(&self, request: &HistoryRequest) -> Result<Vec<Candle>, BrokerError> {
        let interval = request.interval();
        let code = mapping::interval_to_dhan(interval)
            .ok_or_else(|| self.unsupported("this history interval"))?;
        let record = self.instrument(request.instrument())?;
        let daily = interval == Interval::Day;
        let (path, days) = if daily {
            ("/charts/historical", DAILY_WINDOW_DAYS)
        } else {
            ("/charts/intraday", INTRADAY_WINDOW_DAYS)
        };
        let mut candles = Vec::new();
        for (from, to) in crate::day_windows::day_windows(request.start(), request.end(), days) {
            // `toDate` is exclusive.
            let until = to.checked_add_days(Days::new(1)).unwrap_or(to);
            let mut body = json!({
                "securityId": record.token.as_str(),
                "exchangeSegment": record.broker_exchange,
                "instrument": mapping::chart_instrument(&record),
                "oi": true,
                "fromDate": from.to_string(),
                "toDate": until.to_string(),
            });
            if let Value::Object(map) = &mut body {
                if daily {
                    map.insert("expiryCode".into(), json!(0));
                } else {
                    map.insert("interval".into(), json!(code));
                }
            }
            let data: DhanCandles = self.http.post(path, &body).await?;
            candles.extend(mapping::candles_from_dhan(&data, daily)?);
        }
        // Only the asked IST days, each candle once, in time order.
        let ist_day =
            |ts: i64| chrono::DateTime::from_timestamp(ts + 19_800, 0).map(|d| d.date_naive());
        candles.retain(|c| {
            let day = if daily {
                chrono::DateTime::from_timestamp(c.timestamp, 0).map(|d| d.date_naive())
            } else {
                ist_day(c.timestamp)
            };
            day.is_some_and(|d| d >= request.start() && d <= request.end())
        });
        candles.sort_by_key(|c| c.timestamp);
        candles.dedup_by_key(|c| c.timestamp);
        Ok(candles)
    }

    async fn master_contract(&self) -> Result<Vec<Instrument>, BrokerError> {
        let csv = self.fetch_master_csv().await?;
        Ok(master::parse_instruments(&csv)?.0)
    }

    async fn subscribe(&self, subscriptions: &[Subscription]) -> Result<EventStream, BrokerError> {
        let access = self
            .http
            .access_token()
            .ok_or_else(|| BrokerError::Auth("Dhan session missing: log in again".into()))?;
        let symbols = self.symbols();
        let mut instruments = HashMap::new();
        for s in subscriptions {
            let record = symbols
                .get(s.instrument.symbol.as_str(), s.instrument.exchange)
                .ok_or_else(|| not_found(&s.instrument))?;
            let segment = mapping::feed_code(&record.broker_exchange).ok_or_else(|| {
                BrokerError::Decode(format!("bad segment {}", record.broker_exchange))
            })?;
            let id: u32 =
                record.token.as_str().parse().map_err(|_| {
                    BrokerError::Decode(format!("bad security id {}", record.token))
                })?;
            let entry = instruments
                .entry((segment, id))
                .or_insert_with(|| (s.instrument.clone(), s.mode));
            entry.1 = entry.1.max(s.mode);
        }
        let orders = order_updates::OrderPlan {
            url: stream::with_path(&self.config.order_ws_url),
            login: order_updates::login_message(&self.client_id(), &access),
            symbols: Arc::clone(&symbols),
            reconnect_initial: self.config.reconnect_initial,
            reconnect_max: self.config.reconnect_max,
        };
        stream::open(
            stream::FeedPlan {
                url: stream::FeedPlan::url(&self.config.ws_url, &access, &self.client_id()),
                instruments,
                reconnect_initial: self.config.reconnect_initial,
                reconnect_max: self.config.reconnect_max,
            },
            orders,
        )
        .await
    }
}
