//! Where a book's rows come from, read a batch at a time: a paper account is paged under its
//! lock (a long day is never materialised whole), a live broker's list (its API returns it
//! whole) is walked. The API's streamed answers and the dashboard's pages and CSV files read
//! the books through this.

use std::sync::Arc;

use openalgo_brokers::paper::{PageCursor, PaperBroker};
use openalgo_core::{BrokerError, Order, Trade};

use crate::state::Trading;

/// Rows read from a paper account per batch.
pub const PAGE: usize = 512;

/// A book's rows, newest first as the broker lists them.
pub enum Rows<T> {
    /// A paper account, read a page at a time.
    Paper {
        /// The account.
        broker: Arc<PaperBroker>,
        /// The next page.
        cursor: PageCursor,
    },
    /// Rows a broker returned whole.
    Listed(std::vec::IntoIter<T>),
}

impl<T> std::fmt::Debug for Rows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Paper { cursor, .. } => f.debug_struct("Paper").field("cursor", cursor).finish(),
            Self::Listed(rest) => f.debug_struct("Listed").field("left", &rest.len()).finish(),
        }
    }
}

/// A row type a book is made of.
pub trait BookRow: Sized + 'static {
    /// The next rows of a paper account's book.
    fn page(broker: &PaperBroker, cursor: &mut PageCursor) -> Vec<Self>;
}

impl BookRow for Order {
    fn page(broker: &PaperBroker, cursor: &mut PageCursor) -> Vec<Self> {
        broker.order_page(cursor, PAGE)
    }
}

impl BookRow for Trade {
    fn page(broker: &PaperBroker, cursor: &mut PageCursor) -> Vec<Self> {
        broker.trade_page(cursor, PAGE)
    }
}

impl<T: BookRow> Rows<T> {
    /// The next non-empty batch of rows; empty when there are none left.
    pub fn next_batch(&mut self) -> Vec<T> {
        match self {
            Self::Paper { broker, cursor } => {
                let mut rows = Vec::new();
                while rows.is_empty() && !cursor.is_done() {
                    rows = T::page(broker, cursor);
                }
                rows
            }
            Self::Listed(rest) => rest.by_ref().take(PAGE).collect(),
        }
    }
}

/// Walks every row, counting each with `count`, and keeps the rows at positions `range`.
pub fn slice<T: BookRow>(
    mut rows: Rows<T>,
    range: std::ops::Range<usize>,
    mut count: impl FnMut(&T),
) -> (usize, Vec<T>) {
    let (mut seen, mut kept) = (0, Vec::new());
    loop {
        let batch = rows.next_batch();
        if batch.is_empty() {
            return (seen, kept);
        }
        for row in batch {
            count(&row);
            if range.contains(&seen) {
                kept.push(row);
            }
            seen += 1;
        }
    }
}

/// The account's order book (a paper account's prices refreshed first, as its broker call
/// does).
///
/// # Errors
/// The broker's.
pub async fn orders(t: &Trading) -> Result<Rows<Order>, BrokerError> {
    Ok(match &t.paper {
        Some(paper) => {
            paper.refresh().await?;
            Rows::Paper {
                cursor: paper.order_cursor(),
                broker: Arc::clone(paper),
            }
        }
        None => Rows::Listed(t.broker().order_book().await?.into_iter()),
    })
}

/// The account's trade book.
///
/// # Errors
/// The broker's.
pub async fn trades(t: &Trading) -> Result<Rows<Trade>, BrokerError> {
    Ok(match &t.paper {
        Some(paper) => Rows::Paper {
            cursor: paper.trade_cursor(),
            broker: Arc::clone(paper),
        },
        None => Rows::Listed(t.broker().trade_book().await?.into_iter()),
    })
}
