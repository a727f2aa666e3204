// OpenAlgo-rs dashboard behaviour: theme switch, confirmations, API key reveal/copy, live
// prices over the WebSocket, and the intraday P&L chart. No framework, no inline script.
"use strict";
(function () {
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Theme: remembered in localStorage; the default follows the system setting.
  var root = document.documentElement;
  var saved = null;
  try { saved = localStorage.getItem("theme"); } catch (e) { saved = null; }
  if (saved === "light" || saved === "dark") { root.setAttribute("data-theme", saved); }

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function money(n) {
    return n.toLocaleString("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  // P&L of a position in paise, exact: (ltp - avg) * qty on integer paise.
  function pnlPaise(ltp, avg, qty) {
    return (Math.round(ltp * 100) - Math.round(avg * 100)) * qty;
  }

  function setSigned(el, paise) {
    el.textContent = money(paise / 100);
    el.classList.toggle("up", paise > 0);
    el.classList.toggle("down", paise < 0);
  }

  function revealKey() {
    return fetch("/apikey/reveal", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (r) {
      if (!r.ok) { throw new Error("reveal failed: " + r.status); }
      return r.json();
    }).then(function (j) { return j.api_key; });
  }

  function setupTheme() {
    var b = document.getElementById("theme-toggle");
    if (!b) { return; }
    b.addEventListener("click", function () {
      var dark = root.getAttribute("data-theme") === "dark" ||
        (!root.hasAttribute("data-theme") && window.matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("theme", next); } catch (e) { /* private mode */ }
    });
  }

  function setupConfirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  }

  function setupApiKey() {
    var out = document.getElementById("api-key");
    var reveal = document.getElementById("reveal-key");
    var copy = document.getElementById("copy-key");
    if (!out) { return; }
    if (reveal) {
      reveal.addEventListener("click", function () {
        if (out.getAttribute("data-shown") === "1") {
          out.textContent = out.getAttribute("data-masked");
          out.setAttribute("data-shown", "0");
          reveal.textContent = "Show";
          return;
        }
        revealKey().then(function (k) {
          out.textContent = k;
          out.setAttribute("data-shown", "1");
          reveal.textContent = "Hide";
        }).catch(function (e) { out.textContent = String(e); });
      });
    }
    if (copy) {
      copy.addEventListener("click", function () {
        revealKey().then(function (k) {
          return navigator.clipboard.writeText(k);
        }).then(function () { copy.textContent = "Copied"; })
          .catch(function () { copy.textContent = "Copy failed"; });
      });
    }
  }

  // Black-76 for the option chain's live IV and delta (display only: the figures the page loads
  // with, and every API answer, come from the server's option maths).
  function ncdf(x) {
    var t = 1 / (1 + 0.2316419 * Math.abs(x));
    var d = 0.3989422804014327 * Math.exp(-x * x / 2);
    var p = d * t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
    return x > 0 ? 1 - p : p;
  }
  function black76(call, f, k, t, r, s) {
    var sd = s * Math.sqrt(t), d1 = (Math.log(f / k) + 0.5 * s * s * t) / sd, d2 = d1 - sd;
    var df = Math.exp(-r * t);
    return call ? { price: df * (f * ncdf(d1) - k * ncdf(d2)), delta: df * ncdf(d1) }
      : { price: df * (k * ncdf(-d2) - f * ncdf(-d1)), delta: -df * ncdf(-d1) };
  }
  function impliedVol(call, f, k, t, r, price) {
    var lo = 1e-4, hi = 5;
    if (!(price > black76(call, f, k, t, r, lo).price && price < black76(call, f, k, t, r, hi).price)) { return null; }
    for (var i = 0; i < 60; i++) {
      var mid = (lo + hi) / 2;
      if (black76(call, f, k, t, r, mid).price > price) { hi = mid; } else { lo = mid; }
    }
    return (lo + hi) / 2;
  }
  // The chain table: its options' last prices and the underlying's move the forward.
  function optionChain() {
    var table = document.getElementById("option-chain");
    if (!table) { return null; }
    var loaded = Date.now();
    var expiry = Number(table.getAttribute("data-expiry-ts")) * 1000;
    var server = Number(table.getAttribute("data-server-ts")) * 1000;
    var forward0 = Number(table.getAttribute("data-forward"));
    var spot0 = Number(table.getAttribute("data-underlying-ltp"));
    var underlying = table.getAttribute("data-underlying-key");
    var shift = 0;
    var prices = {};
    function recompute(key) {
      var cell = table.querySelector('[data-option][data-ltp-key="' + key + '"]');
      var price = prices[key];
      if (!cell || !price) { return; }
      var row = cell.closest("tr[data-strike]");
      var years = (expiry - (server + Date.now() - loaded)) / (365 * 86400000);
      var f = forward0 + shift, k = Number(row.getAttribute("data-strike"));
      var call = cell.getAttribute("data-option") === "CE";
      if (!(years > 0 && f > 0 && k > 0)) { return; }
      var sigma = impliedVol(call, f, k, Math.max(years, 0.0001), 0, price);
      var iv = table.querySelector('[data-iv-key="' + key + '"]');
      var delta = table.querySelector('[data-delta-key="' + key + '"]');
      if (sigma === null) { return; }
      if (iv) { iv.textContent = (sigma * 100).toFixed(2); iv.setAttribute("data-live", "1"); }
      if (delta) { delta.textContent = black76(call, f, k, Math.max(years, 0.0001), 0, sigma).delta.toFixed(4); }
    }
    return {
      onPrice: function (key, ltp) {
        if (key === underlying) {
          shift = ltp - spot0;
          Object.keys(prices).forEach(recompute);
        } else if (table.querySelector('[data-option][data-ltp-key="' + key + '"]')) {
          prices[key] = ltp;
          recompute(key);
        }
      }
    };
  }
  function onOi(key, oi) {
    document.querySelectorAll('[data-oi-key="' + key + '"]').forEach(function (c) {
      c.textContent = String(oi);
    });
  }

  // Live prices: every [data-ltp-key="EXCHANGE:SYMBOL"] cell follows the feed; a row with
  // data-qty and data-avg recomputes its [data-pnl] cell (realized part data-base-paise plus
  // (ltp - avg) * qty) and the [data-pnl-total] sum.
  function setupLive() {
    var cells = document.querySelectorAll("[data-ltp-key]");
    var dot = document.getElementById("live-status");
    if (!cells.length) { return; }
    var keys = {};
    cells.forEach(function (c) { keys[c.getAttribute("data-ltp-key")] = true; });
    var symbols = Object.keys(keys).map(function (k) {
      var i = k.indexOf(":");
      return { exchange: k.slice(0, i), symbol: k.slice(i + 1) };
    });
    function recomputeTotal() {
      var total = document.querySelector("[data-pnl-total]");
      if (!total) { return; }
      var sum = 0;
      document.querySelectorAll("tr[data-qty]").forEach(function (row) {
        sum += Number(row.getAttribute("data-pnl-paise") || "0");
      });
      setSigned(total, sum);
    }
    function onTick(key, ltp) {
      document.querySelectorAll('[data-ltp-key="' + key + '"]').forEach(function (c) {
        c.textContent = money(ltp);
        c.setAttribute("data-ltp", String(ltp));
        var row = c.closest("tr[data-qty]");
        if (!row) { return; }
        var paise = Number(row.getAttribute("data-base-paise") || "0") +
          pnlPaise(ltp, Number(row.getAttribute("data-avg")), Number(row.getAttribute("data-qty")));
        row.setAttribute("data-pnl-paise", String(paise));
        var pnl = row.querySelector("[data-pnl]");
        if (pnl) { setSigned(pnl, paise); }
      });
      recomputeTotal();
      if (chain) { chain.onPrice(key, ltp); }
    }
    var chain = optionChain();
    var mode = document.querySelector("[data-oi-key]") ? 2 : 1;
    function connect(key) {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(scheme + location.host + "/ws");
      ws.onopen = function () { ws.send(JSON.stringify({ action: "authenticate", api_key: key })); };
      ws.onmessage = function (ev) {
        var m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        if (m.type === "auth" && m.status === "success") {
          ws.send(JSON.stringify({ action: "subscribe", symbols: symbols, mode: mode }));
          if (dot) { dot.classList.add("on"); dot.title = "live"; }
        } else if (m.type === "market_data" && m.data && m.data.ltp !== undefined) {
          if (m.data.oi !== undefined) { onOi(m.exchange + ":" + m.symbol, Number(m.data.oi)); }
          onTick(m.exchange + ":" + m.symbol, Number(m.data.ltp));
        } else if (m.type === "feed_status" && dot) {
          dot.title = m.status === "stale" ? "feed stale: reconnecting" : "live";
        }
      };
      ws.onclose = function () {
        if (dot) { dot.classList.remove("on"); dot.title = "reconnecting"; }
        setTimeout(function () { connect(key); }, 3000);
      };
    }
    revealKey().then(connect).catch(function () { if (dot) { dot.title = "no feed"; } });
  }

  // The market feed's badge on the dashboard, from the chart's poll.
  function showFeed(feed) {
    var badge = document.getElementById("feed-status");
    if (!badge || !feed) { return; }
    var stale = feed.status === "stale";
    badge.className = "badge " + (stale ? "bad" : "ok");
    badge.textContent = stale ? "stale since " + feed.since_ist : "ok";
    badge.title = stale ? "No market data since " + feed.since_ist + " IST for " + feed.instruments +
      " subscribed instruments; reconnecting" : "";
  }

  // The intraday P&L chart: polls the series and draws a polyline into the SVG.
  function setupChart() {
    var svg = document.getElementById("pnl-chart");
    if (!svg) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var now = document.getElementById("pnl-now");
    function el(name, attrs, text) {
      var e = document.createElementNS(ns, name);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) { e.textContent = text; }
      return e;
    }
    function draw(points) {
      while (svg.firstChild) { svg.removeChild(svg.firstChild); }
      var w = Math.max(svg.clientWidth || 600, 200), h = svg.clientHeight || 220, pad = 40;
      svg.setAttribute("viewBox", "0 0 " + w + " " + h);
      svg.setAttribute("data-points", String(points.length));
      if (!points.length) {
        svg.appendChild(el("text", { x: pad, y: h / 2 }, "No P&L samples yet"));
        return;
      }
      var t0 = points[0][0], t1 = points[points.length - 1][0];
      var lo = 0, hi = 0;
      points.forEach(function (p) { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); });
      if (hi === lo) { hi = lo + 1; }
      var x = function (t) { return pad + (t1 === t0 ? 0 : (t - t0) / (t1 - t0)) * (w - 2 * pad); };
      var y = function (v) { return h - pad + (lo - v) / (hi - lo) * (h - 2 * pad); };
      svg.appendChild(el("line", { "class": "zero", x1: pad, x2: w - pad, y1: y(0), y2: y(0) }));
      svg.appendChild(el("text", { x: 2, y: y(hi) + 4 }, money(hi)));
      svg.appendChild(el("text", { x: 2, y: y(lo) + 4 }, money(lo)));
      var d = points.map(function (p) { return x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1); }).join(" ");
      svg.appendChild(el("polyline", { "class": "line", points: d }));
      var last = points[points.length - 1][1];
      svg.setAttribute("data-last", String(last));
      if (now) { setSigned(now, Math.round(last * 100)); }
    }
    function poll() {
      fetch(svg.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          draw((j.points || []).map(function (p) { return [Number(p[0]), Number(p[1])]; }));
          showFeed(j.feed);
        })
        .catch(function () { /* next poll */ });
    }
    poll();
    setInterval(poll, Number(svg.getAttribute("data-every") || "2000"));
  }

  // The Action Center follows its queue: any change reloads the page, unless a rejection
  // reason is being typed (then the next change, or the user's own submit, does).
  function setupActionCenter() {
    var root = document.getElementById("action-center");
    if (!root || !window.EventSource) { return; }
    var typing = function () {
      var a = document.activeElement;
      return a && a.name === "reason" && a.value !== "";
    };
    var events = new EventSource(root.getAttribute("data-events"));
    // A submitted form is already taking the page elsewhere: a reload now would cancel it.
    document.addEventListener("submit", function () { events.close(); });
    var reload = function () { if (!typing()) { events.close(); location.reload(); } };
    // Live from the first open; a later open is a reconnection that may have missed changes.
    var opened = false;
    events.addEventListener("open", function () {
      if (opened) { reload(); return; }
      opened = true;
      root.setAttribute("data-live", "1");
    });
    events.addEventListener("pending_order_created", reload);
    events.addEventListener("pending_order_updated", reload);
  }

  ready(function () {
    setupTheme();
    setupConfirms();
    setupApiKey();
    setupLive();
    setupChart();
    setupActionCenter();
  });
})();
