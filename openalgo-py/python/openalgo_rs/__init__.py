"""OpenAlgo-rs from Python.

- ``api``: a drop-in replacement for the official ``openalgo.api`` client (same methods,
  keyword arguments, defaults and return values), implemented in Rust over one pooled HTTP
  connection, with the WebSocket feed.
- ``Sandbox``: the paper-trading engine in-process (exact money as ``decimal.Decimal``).
- ``SymbolTable``, ``parse_symbol``: the instrument master and OpenAlgo symbol parsing.
- ``smart_order``, ``split_order``: the smart-order and split-order calculators.
- ``option_greeks``, ``option_price``, ``implied_volatility``: option analytics (Black-76 as
  ``/optiongreeks`` computes it, and Black–Scholes–Merton); ``SymbolTable.resolve_option`` and
  ``Sandbox.resolve_option``/``option_greeks`` resolve ATM/ITMn/OTMn contracts.
- ``Broker``: a broker adapter (``"simulator"``) called directly, without a server.
"""

from ._openalgo import (
    AuthError,
    Broker,
    BrokerError,
    ConnectivityError,
    DecodeError,
    InsufficientFundsError,
    NotFoundError,
    OpenAlgoError,
    OrderRejectedError,
    RateLimitedError,
    Sandbox,
    SymbolNotFoundError,
    SymbolTable,
    UnsupportedError,
    ValidationError,
    _Client,
    __version__,
    implied_volatility,
    option_greeks,
    option_price,
    parse_symbol,
    smart_order,
    split_order,
)
from ._frames import history_frame, instruments_frame

_ALL_EXCHANGES = ["NSE", "BSE", "NFO", "BFO", "MCX", "CDS", "BCD", "NSE_INDEX", "BSE_INDEX"]


class api(_Client):
    """OpenAlgo client: ``api(api_key, host="http://127.0.0.1:5000", version="v1",
    timeout=120.0, ws_port=8765, ws_url=None, verbose=False)``."""

    def history(self, *, symbol, exchange, interval, start_date, end_date, source="api", **kwargs):
        """Historical candles as a pandas DataFrame indexed by timestamp (IST for intraday
        intervals), or the error dict; the raw dict when pandas is not installed."""
        result = _Client.history(
            self,
            symbol=symbol,
            exchange=exchange,
            interval=interval,
            start_date=start_date,
            end_date=end_date,
            source=source,
            **kwargs,
        )
        return history_frame(result, interval)

    def instruments(self, *, exchange=None):
        """The instrument master as a DataFrame (all exchanges when ``exchange`` is None)."""
        exchanges = _ALL_EXCHANGES if exchange is None else [exchange]
        results = [self._get("instruments", [("apikey", self.api_key), ("exchange", e)]) for e in exchanges]
        return instruments_frame(results, single=exchange is not None)


__all__ = [
    "api",
    "Sandbox",
    "SymbolTable",
    "Broker",
    "parse_symbol",
    "option_greeks",
    "option_price",
    "implied_volatility",
    "smart_order",
    "split_order",
    "OpenAlgoError",
    "ValidationError",
    "SymbolNotFoundError",
    "OrderRejectedError",
    "InsufficientFundsError",
    "NotFoundError",
    "BrokerError",
    "ConnectivityError",
    "AuthError",
    "RateLimitedError",
    "UnsupportedError",
    "DecodeError",
    "__version__",
]
