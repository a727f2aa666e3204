//! The mock's REST side: one hyper HTTP/1 server routing SmartAPI's paths. Every call must
//! carry the SmartAPI header set with the right `X-PrivateKey`; secure calls a live
//! `Authorization: Bearer <jwt>`. Orders are matched simply: MARKET fills at once at the
//! instrument's price, LIMIT rests `open` (filling when the price crosses on a later book
//! read), STOPLOSS orders rest `trigger pending`.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{CLIENT_CODE, PIN, TOTP};
use super::{MASTER_PATH, MockOrder, MockState, MockTrade, Recorded};

type Reply = Response<Full<Bytes>>;

const SECURE: &str = "/rest/secure/angelbroking/";

pub(super) async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<MockState>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let state = Arc::clone(&state);
                async move { Ok::<_, std::convert::Infallible>(handle(req, &state).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

fn reply(status: u16, body: String, content_type: &'static str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static(content_type),
    );
    r
}

#[allow(clippy::needless_pass_by_value)] // call sites build the value inline
fn ok(data: Value) -> Reply {
    reply(
        200,
        json!({"status": true, "message": "SUCCESS", "errorcode": "", "data": data}).to_string(),
        "application/json",
    )
}

fn error(status: u16, errorcode: &str, message: &str) -> Reply {
    reply(
        status,
        json!({"status": false, "message": message, "errorcode": errorcode, "data": null})
            .to_string(),
        "application/json",
    )
}

/// The keys of a JSON object in the order written.
fn ordered_keys(body: &[u8]) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Keys, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                        out.push(k);
                    }
                    Ok(Keys(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_slice::<Keys>(body)
        .map(|k| k.0)
        .unwrap_or_default()
}

async fn handle(req: Request<Incoming>, state: &Mutex<MockState>) -> Reply {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let rec = Recorded {
        method,
        path,
        headers,
        body_keys: ordered_keys(&body),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
    s.requests.push(rec.clone());
    route(&mut s, &rec)
}

pub(super) fn issue(s: &mut MockState) -> (String, String) {
    s.issued += 1;
    let jwt = format!("eyJhbGciOiJIUzUxMiJ9.mock{:06}.sig", s.issued);
    let feed = format!("feed{:06}", s.issued);
    s.jwts.insert(jwt.clone());
    s.feed_tokens.insert(feed.clone());
    (jwt, feed)
}

fn route(s: &mut MockState, r: &Recorded) -> Reply {
    if r.method == "GET" && r.path == MASTER_PATH {
        return reply(200, s.master.as_ref().clone(), "application/json");
    }
    if let Some(pos) = s
        .injected
        .iter()
        .position(|i| r.path.starts_with(&i.path_prefix))
    {
        let i = s.injected.remove(pos);
        return match i.errorcode {
            Some(code) => error(i.status, &code, &i.message),
            None => reply(i.status, i.message, "text/plain"),
        };
    }
    let header_ok = |name: &str, want: &str| r.header(name) == Some(want);
    if !header_ok("x-privatekey", &s.api_key) {
        return error(403, "AG8004", "Invalid API Key");
    }
    if !header_ok("x-usertype", "USER")
        || !header_ok("x-sourceid", "WEB")
        || ["x-clientlocalip", "x-clientpublicip", "x-macaddress"]
            .iter()
            .any(|h| r.header(h).is_none_or(str::is_empty))
        || !r
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    {
        return error(400, "AB1020", "Missing or invalid SmartAPI headers");
    }
    if r.method == "POST" && r.path == super::super::auth::LOGIN_PATH {
        return login(s, r);
    }
    if !r.path.starts_with(SECURE) {
        return error(404, "AB2001", "Route not found");
    }
    let authorised = r
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .is_some_and(|t| s.jwts.contains(t));
    if !authorised {
        return error(401, "AG8001", "Invalid Token");
    }
    let tail = r.path.trim_start_matches(SECURE).trim_end_matches('/');
    match (r.method.as_str(), tail) {
        ("GET", "user/v1/getProfile") => ok(json!({
            "clientcode": CLIENT_CODE, "name": "MOCK USER", "email": "", "mobileno": "",
            "exchanges": ["NSE", "BSE", "NFO", "BFO", "MCX", "CDS"],
            "products": ["DELIVERY", "INTRADAY", "CARRYFORWARD", "MARGIN", "BO"],
            "lastlogintime": "", "broker": ""
        })),
        ("POST", "order/v1/placeOrder") => place(s, r),
        ("POST", "order/v1/modifyOrder") => modify(s, r),
        ("POST", "order/v1/cancelOrder") => cancel(s, r),
        ("GET", "order/v1/getOrderBook") => {
            match_resting(s);
            let rows: Vec<Value> = s.orders.iter().map(|o| order_json(s, o)).collect();
            ok(if rows.is_empty() {
                Value::Null
            } else {
                Value::Array(rows)
            })
        }
        ("GET", "order/v1/getTradeBook") => {
            let rows: Vec<Value> = s.trades.iter().map(trade_json).collect();
            ok(if rows.is_empty() {
                Value::Null
            } else {
                Value::Array(rows)
            })
        }
        ("GET", "order/v1/getPosition") => positions(s),
        ("GET", "portfolio/v1/getAllHolding") => holdings(s),
        ("GET", "user/v1/getRMS") => ok(json!({
            "net": "99725.0500", "availablecash": "99725.0500", "availableintradaypayin": "0.0000",
            "availablelimitmargin": "0.0000", "collateral": "1000.0000",
            "m2munrealized": "0.0000", "m2mrealized": "0.0000", "utiliseddebits": "275.5000",
            "utilisedspan": null, "utilisedoptionpremium": null, "utilisedholdingsales": null,
            "utilisedexposure": null, "utilisedturnover": null, "utilisedpayout": "0.0000"
        })),
        ("POST", "market/v1/quote") => quotes(s, r),
        ("POST", "historical/v1/getCandleData") => candles(s, r),
        ("POST", "historical/v1/getOIData") => open_interest(s, r),
        ("POST", "user/v1/logout") => {
            if let Some(t) = r
                .header("authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
            {
                s.jwts.remove(t);
            }
            ok(Value::Null)
        }
        _ => error(404, "AB2001", "Route not found"),
    }
}

fn login(s: &mut MockState, r: &Recorded) -> Reply {
    if r.body_keys != ["clientcode", "password", "totp"] {
        return error(400, "AB1001", "Expected exactly clientcode, password, totp");
    }
    let f = |n: &str| r.field(n).unwrap_or_default();
    if f("clientcode") != CLIENT_CODE || f("password") != PIN {
        return error(200, "AB1007", "Invalid clientcode or password");
    }
    if f("totp") != TOTP {
        return error(200, "AB1050", "Invalid totp");
    }
    let (jwt, feed) = issue(s);
    ok(json!({"jwtToken": jwt, "refreshToken": format!("refresh{}", s.issued), "feedToken": feed}))
}

fn now_ist() -> chrono::NaiveDateTime {
    (chrono::Utc::now() + Duration::minutes(330)).naive_utc()
}

fn dec(v: Option<String>) -> Option<Decimal> {
    v.and_then(|t| t.trim().parse().ok())
}

const PLACE_REQUIRED: [&str; 10] = [
    "variety",
    "tradingsymbol",
    "symboltoken",
    "transactiontype",
    "exchange",
    "ordertype",
    "producttype",
    "duration",
    "price",
    "quantity",
];

fn place(s: &mut MockState, r: &Recorded) -> Reply {
    for name in PLACE_REQUIRED {
        if r.field(name).is_none() {
            return error(400, "AB4001", &format!("Missing {name}"));
        }
    }
    let f = |n: &str| r.field(n).unwrap_or_default();
    let Some(inst) = s.by_token(&f("exchange"), &f("symboltoken")).cloned() else {
        return error(200, "AB1019", "Invalid symboltoken");
    };
    if inst.symbol != f("tradingsymbol") {
        return error(200, "AB1018", "Invalid tradingsymbol");
    }
    let (Some(quantity), Some(price)) = (
        f("quantity").parse::<u64>().ok().filter(|q| *q > 0),
        dec(r.field("price")),
    ) else {
        return error(200, "AB4005", "Invalid quantity or price");
    };
    let trigger = dec(r.field("triggerprice")).unwrap_or_default();
    let variety = f("variety");
    let ordertype = f("ordertype");
    let stop = matches!(ordertype.as_str(), "STOPLOSS_LIMIT" | "STOPLOSS_MARKET");
    if !matches!(f("transactiontype").as_str(), "BUY" | "SELL")
        || !matches!(
            ordertype.as_str(),
            "MARKET" | "LIMIT" | "STOPLOSS_LIMIT" | "STOPLOSS_MARKET"
        )
        || !matches!(
            f("producttype").as_str(),
            "DELIVERY" | "CARRYFORWARD" | "MARGIN" | "INTRADAY"
        )
        || !matches!(variety.as_str(), "NORMAL" | "STOPLOSS" | "AMO")
        || (stop != (variety == "STOPLOSS"))
    {
        return error(200, "AB4008", "Invalid order parameters");
    }
    let id = s.next_order.to_string();
    s.next_order += 1;
    s.orders.push(MockOrder {
        orderid: id.clone(),
        status: if stop { "trigger pending" } else { "open" }.to_owned(),
        variety,
        tradingsymbol: inst.symbol.clone(),
        symboltoken: inst.token.clone(),
        exchange: inst.exch_seg.clone(),
        transactiontype: f("transactiontype"),
        ordertype,
        producttype: f("producttype"),
        quantity,
        filled: 0,
        price,
        triggerprice: trigger,
        averageprice: Decimal::ZERO,
        updatetime: now_ist().format("%d-%b-%Y %H:%M:%S").to_string(),
    });
    match_resting(s);
    push_update(s, &id, false);
    ok(json!({"script": inst.symbol, "orderid": id, "uniqueorderid": format!("mock-{id}")}))
}

/// Fills MARKET orders and LIMIT orders whose price is crossed; triggers stops.
fn match_resting(s: &mut MockState) {
    let prices: Vec<Decimal> = s.orders.iter().map(|o| s.price(&o.symboltoken)).collect();
    let mut fills = Vec::new();
    for (o, ltp) in s.orders.iter_mut().zip(prices) {
        let buy = o.transactiontype == "BUY";
        if o.status == "trigger pending" {
            let hit = if buy {
                ltp >= o.triggerprice
            } else {
                ltp <= o.triggerprice
            };
            if hit {
                o.status = "open".to_owned();
            }
        }
        if o.status != "open" {
            continue;
        }
        let fill_at = match o.ordertype.as_str() {
            "MARKET" | "STOPLOSS_MARKET" => Some(ltp),
            _ => {
                let crosses = if buy { ltp <= o.price } else { ltp >= o.price };
                crosses.then_some(o.price)
            }
        };
        if let Some(px) = fill_at {
            o.status = "complete".to_owned();
            o.filled = o.quantity;
            o.averageprice = px;
            fills.push(o.clone());
        }
    }
    for o in fills {
        s.trades.push(MockTrade {
            orderid: o.orderid,
            tradingsymbol: o.tradingsymbol,
            symboltoken: o.symboltoken,
            exchange: o.exchange,
            producttype: o.producttype,
            transactiontype: o.transactiontype,
            price: o.averageprice,
            quantity: o.quantity,
            filltime: now_ist().format("%H:%M:%S").to_string(),
        });
    }
}

fn modify(s: &mut MockState, r: &Recorded) -> Reply {
    let id = r.field("orderid").unwrap_or_default();
    let Some(o) = s.orders.iter_mut().find(|o| o.orderid == id) else {
        return error(200, "AB4010", "Invalid orderid");
    };
    if !matches!(o.status.as_str(), "open" | "trigger pending") {
        return error(
            200,
            "AB4011",
            &format!("Order cannot be modified as it is {}", o.status),
        );
    }
    if let Some(t) = r.field("ordertype") {
        o.ordertype = t;
    }
    if let Some(q) = r.field("quantity").and_then(|q| q.parse().ok()) {
        o.quantity = q;
    }
    if let Some(p) = dec(r.field("price")) {
        o.price = p;
    }
    if let Some(p) = dec(r.field("triggerprice")) {
        o.triggerprice = p;
    }
    o.status = if o.ordertype.starts_with("STOPLOSS") {
        "trigger pending"
    } else {
        "open"
    }
    .to_owned();
    match_resting(s);
    push_update(s, &id, true);
    ok(json!({"orderid": id, "uniqueorderid": format!("mock-{id}")}))
}

fn cancel(s: &mut MockState, r: &Recorded) -> Reply {
    if r.body_keys != ["variety", "orderid"] {
        return error(400, "AB4001", "Expected variety and orderid");
    }
    let id = r.field("orderid").unwrap_or_default();
    let Some(o) = s.orders.iter_mut().find(|o| o.orderid == id) else {
        return error(200, "AB4010", "Invalid orderid");
    };
    if !matches!(o.status.as_str(), "open" | "trigger pending") {
        return error(
            200,
            "AB4012",
            &format!("Order cannot be cancelled as it is {}", o.status),
        );
    }
    o.status = "cancelled".to_owned();
    push_update(s, &id, false);
    ok(json!({"orderid": id, "uniqueorderid": format!("mock-{id}")}))
}

/// Pushes the order's state to the order-status sockets (`AB05` complete, `AB02` cancelled,
/// `AB03` rejected, `AB04` modified, `AB01` otherwise).
fn push_update(s: &MockState, orderid: &str, modified: bool) {
    let Some(o) = s.orders.iter().find(|o| o.orderid == orderid) else {
        return;
    };
    let code = match o.status.as_str() {
        "complete" => "AB05",
        "cancelled" => "AB02",
        "rejected" => "AB03",
        _ if modified => "AB04",
        _ => "AB01",
    };
    let message = json!({"user-id": CLIENT_CODE, "status-code": "200", "order-status": code,
        "error-message": "", "orderData": order_json(s, o)});
    let _ = s
        .commands
        .send(super::StreamCommand::Order(message.to_string()));
}

fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn text(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn order_json(s: &MockState, o: &MockOrder) -> Value {
    let inst = s.by_token(&o.exchange, &o.symboltoken);
    json!({
        "variety": o.variety, "ordertype": o.ordertype, "producttype": o.producttype,
        "duration": "DAY", "price": num(o.price), "triggerprice": num(o.triggerprice),
        "quantity": o.quantity.to_string(), "disclosedquantity": "0", "squareoff": 0.0,
        "stoploss": 0.0, "trailingstoploss": 0.0, "tradingsymbol": o.tradingsymbol,
        "transactiontype": o.transactiontype, "exchange": o.exchange,
        "symboltoken": o.symboltoken, "ordertag": "",
        "instrumenttype": inst.map_or("", |i| i.instrument_type.as_str()),
        "strikeprice": -1.0, "optiontype": "", "expirydate": inst.map_or("", |i| i.expiry.as_str()),
        "lotsize": inst.map_or(1, |i| i.lot_size).to_string(), "cancelsize": "0",
        "averageprice": num(o.averageprice), "filledshares": o.filled.to_string(),
        "unfilledshares": (o.quantity - o.filled).to_string(), "orderid": o.orderid,
        "text": if o.status == "rejected" { "Rejected by mock" } else { "" },
        "status": o.status, "orderstatus": o.status, "updatetime": o.updatetime,
        "exchtime": o.updatetime, "exchorderupdatetime": o.updatetime, "fillid": "",
        "filltime": "", "parentorderid": "", "uniqueorderid": format!("mock-{}", o.orderid)
    })
}

fn trade_json(t: &MockTrade) -> Value {
    json!({
        "exchange": t.exchange, "producttype": t.producttype, "tradingsymbol": t.tradingsymbol,
        "instrumenttype": "", "symbolgroup": "EQ", "strikeprice": "-1", "optiontype": "",
        "expirydate": "", "marketlot": "1", "precision": "2", "multiplier": "-1",
        "tradevalue": text(t.price * Decimal::from(t.quantity)),
        "transactiontype": t.transactiontype, "fillprice": text(t.price),
        "fillsize": t.quantity.to_string(), "orderid": t.orderid,
        "fillid": format!("F{}", t.orderid), "filltime": t.filltime
    })
}

fn positions(s: &MockState) -> Reply {
    let mut keys: Vec<(String, String, String, String)> = s
        .trades
        .iter()
        .map(|t| {
            (
                t.tradingsymbol.clone(),
                t.exchange.clone(),
                t.producttype.clone(),
                t.symboltoken.clone(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    let mut rows = Vec::new();
    for (ts, ex, product, token) in keys {
        let (mut bq, mut sq, mut bv, mut sv) = (0i64, 0i64, Decimal::ZERO, Decimal::ZERO);
        for t in s
            .trades
            .iter()
            .filter(|t| t.tradingsymbol == ts && t.exchange == ex && t.producttype == product)
        {
            let q = i64::try_from(t.quantity).unwrap_or(0);
            if t.transactiontype == "BUY" {
                bq += q;
                bv += t.price * Decimal::from(q);
            } else {
                sq += q;
                sv += t.price * Decimal::from(q);
            }
        }
        let qty = bq - sq;
        let ltp = s.price(&token);
        let avg = match qty.signum() {
            1 if bq > 0 => bv / Decimal::from(bq),
            -1 if sq > 0 => sv / Decimal::from(sq),
            _ => Decimal::ZERO,
        };
        let pnl = (sv - bv) + Decimal::from(qty) * ltp;
        let avg_of = |v: Decimal, q: i64| {
            if q > 0 {
                text(v / Decimal::from(q))
            } else {
                "0.00".to_owned()
            }
        };
        rows.push(json!({
            "exchange": ex, "symboltoken": token, "producttype": product, "tradingsymbol": ts,
            "symbolname": ts, "instrumenttype": "", "priceden": "1.00", "pricenum": "1.00",
            "genden": "1.00", "gennum": "1.00", "precision": "2", "multiplier": "-1",
            "boardlotsize": "1", "buyqty": bq.to_string(), "sellqty": sq.to_string(),
            "buyamount": text(bv), "sellamount": text(sv), "symbolgroup": "EQ",
            "strikeprice": "-1", "optiontype": "", "expirydate": "", "lotsize": "1",
            "cfbuyqty": "0", "cfsellqty": "0", "cfbuyamount": "0.00", "cfsellamount": "0.00",
            "buyavgprice": avg_of(bv, bq), "sellavgprice": avg_of(sv, sq),
            "avgnetprice": text(avg), "netvalue": text(sv - bv), "netqty": qty.to_string(),
            "totalbuyvalue": text(bv), "totalsellvalue": text(sv),
            "cfbuyavgprice": "0.00", "cfsellavgprice": "0.00",
            "totalbuyavgprice": avg_of(bv, bq), "totalsellavgprice": avg_of(sv, sq),
            "netprice": text(avg), "ltp": text(ltp), "pnl": text(pnl)
        }));
    }
    ok(if rows.is_empty() {
        Value::Null
    } else {
        Value::Array(rows)
    })
}

fn holdings(s: &MockState) -> Reply {
    let ltp = s.price("1594");
    let avg = Decimal::new(150_000, 2);
    let pnl = (ltp - avg) * Decimal::TEN;
    ok(json!({
        "holdings": [{
            "tradingsymbol": "INFY-EQ", "exchange": "NSE", "isin": "INE009A01021",
            "t1quantity": 0, "realisedquantity": 10, "quantity": 10, "authorisedquantity": 0,
            "product": "DELIVERY", "collateralquantity": null, "collateraltype": null,
            "haircut": 0.0, "averageprice": num(avg), "ltp": num(ltp), "symboltoken": "1594",
            "close": num(ltp), "profitandloss": num(pnl), "pnlpercentage": 4.88
        }],
        "totalholding": {
            "totalholdingvalue": num(ltp * Decimal::TEN), "totalinvvalue": num(avg * Decimal::TEN),
            "totalprofitandloss": num(pnl), "totalpnlpercentage": 4.88
        }
    }))
}

fn quotes(s: &MockState, r: &Recorded) -> Reply {
    let mode = r.field("mode").unwrap_or_default();
    if !matches!(mode.as_str(), "FULL" | "OHLC" | "LTP") {
        return error(400, "AB4013", "Invalid mode");
    }
    let Some(Value::Object(by_exchange)) = r.body.get("exchangeTokens") else {
        return error(400, "AB4014", "exchangeTokens required");
    };
    let mut fetched = Vec::new();
    let mut unfetched = Vec::new();
    let mut count = 0;
    for (exchange, tokens) in by_exchange {
        for token in tokens.as_array().into_iter().flatten() {
            count += 1;
            let token = token.as_str().unwrap_or_default();
            let Some(inst) = s.by_token(exchange, token) else {
                unfetched.push(json!({"exchange": exchange, "symbolToken": token,
                    "message": "Symbol token not found", "errorCode": "AB4015"}));
                continue;
            };
            let ltp = s.price(token);
            let mut q = json!({"exchange": exchange, "tradingSymbol": inst.symbol,
                "symbolToken": token, "ltp": num(ltp)});
            if mode != "LTP" {
                q["open"] = num(ltp - Decimal::ONE);
                q["high"] = num(ltp + Decimal::TEN);
                q["low"] = num(ltp - Decimal::TEN);
                q["close"] = num(ltp - Decimal::TWO);
            }
            if mode == "FULL" {
                let tick = inst.tick_size.max(Decimal::new(5, 2));
                let level = |i: i64, side: i64| {
                    json!({"price": num(ltp + Decimal::from(side * (i + 1)) * tick),
                           "quantity": 100 * (i + 1), "orders": i + 1})
                };
                let now = now_ist().format("%d-%b-%Y %H:%M:%S").to_string();
                for (k, v) in [
                    ("lastTradeQty", json!(5)),
                    ("exchFeedTime", json!(now)),
                    ("exchTradeTime", json!(now)),
                    ("netChange", json!(2)),
                    ("percentChange", json!(0.25)),
                    ("avgPrice", num(ltp)),
                    ("tradeVolume", json!(1_000_000)),
                    ("opnInterest", json!(0)),
                    ("lowerCircuit", num(ltp * Decimal::new(9, 1))),
                    ("upperCircuit", num(ltp * Decimal::new(11, 1))),
                    ("totBuyQuan", json!(12_345)),
                    ("totSellQuan", json!(23_456)),
                    ("52WeekLow", num(ltp / Decimal::TWO)),
                    ("52WeekHigh", num(ltp * Decimal::TWO)),
                ] {
                    q[k] = v;
                }
                q["depth"] = json!({
                    "buy": (0..5).map(|i| level(i, -1)).collect::<Vec<_>>(),
                    "sell": (0..5).map(|i| level(i, 1)).collect::<Vec<_>>()
                });
            }
            fetched.push(q);
        }
    }
    if count > 50 {
        return error(200, "AB4016", "At most 50 tokens per request");
    }
    ok(json!({"fetched": fetched, "unfetched": unfetched}))
}

fn candles(s: &MockState, r: &Recorded) -> Reply {
    match candle_rows(s, r) {
        Ok(rows) => ok(Value::Array(rows)),
        Err((code, message)) => error(200, code, message),
    }
}

/// The candles of a `getCandleData`/`getOIData` body, or the refusal (errorcode, message).
fn candle_rows(s: &MockState, r: &Recorded) -> Result<Vec<Value>, (&'static str, &'static str)> {
    let step = match r.field("interval").unwrap_or_default().as_str() {
        "ONE_MINUTE" => 1,
        "THREE_MINUTE" => 3,
        "FIVE_MINUTE" => 5,
        "TEN_MINUTE" => 10,
        "FIFTEEN_MINUTE" => 15,
        "THIRTY_MINUTE" => 30,
        "ONE_HOUR" => 60,
        "ONE_DAY" => 0,
        _ => return Err(("AB1004", "Invalid interval")),
    };
    let (exchange, token) = (
        r.field("exchange").unwrap_or_default(),
        r.field("symboltoken").unwrap_or_default(),
    );
    if s.by_token(&exchange, &token).is_none() {
        return Err(("AB1019", "Invalid symboltoken"));
    }
    let date = |name| {
        r.field(name)
            .and_then(|v| v.get(..10).map(str::to_owned))
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
    };
    let (Some(from), Some(to)) = (date("fromdate"), date("todate")) else {
        return Err(("AB1004", "Invalid fromdate/todate"));
    };
    let base = s.price(&token);
    let mut rows = Vec::new();
    let mut d = from;
    let mut n = 0i64;
    while d <= to {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut stamps = Vec::new();
            if step == 0 {
                stamps.push(d.and_time(NaiveTime::MIN));
            } else {
                let mut t = d.and_hms_opt(9, 15, 0).unwrap_or_default();
                let end = d.and_hms_opt(15, 30, 0).unwrap_or_default();
                while t < end {
                    stamps.push(t);
                    t += Duration::minutes(step);
                }
            }
            for t in stamps {
                n += 1;
                let o = base + Decimal::new(n % 7, 1);
                rows.push(json!([
                    format!("{}+05:30", t.format("%Y-%m-%dT%H:%M:%S")),
                    num(o),
                    num(o + Decimal::ONE),
                    num(o - Decimal::ONE),
                    num(o + Decimal::new(5, 1)),
                    1000 + n
                ]));
            }
        }
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    Ok(rows)
}

/// `getOIData`: one `{time, oi}` row per candle of the same request, for F&O segments only.
fn open_interest(s: &MockState, r: &Recorded) -> Reply {
    let exchange = r.field("exchange").unwrap_or_default();
    if !matches!(exchange.as_str(), "NFO" | "BFO" | "MCX" | "CDS") {
        return error(
            200,
            "AB4020",
            "Open interest is served for F&O segments only",
        );
    }
    match candle_rows(s, r) {
        Ok(rows) => ok(Value::Array(
            rows.iter()
                .enumerate()
                .map(|(i, c)| json!({"time": c[0], "oi": 50_000 + i}))
                .collect(),
        )),
        Err((code, message)) => error(200, code, message),
    }
}
