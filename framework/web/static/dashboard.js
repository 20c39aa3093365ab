// The triobot dashboard: reads the bot's JSON API, then follows its event stream.
//
// Every figure comes from the API (the bot's status board, journal and risk gate); this
// script only formats and places it. Data goes into the page through textContent and
// createElement, never as markup. The stream (/api/events) says when to read again:
// `status` carries the header's figures every second, `bought` and `settled` say the open
// contracts, trades and equity changed. If the stream drops, the page polls until it is
// back. Control buttons POST with the session cookie and the X-Triobot header the server
// asks of cookie-authenticated requests (its CSRF rule).
"use strict";

(function () {
  const POLL_MS = 3000; // polling period while the stream is down
  const COALESCE_MS = 150; // events arriving together cause one read
  const RETRY_MS = 5000; // a closed stream is opened again after this
  const NOTICE_MS = 8000;
  const TRADES_PAGE = 25;
  const ALL = ["status", "trades", "open", "equity", "strategies"];

  const byId = (id) => document.getElementById(id);

  // -- formatting --------------------------------------------------------------------

  const money = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const signedMoney = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: "exceptZero",
  });
  const count = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  const NBSP = "\u00a0";

  const isNum = (x) => typeof x === "number" && Number.isFinite(x);
  const pad = (n) => String(n).padStart(2, "0");

  function fmtMoney(x) {
    return isNum(x) ? money.format(x) : "-";
  }

  function fmtSigned(x) {
    return isNum(x) ? signedMoney.format(x) : "-";
  }

  function fmtCount(x) {
    return isNum(x) ? count.format(x) : "-";
  }

  // A fraction (0.547) as a percentage (54.7 %).
  function fmtPercent(x) {
    return isNum(x) ? (100 * x).toFixed(1) + NBSP + "%" : "-";
  }

  function localDate(d) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  function localClock(d) {
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  // Unix seconds as local date and time: 2026-12-02 18:30:05.
  function fmtTime(epoch) {
    if (!isNum(epoch)) return "-";
    const d = new Date(epoch * 1000);
    return `${localDate(d)} ${localClock(d)}`;
  }

  // The same, without the date when it is today (table cells on a phone).
  function fmtShortTime(epoch) {
    if (!isNum(epoch)) return "-";
    const d = new Date(epoch * 1000);
    return localDate(d) === localDate(new Date()) ? localClock(d) : fmtTime(epoch);
  }

  // Seconds as 42 s, 12 min 05 s, 3 h 04 min, 2 d 03 h.
  function fmtDuration(seconds) {
    if (!isNum(seconds) || seconds < 0) return "-";
    const s = Math.floor(seconds);
    if (s < 60) return `${s}${NBSP}s`;
    if (s < 3600) return `${Math.floor(s / 60)}${NBSP}min ${pad(s % 60)}${NBSP}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}${NBSP}h ${pad(Math.floor(s / 60) % 60)}${NBSP}min`;
    return `${Math.floor(s / 86400)}${NBSP}d ${pad(Math.floor(s / 3600) % 24)}${NBSP}h`;
  }

  // plotly reads "YYYY-MM-DD HH:MM:SS.sss" as given: local time, as the tables show.
  function plotTime(epoch) {
    const d = new Date(epoch * 1000);
    return `${localDate(d)} ${localClock(d)}.${String(d.getMilliseconds()).padStart(3, "0")}`;
  }

  function sign(x) {
    if (!isNum(x) || x === 0) return "";
    return x > 0 ? "pos" : "neg";
  }

  function counted(mapping) {
    // Refusals arrive as {reason: n}; an old server may send the total alone.
    if (isNum(mapping)) return mapping;
    if (!mapping || typeof mapping !== "object") return 0;
    return Object.values(mapping).reduce((a, b) => a + (isNum(b) ? b : 0), 0);
  }

  function pairs(mapping, sep) {
    if (!mapping || typeof mapping !== "object") return "";
    return Object.entries(mapping)
      .map(([k, v]) => `${k}${sep}${typeof v === "object" ? JSON.stringify(v) : v}`)
      .join(", ");
  }

  // -- the DOM -------------------------------------------------------------------------

  function setText(id, text, cls) {
    const el = byId(id);
    el.textContent = text;
    if (cls !== undefined) el.dataset.tone = cls;
    return el;
  }

  function cell(row, text, opts) {
    const td = document.createElement("td");
    td.textContent = text;
    if (opts && opts.cls) td.className = opts.cls;
    if (opts && opts.title) td.title = opts.title;
    if (opts && opts.tone) td.dataset.tone = opts.tone;
    row.appendChild(td);
    return td;
  }

  function button(text, action, cls) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.dataset.action = action;
    if (cls) b.className = cls;
    return b;
  }

  function fillTable(tableId, emptyId, items, addRow) {
    const body = byId(tableId).tBodies[0];
    const rows = document.createDocumentFragment();
    for (const item of items) {
      const tr = document.createElement("tr");
      addRow(tr, item);
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    byId(tableId).hidden = items.length === 0;
    byId(emptyId).hidden = items.length > 0;
  }

  let noticeTimer = null;

  function notice(text, tone) {
    const el = setText("notice", text, tone || "info");
    el.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      el.hidden = true;
    }, NOTICE_MS);
  }

  // -- the API -------------------------------------------------------------------------

  class SignedOut extends Error {}

  async function failure(response) {
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") return body.error;
    } catch (_) {
      // not JSON: the status says enough
    }
    return `HTTP ${response.status}`;
  }

  let leaving = false;

  function signedOut() {
    // The session is gone (token changed, bot restarted): GET / shows the sign-in form.
    if (!leaving) {
      leaving = true;
      window.location.assign("/");
    }
    return new SignedOut("signed out");
  }

  async function getJSON(path) {
    const response = await fetch(path, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (response.status === 401) throw signedOut();
    if (!response.ok) throw new Error(`${path}: ${await failure(response)}`);
    return response.json();
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Triobot": "1", "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    if (response.status === 401) throw signedOut();
    if (!response.ok) throw new Error(await failure(response));
    return response.json();
  }

  async function control(path, body, done) {
    try {
      const result = await post(path, body);
      notice(result.detail || result.action || "done", result.changed === false ? "info" : "ok");
    } catch (err) {
      if (!(err instanceof SignedOut)) notice(err.message, "bad");
    }
    refresh(...done);
  }

  // -- the panels ----------------------------------------------------------------------

  const seen = { settled: null, bought: null };

  function renderStatus(s) {
    const cur = s.currency || "";
    setText("account", `${s.account || "-"}${s.virtual ? " (demo)" : s.virtual === false ? " (real)" : ""}`);
    setText("balance", fmtMoney(s.balance));
    setText("opening", `${cur ? cur + ", " : ""}opened at ${fmtMoney(s.opening_balance)}`);
    setText("pnl", fmtSigned(s.pnl), sign(s.pnl));
    setText(
      "winrate",
      s.settled ? `${fmtPercent(s.win_rate)} won (${fmtCount(s.won)} of ${fmtCount(s.settled)})` : "none settled yet",
    );
    setText("connection", s.connected ? "connected" : "disconnected", s.connected ? "pos" : "neg");
    setText("reconnects", `${fmtCount(s.reconnects)} reconnect${s.reconnects === 1 ? "" : "s"}`);
    setText("uptime", fmtDuration(s.uptime));
    setText("ticks", `${fmtCount(s.ticks)} ticks` + (s.candles ? `, ${fmtCount(s.candles)} candles` : ""));

    const counts = document.createDocumentFragment();
    const figures = [
      ["intents", s.intents],
      ["bought", s.bought],
      ["settled", s.settled],
      ["won", s.won],
      ["open", s.open],
      ["refused", counted(s.refused)],
      ["busy", s.busy],
    ];
    for (const [name, value] of figures) {
      const wrap = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = name;
      dd.textContent = fmtCount(value);
      dd.id = `count-${name}`;
      wrap.append(dt, dd);
      counts.appendChild(wrap);
    }
    byId("counts").replaceChildren(counts);

    const trips = Array.isArray(s.trips) ? s.trips : [];
    const holding = trips.filter((t) => !isNum(t.ended));
    const lines = [];
    if (s.stopping) lines.push("The bot is stopping: open contracts settle, no new trades.");
    if (s.tripped) {
      const trip = holding.find((t) => t.limit === s.tripped);
      lines.push(`Risk limit ${s.tripped} tripped: no new trades${trip && trip.reason ? ` (${trip.reason})` : ""}.`);
    }
    const banner = setText("banner", lines.join(" "), "bad");
    banner.hidden = lines.length === 0;

    const killed = holding.some((t) => t.limit === "kill_switch");
    byId("kill").hidden = killed;
    byId("clear-kill").hidden = !killed;
    byId("stop").disabled = Boolean(s.stopping);

    fillTable("trips", "trips-empty", trips.slice().reverse(), (tr, t) => {
      if (!isNum(t.ended)) tr.dataset.tone = "neg";
      cell(tr, t.limit);
      cell(tr, t.reason || "");
      cell(tr, fmtShortTime(t.started), { title: fmtTime(t.started) });
      cell(tr, isNum(t.until) ? fmtShortTime(t.until) : "end of session");
      cell(tr, isNum(t.ended) ? fmtShortTime(t.ended) : "holding");
    });

    setText("updated", `updated ${localClock(new Date())}`);

    // A stream drops events for a slow reader: the counts say when to read again anyway.
    if (seen.settled !== null && s.settled !== seen.settled) refresh("trades", "equity", "strategies");
    if (seen.bought !== null && s.bought !== seen.bought) refresh("open");
    seen.settled = s.settled;
    seen.bought = s.bought;
    // The open contracts' bid and profit move with every tick: read them while any is open.
    if (s.open > 0 || byId("open").tBodies[0].rows.length > 0) refresh("open");
  }

  let tradesOffset = 0;

  function renderTrades(body) {
    const trades = body.trades || [];
    const total = isNum(body.total) ? body.total : trades.length;
    fillTable("trades", "trades-empty", trades, (tr, t) => {
      tr.dataset.contract = String(t.contract_id);
      cell(tr, fmtShortTime(t.settled_at), { title: fmtTime(t.settled_at) });
      cell(tr, t.strategy);
      contractCell(tr, t);
      cell(tr, fmtSigned(t.profit), { cls: "num", tone: sign(t.profit) });
      cell(tr, t.status || "", { cls: "result", title: t.end || "" });
      cell(tr, fmtMoney(t.buy_price), { cls: "num" });
      cell(tr, fmtMoney(t.sell_price), { cls: "num" });
    });
    const first = trades.length ? tradesOffset + 1 : 0;
    setText("trades-count", total ? `${first}-${tradesOffset + trades.length} of ${fmtCount(total)}` : "");
    byId("trades-newer").disabled = tradesOffset === 0;
    byId("trades-older").disabled = tradesOffset + trades.length >= total;
  }

  function contractCell(tr, c) {
    const td = cell(tr, `${c.contract_type || ""} ${c.symbol || ""}`.trim());
    const id = document.createElement("span");
    id.className = "muted id";
    id.textContent = `#${c.contract_id}`;
    td.append(" ", id);
  }

  function renderOpen(body) {
    const open = body.open || [];
    fillTable("open", "open-empty", open, (tr, c) => {
      tr.dataset.contract = String(c.contract_id);
      cell(tr, fmtShortTime(c.purchase_time), { title: fmtTime(c.purchase_time) });
      cell(tr, c.strategy);
      contractCell(tr, c);
      cell(tr, isNum(c.profit) ? fmtSigned(c.profit) : "…", { cls: "num", tone: sign(c.profit) });
      const td = cell(tr, "");
      if (c.is_valid_to_sell) td.appendChild(button("Sell", "sell", "small"));
      cell(tr, isNum(c.bid_price) ? fmtMoney(c.bid_price) : "…", { cls: "num" });
      cell(tr, fmtMoney(c.buy_price), { cls: "num" });
      cell(tr, fmtMoney(c.payout), { cls: "num" });
    });
    setText("open-count", open.length ? `${open.length}` : "");
  }

  function renderStrategies(body) {
    fillTable("strategies", "strategies-empty", body.strategies || [], (tr, s) => {
      tr.dataset.strategy = s.strategy;
      cell(tr, s.strategy, { cls: "name" });
      const state = s.paused ? (s.state === "running" ? "paused" : `${s.state}, paused`) : s.state;
      cell(tr, state, { cls: "state", tone: s.paused ? "warn" : s.state === "running" ? "pos" : "neg" });
      const td = cell(tr, "");
      td.appendChild(s.paused ? button("Resume", "resume", "small") : button("Pause", "pause", "small"));
      cell(tr, fmtCount(s.intents), { cls: "num" });
      cell(tr, fmtCount(s.errors), { cls: "num" });
      cell(tr, fmtCount(s.restarts), { cls: "num" });
      const refusals = counted(s.refusals);
      cell(tr, refusals ? pairs(s.refusals, " ") : "-", { cls: "wrap" });
      cell(tr, (s.symbols || []).join(", "));
      cell(tr, pairs(s.params, "=") || "-", { cls: "wrap params" });
    });
  }

  let chartReady = false;

  function renderEquity(body) {
    const points = body.points || [];
    byId("equity-empty").hidden = points.length > 0;
    if (typeof window.Plotly === "undefined") {
      setText("equity-empty", "The chart library did not load.").hidden = false;
      return;
    }
    const trace = {
      type: "scatter",
      mode: points.length > 60 ? "lines" : "lines+markers",
      line: { shape: "hv", color: "#2f6fdf", width: 2 },
      marker: { size: 5 },
      x: points.map((p) => plotTime(p.t)),
      y: points.map((p) => p.equity),
      text: points.map((p) => `#${p.contract_id}`),
      hovertemplate: "%{x}<br>%{y:+.2f}  %{text}<extra></extra>",
      name: "profit",
    };
    const layout = {
      margin: { l: 52, r: 12, t: 8, b: 36 },
      height: 260,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { size: 12 },
      xaxis: { type: "date", tickformat: "%H:%M:%S", hoverformat: "%Y-%m-%d %H:%M:%S" },
      yaxis: { tickformat: ".2f", zeroline: true, zerolinecolor: "#999", title: { text: "profit" } },
      showlegend: false,
    };
    const chart = byId("equity-chart");
    window.Plotly.react(chart, [trace], layout, { responsive: true, displayModeBar: false });
    if (!chartReady && typeof window.ResizeObserver !== "undefined") {
      // plotly follows the window's resize events; a phone turned or a panel reflowed
      // changes the chart's box without one.
      new ResizeObserver(() => window.Plotly.Plots.resize(chart)).observe(chart);
    }
    chartReady = true;
  }

  const loaders = {
    status: () => getJSON("/api/status").then(renderStatus),
    trades: () => getJSON(`/api/trades?limit=${TRADES_PAGE}&offset=${tradesOffset}`).then(renderTrades),
    open: () => getJSON("/api/open").then(renderOpen),
    equity: () => getJSON("/api/equity").then(renderEquity),
    strategies: () => getJSON("/api/strategies").then(renderStrategies),
  };

  // -- reading again: coalesced, newest answer wins --------------------------------------

  const pending = new Set();
  const serial = {};
  let flushTimer = null;

  function refresh(...parts) {
    for (const p of parts) pending.add(p);
    if (flushTimer === null) flushTimer = setTimeout(flush, COALESCE_MS);
  }

  function flush() {
    flushTimer = null;
    const parts = [...pending];
    pending.clear();
    for (const part of parts) {
      const mine = (serial[part] = (serial[part] || 0) + 1);
      loaders[part]().then(
        () => {},
        (err) => {
          if (err instanceof SignedOut || serial[part] !== mine) return;
          if (err instanceof TypeError) setStream("unreachable", "neg"); // fetch: no answer
          else notice(err.message, "bad");
        },
      );
    }
  }

  // -- the stream, and polling while it is down ----------------------------------------

  let pollTimer = null;

  function setStream(text, tone) {
    setText("stream", text, tone);
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = setInterval(() => refresh(...ALL), POLL_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    if (typeof window.EventSource === "undefined") {
      setStream("polling", "warn");
      startPolling();
      return;
    }
    const stream = new EventSource("/api/events");
    const on = (kind, fn) =>
      stream.addEventListener(kind, (event) => {
        let data = {};
        try {
          data = JSON.parse(event.data);
        } catch (_) {
          // an event without a JSON body still says what changed
        }
        fn(data);
      });
    stream.onopen = () => {
      setStream("live", "pos");
      stopPolling();
      refresh(...ALL);
    };
    stream.onerror = () => {
      setStream("polling", "warn");
      startPolling();
      if (stream.readyState === EventSource.CLOSED) {
        // The browser gave up (a refusal, not a drop): open it again later.
        stream.close();
        setTimeout(connect, RETRY_MS);
      }
    };
    on("status", renderStatus);
    on("bought", () => refresh("open", "strategies"));
    on("settled", () => refresh("trades", "equity", "open", "strategies"));
    on("strategy", () => refresh("strategies"));
    on("control", () => refresh("status", "strategies"));
    on("trip", () => refresh("status"));
    on("connection_lost", () => refresh("status"));
    on("connection_restored", () => refresh("status"));
    on("stopped", (data) => {
      setStream("stopped", "neg");
      notice(`The bot stopped${data.reason ? `: ${data.reason}` : ""}.`, "bad");
      refresh(...ALL);
    });
  }

  // -- the buttons ---------------------------------------------------------------------

  function wire() {
    byId("strategies").addEventListener("click", (event) => {
      const b = event.target.closest("button[data-action]");
      if (!b) return;
      const name = b.closest("tr").dataset.strategy;
      b.disabled = true;
      control(`/api/strategies/${encodeURIComponent(name)}/${b.dataset.action}`, null, ["strategies"]);
    });
    byId("open").addEventListener("click", (event) => {
      const b = event.target.closest("button[data-action='sell']");
      if (!b) return;
      const id = b.closest("tr").dataset.contract;
      if (!window.confirm(`Sell contract #${id} at market?`)) return;
      b.disabled = true;
      control(`/api/contracts/${encodeURIComponent(id)}/sell`, null, ["open"]);
    });
    byId("kill").addEventListener("click", () => {
      const reason = window.prompt("Kill switch: no new trades until cleared. Reason (optional):", "");
      if (reason === null) return;
      control("/api/kill", reason ? { reason } : {}, ["status"]);
    });
    byId("clear-kill").addEventListener("click", () => control("/api/kill/clear", null, ["status"]));
    byId("stop").addEventListener("click", () => {
      if (!window.confirm("Stop the bot? Open contracts settle first; it does not start again by itself.")) return;
      control("/api/stop", null, ["status"]);
    });
    byId("trades-newer").addEventListener("click", () => {
      tradesOffset = Math.max(0, tradesOffset - TRADES_PAGE);
      refresh("trades");
    });
    byId("trades-older").addEventListener("click", () => {
      tradesOffset += TRADES_PAGE;
      refresh("trades");
    });
  }

  // For tests and the console: the formatting rules, and whether the chart was drawn.
  window.triobot = {
    fmtMoney,
    fmtSigned,
    fmtPercent,
    fmtTime,
    fmtDuration,
    chartReady: () => chartReady,
  };

  function start() {
    wire();
    refresh(...ALL);
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
