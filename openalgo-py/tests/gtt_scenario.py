"""One GTT scenario written against the official client 2.x's API. It runs unchanged with
``from openalgo import api`` (2.x) and ``from openalgo_rs import api``:

    python gtt_scenario.py openalgo|openalgo_rs HOST API_KEY

and prints every answer as JSON, times and live prices replaced by their type. Prices and
triggers are fixed (far from the market), so two runs against fresh servers answer alike."""

import importlib
import json
import sys

VOLATILE = {"created_at", "updated_at", "expires_at", "last_price"}


def shape(value, key=None):
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    if key in VOLATILE:
        return type(value).__name__
    return value


def scenario(client):
    out = {}
    out["single"] = client.placegttorder(strategy="S", symbol="SBIN", action="buy", exchange="NSE",
                                         product="CNC", quantity=2, price=1.05, triggerprice_sl=1.1)
    out["oco"] = client.placegttorder(symbol="SBIN", action="SELL", exchange="NSE",
                                      trigger_type="oco", product="CNC", quantity=1,
                                      triggerprice_sl="1", stoploss=0.95,
                                      triggerprice_tg=99999, target="100000")
    out["market_leg"] = client.placegttorder(symbol="INFY", action="BUY", exchange="NSE",
                                             price_type="MARKET", triggerprice_tg=99999.5,
                                             expires_at="2030-01-01 15:30:00", comment=None)
    out["book"] = client.gttorderbook()
    first = out["single"].get("trigger_id", "missing")
    out["modify"] = client.modifygttorder(trigger_id=first, strategy="S", symbol="SBIN",
                                          action="BUY", exchange="NSE", product="CNC",
                                          quantity="3", price=1.1, triggerprice_sl=1.15,
                                          stoploss="", target="")
    out["modify_identity"] = client.modifygttorder(trigger_id=first, symbol="ITC", action="BUY",
                                                   exchange="NSE", triggerprice_sl=1.15)
    out["bad_type"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE",
                                           trigger_type="bracket", triggerprice_sl=1)
    out["oco_missing"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE",
                                              trigger_type="OCO", triggerprice_sl=1,
                                              triggerprice_tg=2)
    out["oco_order"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE",
                                            trigger_type="OCO", triggerprice_sl=3, stoploss=3,
                                            triggerprice_tg=2, target=2)
    out["single_both"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE",
                                              triggerprice_sl=1, triggerprice_tg=2)
    out["single_none"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE")
    out["mis"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE", product="MIS",
                                      triggerprice_sl=1)
    out["fraction"] = client.placegttorder(symbol="SBIN", action="BUY", exchange="NSE",
                                           quantity=1.5, triggerprice_sl=1)
    out["cancel"] = client.cancelgttorder(trigger_id=first, strategy="S")
    out["cancel_again"] = client.cancelgttorder(trigger_id=first)
    out["cancel_extra"] = client.cancelgttorder(trigger_id=first, note="x")
    out["book_all"] = client.gttorderbook(status="all")
    out["book_none_dropped"] = client.gttorderbook(status=None)
    out["book_bad_filter"] = client.gttorderbook(status="open")
    return out


if __name__ == "__main__":
    module, host, key = sys.argv[1:4]
    api = importlib.import_module(module).api
    client = api(api_key=key, host=host)
    print(json.dumps(shape(scenario(client))))
