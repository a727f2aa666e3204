//! The endpoint table: one declaration per `/api/v1` endpoint — path, method, handler,
//! validation format, rate class, order-call and analyzer rules, request fields, tag,
//! summary, 200 body and error statuses. Routing, validation, the rate limiter's classes and
//! the OpenAPI document are all derived from it.

use actix_web::http::Method as HttpMethod;
use actix_web::web;
use serde_json::{Map, Value};

use super::requests as rq;
use super::responses as rs;
use super::{
    account, calendar, compound, extended, gtt, margin, market, option_orders, options, orders,
    risk, symbols,
};
use crate::error::ApiError;
use crate::security::rate_limit::RateClass;
use crate::validation::fields::Field;
use crate::validation::{Format, Valid, object, validate};

/// How a request reaches the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// A JSON body.
    Post,
    /// Query parameters.
    Get,
}

/// Which error bodies carry `"mode": "analyze"` while analyzer mode is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnalyzeErrors {
    /// None: the endpoint is not tied to the account.
    Never,
    /// Failures of the account (the broker or the order rules), not validation or the key.
    Account,
    /// Every error.
    All,
}

/// Endpoints whose unknown keys are dropped instead of refused.
const DROPS_UNKNOWN: &[&str] = &["placegttorder", "modifygttorder"];

/// The error statuses an endpoint answers besides 400, 403, 405, 429 and 500.
const BROKER: &[u16] = &[404, 501, 502];
const NONE: &[u16] = &[];

/// One `/api/v1` endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint {
    /// Path under `/api/v1/` (a `{name}` segment is a path parameter).
    pub(crate) path: &'static str,
    /// GET (query) or POST (JSON body).
    pub(crate) method: Method,
    /// Validation error body format.
    pub(crate) format: Format,
    /// Rate limit class.
    pub(crate) rate: RateClass,
    /// Whether the call is logged in the order log and honours `Idempotency-Key`.
    pub(crate) order_call: bool,
    /// The analyzer marker on error bodies.
    pub(crate) analyze: AnalyzeErrors,
    /// Whether the API key is verified (the market calendar only needs one present).
    pub(crate) checks_key: bool,
    /// Request fields in declaration order.
    pub(crate) fields: &'static [Field],
    /// Query parameters named differently on the wire: (wire name, field name).
    pub(crate) aliases: &'static [(&'static str, &'static str)],
    /// Documentation group.
    pub(crate) tag: &'static str,
    /// One-line summary.
    pub(crate) summary: &'static str,
    /// The 200 body schema.
    pub(crate) ok: fn() -> Value,
    /// Error statuses beyond the common ones (400, 403, 405, 429, 500).
    pub(crate) errors: &'static [u16],
}

impl Endpoint {
    /// Validates a JSON body.
    ///
    /// # Errors
    /// 400 in the endpoint's format.
    pub(crate) fn validate(&self, body: &[u8]) -> Result<Valid, ApiError> {
        let mut input = object(body, self.format)?;
        if self.drops_unknown() {
            input.retain(|k, _| self.fields.iter().any(|f| f.name == k));
        }
        validate(self.fields, input, self.format)
    }

    /// Whether unknown keys are dropped rather than refused (the reference's GTT place and
    /// modify schemas exclude them).
    pub(crate) fn drops_unknown(&self) -> bool {
        DROPS_UNKNOWN.contains(&self.path)
    }

    /// Validates query parameters (wire aliases renamed first).
    ///
    /// # Errors
    /// 400 in the endpoint's format.
    pub(crate) fn validate_query(&self, mut query: Map<String, Value>) -> Result<Valid, ApiError> {
        for (wire, name) in self.aliases {
            if let Some(v) = query.remove(*wire) {
                query.insert((*name).to_owned(), v);
            }
        }
        validate(self.fields, query, self.format)
    }

    fn http_method(&self) -> HttpMethod {
        match self.method {
            Method::Post => HttpMethod::POST,
            Method::Get => HttpMethod::GET,
        }
    }

    fn http_method_name(&self) -> &'static str {
        match self.method {
            Method::Post => "POST",
            Method::Get => "GET",
        }
    }

    /// The registered patterns: with and without the trailing slash.
    fn patterns(&self) -> [String; 2] {
        [format!("/{}", self.path), format!("/{}/", self.path)]
    }
}

/// Declares the endpoints: each `NAME => handler { fields }` is a constant, an entry of
/// [`ENDPOINTS`] and a route.
macro_rules! endpoints {
    ($($id:ident => $handler:path { $($field:ident: $value:expr),+ $(,)? })+) => {
        $(
            #[doc = concat!("The `", stringify!($id), "` endpoint.")]
            pub(crate) const $id: Endpoint = Endpoint { $($field: $value),+ };
        )+

        /// Every endpoint, in documentation order.
        pub(crate) const ENDPOINTS: &[Endpoint] = &[$($id),+];

        /// Registers every endpoint; a wrong method gets the reference's 405 body.
        pub(super) fn configure(cfg: &mut web::ServiceConfig) {
            $(
                // One static pattern per resource: static paths match by comparison.
                for path in $id.patterns() {
                    cfg.service(
                        web::resource(path)
                            .route(web::route().method($id.http_method()).to($handler))
                            .default_service(web::to(move || {
                                super::method_not_allowed($id.http_method_name())
                            })),
                    );
                }
            )+
        }
    };
}

use AnalyzeErrors::{Account, All, Never};
use Format::{Object as F2, Stringified as F1};
const F3: Format = Format::F3;
const F4: Format = Format::F4;
use Method::{Get, Post};
use RateClass::{Api, Greeks, Order, SmartOrder};

endpoints! {
    PLACEORDER => orders::placeorder {
        path: "placeorder", method: Post, format: F1, rate: Order, order_call: true,
        analyze: Account, checks_key: true, fields: rq::PLACE_ORDER, aliases: &[],
        tag: "Orders", summary: "Place an order", ok: rs::order_id, errors: BROKER,
    }
    PLACESMARTORDER => compound::placesmartorder {
        path: "placesmartorder", method: Post, format: F1, rate: SmartOrder, order_call: true,
        analyze: All, checks_key: true, fields: rq::PLACE_SMART_ORDER, aliases: &[],
        tag: "Orders", summary: "Place an order that brings the position to a target size",
        ok: rs::smart_order, errors: BROKER,
    }
    BASKETORDER => compound::basketorder {
        path: "basketorder", method: Post, format: F1, rate: Api, order_call: true,
        analyze: All, checks_key: true, fields: rq::BASKET_ORDER, aliases: &[],
        tag: "Orders", summary: "Place several orders at once", ok: rs::basket_order,
        errors: BROKER,
    }
    SPLITORDER => compound::splitorder {
        path: "splitorder", method: Post, format: F1, rate: Api, order_call: true,
        analyze: All, checks_key: true, fields: rq::SPLIT_ORDER, aliases: &[],
        tag: "Orders", summary: "Split a large order into orders of at most splitsize",
        ok: rs::split_order, errors: BROKER,
    }
    OPTIONSORDER => option_orders::optionsorder {
        path: "optionsorder", method: Post, format: F3, rate: Order, order_call: true,
        analyze: Account, checks_key: true, fields: rq::OPTIONS_ORDER, aliases: &[],
        tag: "Options", summary: "Resolve an option by offset from ATM and place (or split) an order",
        ok: rs::options_order, errors: &[404, 501, 502],
    }
    OPTIONSMULTIORDER => option_orders::optionsmultiorder {
        path: "optionsmultiorder", method: Post, format: F3, rate: Order, order_call: true,
        analyze: Account, checks_key: true, fields: rq::OPTIONS_MULTI_ORDER, aliases: &[],
        tag: "Options", summary: "Place option legs on one underlying, BUY legs first",
        ok: rs::options_multi_order, errors: &[404, 501, 502],
    }
    MODIFYORDER => orders::modifyorder {
        path: "modifyorder", method: Post, format: F1, rate: Order, order_call: true,
        analyze: All, checks_key: true, fields: rq::MODIFY_ORDER, aliases: &[],
        tag: "Orders", summary: "Modify an open order", ok: rs::order_id, errors: BROKER,
    }
    CANCELORDER => orders::cancelorder {
        path: "cancelorder", method: Post, format: F1, rate: Order, order_call: true,
        analyze: All, checks_key: true, fields: rq::ORDER_REF, aliases: &[],
        tag: "Orders", summary: "Cancel an open order", ok: rs::order_id, errors: BROKER,
    }
    CANCELALLORDER => compound::cancelallorder {
        path: "cancelallorder", method: Post, format: F1, rate: Api, order_call: true,
        analyze: All, checks_key: true, fields: rq::STRATEGY_ONLY, aliases: &[],
        tag: "Orders", summary: "Cancel every open order of the account", ok: rs::cancel_all,
        errors: BROKER,
    }
    CLOSEPOSITION => compound::closeposition {
        path: "closeposition", method: Post, format: F1, rate: Api, order_call: true,
        analyze: All, checks_key: true, fields: rq::STRATEGY_ONLY, aliases: &[],
        tag: "Orders", summary: "Close every open position", ok: rs::message, errors: BROKER,
    }
    ORDERSTATUS => orders::orderstatus {
        path: "orderstatus", method: Post, format: F1, rate: Api, order_call: false,
        analyze: All, checks_key: true, fields: rq::ORDER_REF, aliases: &[],
        tag: "Orders", summary: "One order's current state", ok: rs::order_status,
        errors: BROKER,
    }
    PLACEGTTORDER => gtt::placegttorder {
        path: "placegttorder", method: Post, format: F1, rate: Order, order_call: true,
        analyze: All, checks_key: true, fields: rq::PLACE_GTT, aliases: &[],
        tag: "GTT", summary: "Place a good-till-triggered order (single trigger or OCO)",
        ok: rs::trigger_id, errors: BROKER,
    }
    MODIFYGTTORDER => gtt::modifygttorder {
        path: "modifygttorder", method: Post, format: F1, rate: Order, order_call: true,
        analyze: All, checks_key: true, fields: rq::MODIFY_GTT, aliases: &[],
        tag: "GTT", summary: "Replace an active GTT's quantity, prices and triggers",
        ok: rs::trigger_id, errors: BROKER,
    }
    CANCELGTTORDER => gtt::cancelgttorder {
        path: "cancelgttorder", method: Post, format: F1, rate: Order, order_call: true,
        analyze: All, checks_key: true, fields: rq::GTT_REF, aliases: &[],
        tag: "GTT", summary: "Cancel an active GTT", ok: rs::trigger_id, errors: BROKER,
    }
    GTTORDERBOOK => gtt::gttorderbook {
        path: "gttorderbook", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Account, checks_key: true, fields: rq::GTT_BOOK, aliases: &[],
        tag: "GTT", summary: "The GTTs (active ones by default)", ok: rs::gtt_book,
        errors: BROKER,
    }
    OPENPOSITION => compound::openposition {
        path: "openposition", method: Post, format: F1, rate: Api, order_call: false,
        analyze: All, checks_key: true, fields: rq::OPEN_POSITION, aliases: &[],
        tag: "Orders", summary: "The net quantity held in one instrument",
        ok: rs::open_position, errors: BROKER,
    }
    FUNDS => account::funds {
        path: "funds", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Account, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Account", summary: "Cash, collateral, M2M and used margin", ok: rs::funds,
        errors: BROKER,
    }
    ORDERBOOK => account::orderbook {
        path: "orderbook", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Account, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Account", summary: "Today's orders with statistics", ok: rs::order_book,
        errors: BROKER,
    }
    TRADEBOOK => account::tradebook {
        path: "tradebook", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Account, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Account", summary: "Today's trades", ok: rs::rows, errors: BROKER,
    }
    POSITIONBOOK => account::positionbook {
        path: "positionbook", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Account, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Account", summary: "Open and closed positions of the day", ok: rs::rows,
        errors: BROKER,
    }
    HOLDINGS => account::holdings {
        path: "holdings", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Account, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Account", summary: "Delivery holdings with P&L", ok: rs::holdings,
        errors: BROKER,
    }
    MARGIN => margin::margin {
        path: "margin", method: Post, format: F1, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::MARGIN, aliases: &[],
        tag: "Account", summary: "Margin required for a set of positions", ok: rs::margin,
        errors: BROKER,
    }
    PNL_SYMBOLS => extended::pnl_symbols {
        path: "pnl/symbols", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Account", summary: "Per-symbol P&L of the analyzer account",
        ok: rs::pnl_symbols, errors: BROKER,
    }
    QUOTES => market::quotes {
        path: "quotes", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::SYMBOL_REQUEST, aliases: &[],
        tag: "Market data", summary: "Quote of one instrument", ok: rs::data_object,
        errors: BROKER,
    }
    MULTIQUOTES => extended::multiquotes {
        path: "multiquotes", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::MULTIQUOTES, aliases: &[],
        tag: "Market data", summary: "Quotes of several instruments", ok: rs::multiquotes,
        errors: BROKER,
    }
    DEPTH => market::depth {
        path: "depth", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::SYMBOL_REQUEST, aliases: &[],
        tag: "Market data", summary: "Five-level market depth", ok: rs::data_object,
        errors: BROKER,
    }
    HISTORY => market::history {
        path: "history", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::HISTORY, aliases: &[],
        tag: "Market data", summary: "Historical candles", ok: rs::rows, errors: BROKER,
    }
    INTERVALS => market::intervals {
        path: "intervals", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Market data", summary: "Candle intervals the broker supports",
        ok: rs::data_object, errors: NONE,
    }
    SYMBOL => symbols::symbol {
        path: "symbol", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::SYMBOL_REQUEST, aliases: &[],
        tag: "Symbols", summary: "One instrument of the master contract", ok: rs::data_object,
        errors: &[404],
    }
    SEARCH => symbols::search {
        path: "search", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::SEARCH, aliases: &[],
        tag: "Symbols", summary: "Search the master contract", ok: rs::found, errors: NONE,
    }
    EXPIRY => symbols::expiry {
        path: "expiry", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::EXPIRY, aliases: &[],
        tag: "Symbols", summary: "Expiry dates of an underlying's futures or options",
        ok: rs::expiry, errors: NONE,
    }
    OPTIONSYMBOL => options::optionsymbol {
        path: "optionsymbol", method: Post, format: F3, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::OPTION_SYMBOL, aliases: &[],
        tag: "Options", summary: "The option contract at an offset from ATM",
        ok: rs::option_symbol, errors: BROKER,
    }
    OPTIONCHAIN => options::optionchain {
        path: "optionchain", method: Post, format: F3, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::OPTION_CHAIN, aliases: &[],
        tag: "Options", summary: "Strikes around ATM with quotes (and IV and Greeks)",
        ok: rs::option_chain, errors: BROKER,
    }
    OPTIONGREEKS => options::optiongreeks {
        path: "optiongreeks", method: Post, format: F4, rate: Greeks, order_call: false,
        analyze: Never, checks_key: true, fields: rq::OPTION_GREEKS, aliases: &[],
        tag: "Options", summary: "Implied volatility and Greeks of one option (Black-76)",
        ok: rs::option_greeks, errors: &[401, 404, 501, 502],
    }
    MULTIOPTIONGREEKS => options::multioptiongreeks {
        path: "multioptiongreeks", method: Post, format: F4, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::MULTI_OPTION_GREEKS, aliases: &[],
        tag: "Options", summary: "Implied volatility and Greeks of up to 50 options",
        ok: rs::multi_option_greeks, errors: &[401],
    }
    SYNTHETICFUTURE => options::syntheticfuture {
        path: "syntheticfuture", method: Post, format: F3, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::SYNTHETIC_FUTURE, aliases: &[],
        tag: "Options", summary: "ATM strike + call − put for an expiry",
        ok: rs::synthetic_future, errors: BROKER,
    }
    HOLIDAYS => calendar::holidays {
        path: "market/holidays", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: false, fields: rq::HOLIDAYS, aliases: &[],
        tag: "Market calendar", summary: "Holidays and special sessions of a year",
        ok: rs::holidays, errors: NONE,
    }
    TIMINGS => calendar::timings {
        path: "market/timings", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: false, fields: rq::TIMINGS, aliases: &[],
        tag: "Market calendar", summary: "Each exchange's session on a date", ok: rs::timings,
        errors: NONE,
    }
    ANALYZER => super::analyzer_status {
        path: "analyzer", method: Post, format: F1, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Analyzer", summary: "Whether analyzer (sandbox) mode is on", ok: rs::analyzer,
        errors: NONE,
    }
    ANALYZER_TOGGLE => super::analyzer_toggle {
        path: "analyzer/toggle", method: Post, format: F1, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::ANALYZER_TOGGLE, aliases: &[],
        tag: "Analyzer", summary: "Switch analyzer (sandbox) mode on or off",
        ok: rs::analyzer_toggle, errors: NONE,
    }
    PING => super::ping {
        path: "ping", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::KEY_ONLY, aliases: &[],
        tag: "Utility", summary: "Check the API key and the broker connection", ok: rs::ping,
        errors: NONE,
    }
    INSTRUMENTS => extended::instruments {
        path: "instruments", method: Get, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::INSTRUMENTS, aliases: &[],
        tag: "Symbols", summary: "The master contract as JSON or CSV", ok: rs::found,
        errors: NONE,
    }
    RISK => risk::status {
        path: "risk", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: risk::STATUS, aliases: &[],
        tag: "Risk", summary: "Both accounts' risk rules and kill switches",
        ok: risk::status_schema, errors: NONE,
    }
    RISK_KILLSWITCH => risk::kill_switch {
        path: "risk/killswitch", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: risk::KILL_SWITCH, aliases: &[],
        tag: "Risk", summary: "Engage (optionally flattening) or release an account's kill switch",
        ok: risk::account_answer_schema, errors: NONE,
    }
    RISK_LIMITS => risk::limits {
        path: "risk/limits", method: Post, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: risk::LIMITS, aliases: &[],
        tag: "Risk", summary: "Change an account's risk limits (0 turns a rule off)",
        ok: risk::account_answer_schema, errors: NONE,
    }
    TICKER => extended::ticker {
        path: "ticker/{instrument}", method: Get, format: F2, rate: Api, order_call: false,
        analyze: Never, checks_key: true, fields: rq::TICKER,
        aliases: &[("from", "start_date"), ("to", "end_date")],
        tag: "Market data", summary: "Candles of EXCHANGE:SYMBOL as JSON or plain text",
        ok: rs::rows, errors: BROKER,
    }
}

/// The rate class of the endpoint named by a request path's first segment (`placeorder`,
/// `market`...); [`RateClass::Api`] for anything not in the table.
#[must_use]
pub(crate) fn rate_class(endpoint: &str) -> RateClass {
    ENDPOINTS
        .iter()
        .find(|e| e.path.split('/').next() == Some(endpoint))
        .map_or(RateClass::Api, |e| e.rate)
}

/// The tags of endpoints that read no account: market data, symbols, option analytics, the
/// calendar and the utility (`ping`).
const ACCOUNT_FREE_TAGS: [&str; 5] = [
    "Market data",
    "Symbols",
    "Options",
    "Market calendar",
    "Utility",
];

/// Whether the endpoint at `path` (after `/api/v1/`; templates match their fixed prefix)
/// neither reads nor changes an account, so any instance of a cluster answers it itself.
#[must_use]
pub(crate) fn serves_anywhere(path: &str) -> bool {
    ENDPOINTS.iter().any(|e| {
        let matches = match e.path.split_once('{') {
            Some((prefix, _)) => path.starts_with(prefix) && path.len() > prefix.len(),
            None => path == e.path,
        };
        matches && !e.order_call && ACCOUNT_FREE_TAGS.contains(&e.tag)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_endpoints_that_read_no_account_are_served_anywhere() {
        for p in [
            "quotes",
            "history",
            "search",
            "optionchain",
            "ping",
            "ticker/NSE:SBIN",
        ] {
            assert!(serves_anywhere(p), "{p}");
        }
        for p in [
            "placeorder",
            "optionsorder",
            "orderbook",
            "funds",
            "analyzer",
            "risk",
            "ticker/",
            "nothing",
        ] {
            assert!(!serves_anywhere(p), "{p}");
        }
    }

    #[test]
    fn paths_are_unique_and_classes_follow_the_reference() {
        for (i, e) in ENDPOINTS.iter().enumerate() {
            assert!(
                ENDPOINTS[i + 1..].iter().all(|o| o.path != e.path),
                "{} twice",
                e.path
            );
            // The order log marks every order call's error body except placeorder's.
            // (The option orders mark placement failures only: their resolution refusals are
            // the option service's, unmarked as in the reference.)
            if e.order_call {
                let account_only =
                    matches!(e.path, "placeorder" | "optionsorder" | "optionsmultiorder");
                assert_eq!(e.analyze == Account, account_only, "{}", e.path);
            }
        }
        let mut order: Vec<&str> = ENDPOINTS
            .iter()
            .filter(|e| e.rate == Order)
            .map(|e| e.path)
            .collect();
        order.sort_unstable();
        assert_eq!(
            order,
            [
                "cancelgttorder",
                "cancelorder",
                "modifygttorder",
                "modifyorder",
                "optionsmultiorder",
                "optionsorder",
                "placegttorder",
                "placeorder",
            ]
        );
        assert_eq!(rate_class("optiongreeks"), Greeks);
        assert_eq!(rate_class("multioptiongreeks"), Api);
        assert_eq!(rate_class("placesmartorder"), SmartOrder);
        assert_eq!(rate_class("market"), Api);
        assert_eq!(rate_class("nonexistent"), Api);
    }
}
