//! Book answers (`orderbook`, `tradebook`) written row by row into the response: no value
//! tree and no whole-answer buffer; the rows come from [`crate::books`] a batch at a time.
//!
//! The bytes are exactly what serialising the whole answer as one JSON object gives (keys in
//! order: `data`, then `mode` in analyze mode, then `status`); the tests check that.

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use openalgo_core::rows::{OrderBookStatistics, OrderRow, TradeRow};
use openalgo_core::{Order, Trade};

use crate::books::{BookRow, PAGE, Rows};
use crate::state::Mode;

/// How a row is written.
trait WriteRow {
    fn write(&self, out: &mut Vec<u8>);
}

impl WriteRow for Order {
    fn write(&self, out: &mut Vec<u8>) {
        // Serialising a plain struct into a Vec cannot fail.
        let _ = serde_json::to_writer(out, &OrderRow::from(self));
    }
}

impl WriteRow for Trade {
    fn write(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(out, &TradeRow::from(self));
    }
}

/// What surrounds the rows, and what is counted over them.
trait Frame<T> {
    /// Everything before the first row.
    const OPEN: &'static [u8];
    /// Counts a row.
    fn count(&mut self, row: &T);
    /// Everything between the last row and the envelope's `mode`/`status`.
    fn close(&self, out: &mut Vec<u8>);
}

#[derive(Default)]
struct OrderFrame(OrderBookStatistics);

impl Frame<Order> for OrderFrame {
    const OPEN: &'static [u8] = br#"{"data":{"orders":["#;

    fn count(&mut self, row: &Order) {
        self.0.add(row);
    }

    fn close(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"],"statistics":"#);
        let _ = serde_json::to_writer(&mut *out, &self.0);
        out.push(b'}');
    }
}

#[derive(Default)]
struct TradeFrame;

impl Frame<Trade> for TradeFrame {
    const OPEN: &'static [u8] = br#"{"data":["#;

    fn count(&mut self, _: &Trade) {}

    fn close(&self, out: &mut Vec<u8>) {
        out.push(b']');
    }
}

/// The answer's state between chunks.
struct Writer<T, F> {
    rows: Rows<T>,
    frame: F,
    mode: Mode,
    started: bool,
    done: bool,
}

impl<T: BookRow + WriteRow, F: Frame<T>> Writer<T, F> {
    /// The next chunk of the answer, `None` after the last.
    fn chunk(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let mut out = Vec::with_capacity(PAGE * 320);
        if !self.started {
            out.extend_from_slice(F::OPEN);
        }
        let batch = self.rows.next_batch();
        for row in &batch {
            if self.started {
                out.push(b',');
            }
            self.started = true;
            self.frame.count(row);
            row.write(&mut out);
        }
        if batch.is_empty() {
            self.started = true;
            self.frame.close(&mut out);
            if self.mode == Mode::Analyze {
                out.extend_from_slice(br#","mode":"analyze""#);
            }
            out.extend_from_slice(br#","status":"success"}"#);
            self.done = true;
        }
        Some(Bytes::from(out))
    }
}

fn respond<T: BookRow + WriteRow, F: Frame<T> + Default + 'static>(
    rows: Rows<T>,
    mode: Mode,
) -> HttpResponse {
    let writer = Writer {
        rows,
        frame: F::default(),
        mode,
        started: false,
        done: false,
    };
    let body = futures::stream::unfold(writer, |mut w| async move {
        w.chunk().map(|c| (Ok::<_, std::convert::Infallible>(c), w))
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .streaming(body)
}

/// The `orderbook` answer.
pub(crate) fn order_book(rows: Rows<Order>, mode: Mode) -> HttpResponse {
    respond::<Order, OrderFrame>(rows, mode)
}

/// The `tradebook` answer.
pub(crate) fn trade_book(rows: Rows<Trade>, mode: Mode) -> HttpResponse {
    respond::<Trade, TradeFrame>(rows, mode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openalgo_core::rows::OrderBook;
    use serde_json::json;

    fn body_of<T: BookRow + WriteRow, F: Frame<T> + Default>(rows: Vec<T>, mode: Mode) -> Vec<u8> {
        let mut w = Writer {
            rows: Rows::Listed(rows.into_iter()),
            frame: F::default(),
            mode,
            started: false,
            done: false,
        };
        let mut out = Vec::new();
        while let Some(c) = w.chunk() {
            out.extend_from_slice(&c);
        }
        out
    }

    use openalgo_core::{
        Action, Exchange, InstrumentKey, OrderId, OrderStatus, Price, PriceType, Product, Quantity,
        StrategyTag, Symbol,
    };
    use rust_decimal::Decimal;

    fn at(i: usize) -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
            .unwrap()
            .and_hms_opt(9, 15, 0)
            .unwrap()
            + chrono::Duration::seconds(i64::try_from(i).unwrap())
    }

    fn key(i: usize) -> InstrumentKey {
        let symbol = ["SBIN", "INFY", "M&M"][i % 3];
        InstrumentKey::new(Symbol::new(symbol).unwrap(), Exchange::Nse)
    }

    /// Orders of every side, status and price type, with prices needing rounding.
    fn orders(n: usize) -> Vec<Order> {
        (0..n)
            .map(|i| Order {
                order_id: OrderId::new(format!("2612040000{i:04}")).unwrap(),
                instrument: key(i),
                action: if i % 2 == 0 {
                    Action::Buy
                } else {
                    Action::Sell
                },
                quantity: Quantity::new(1 + i as u64),
                filled_quantity: Quantity::new(if i % 3 == 0 { 1 + i as u64 } else { 0 }),
                price: Price::new(Decimal::new(123_456 + i as i64, 3)),
                trigger_price: Price::ZERO,
                average_price: Price::new(Decimal::new(80_005 + i as i64, 2)),
                price_type: [PriceType::Market, PriceType::Limit, PriceType::StopLimit][i % 3],
                product: Product::Mis,
                status: [
                    OrderStatus::Complete,
                    OrderStatus::Open,
                    OrderStatus::Rejected,
                    OrderStatus::Cancelled,
                ][i % 4],
                rejection_reason: (i % 4 == 2).then(|| format!("reason \"{i}\"")),
                strategy: StrategyTag::new(format!("s{}", i % 5)).unwrap(),
                timestamp: at(i),
            })
            .collect()
    }

    fn trades(n: usize) -> Vec<Trade> {
        (0..n)
            .map(|i| Trade {
                order_id: OrderId::new(format!("2612040000{i:04}")).unwrap(),
                instrument: key(i),
                product: Product::Cnc,
                action: if i % 2 == 0 {
                    Action::Buy
                } else {
                    Action::Sell
                },
                quantity: Quantity::new(1 + i as u64),
                average_price: Price::new(Decimal::new(80_005 + i as i64, 2)),
                timestamp: at(i),
            })
            .collect()
    }

    #[test]
    fn the_streamed_order_book_is_the_whole_answer_byte_for_byte() {
        for n in [0, 1, 2, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE + 7] {
            let rows = orders(n);
            for mode in [Mode::Live, Mode::Analyze] {
                let mut whole = json!({"status": "success", "data": OrderBook::from(&rows[..])});
                if mode == Mode::Analyze {
                    whole["mode"] = json!("analyze");
                }
                let streamed = body_of::<Order, OrderFrame>(rows.clone(), mode);
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    serde_json::to_string(&whole).unwrap(),
                    "{n} orders, {mode:?}"
                );
            }
        }
    }

    #[test]
    fn the_streamed_trade_book_is_the_whole_answer_byte_for_byte() {
        for n in [0, 1, PAGE, PAGE + 1] {
            let rows = trades(n);
            let list: Vec<TradeRow<'_>> = rows.iter().map(TradeRow::from).collect();
            let whole = json!({"status": "success", "data": list, "mode": "analyze"});
            let streamed = body_of::<Trade, TradeFrame>(rows.clone(), Mode::Analyze);
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                serde_json::to_string(&whole).unwrap()
            );
        }
    }
}
