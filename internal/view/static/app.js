// wbinstrument view: one page, five views, all data from the JSON API.
//
// Every piece of run data is untrusted (prompts and answers are whatever
// the program sent and got), so the DOM is built with createElement and
// textContent only: no HTML parsing of data, no inline handlers, no string-built HTML.
// The server's Content-Security-Policy forbids inline script as a backstop.
"use strict";

(function () {
  const main = document.getElementById("main");
  const banners = document.getElementById("banners");
  const liveBox = document.getElementById("live");
  let overview = null;
  let liveTimer = null;
  let liveChosen = false; // the user touched the Live box
  let renderSeq = 0;

  // el builds an element. attrs: class, title, href (only "#..." links),
  // data-*, type, value, placeholder; children: nodes or strings (as text).
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "href" && !String(v).startsWith("#")) continue;
      if (k === "onclick") { n.addEventListener("click", v); continue; }
      n.setAttribute(k, String(v));
    }
    append(n, children);
    return n;
  }
  function append(n, children) {
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      n.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return n;
  }
  function svg(tag, attrs) {
    const n = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    return n;
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }

  async function api(path) {
    const r = await fetch(path, { headers: { Accept: "application/json" } });
    let body;
    try { body = await r.json(); } catch (e) { throw new Error(path + ": HTTP " + r.status + ", not JSON"); }
    if (!r.ok) throw new Error(body && body.error ? body.error : path + ": HTTP " + r.status);
    return body;
  }

  // ---- formatting ----
  const fmtInt = (n) => (n === null || n === undefined ? "" : Number(n).toLocaleString("en-US"));
  // tokenCell shows a token count, marked when it was estimated with a
  // tokenizer because the server sent no usage.
  const tokenCell = (r, n) => r.estimated
    ? el("td", { class: "num", title: "estimated with a tokenizer: the server sent no usage" }, "≈" + fmtInt(n))
    : el("td", { class: "num" }, fmtInt(n));
  function fmtMs(ms) {
    if (ms === null || ms === undefined || ms < 0) return "—";
    if (ms < 1000) return ms.toFixed(ms < 10 ? 2 : 0) + " ms";
    return (ms / 1000).toFixed(2) + " s";
  }
  function fmtCost(c) {
    if (c === null || c === undefined) return "—";
    if (c === 0) return "$0";
    // Small costs in plain decimals with two significant digits
    // ($0.0000087), never in exponent notation.
    if (c < 0.0001) return "$" + c.toFixed(Math.min(20, 1 - Math.floor(Math.log10(c))));
    return "$" + c.toFixed(c < 1 ? 4 : 2);
  }
  function pad(n, w) { return String(n).padStart(w || 2, "0"); }
  function fmtTime(ms) {
    if (!ms) return "—";
    const d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  function fmtDate(ms) { return ms ? new Date(ms).toLocaleString() : "—"; }
  function statusPill(s) { return el("span", { class: "status " + (s === "SUCCESS" || s === "ERROR" ? s : "OTHER") }, s || "?"); }

  // collapsible shows long text shortened, with a button to show it all.
  const SHORT = 1200;
  function collapsible(text) {
    const box = el("div");
    const pre = el("pre", { class: "text" });
    text = text === null || text === undefined ? "" : String(text);
    if (text.length <= SHORT && text.split("\n").length <= 24) {
      pre.textContent = text;
      return append(box, [pre]);
    }
    let open = false;
    const lines = text.split("\n");
    const short = lines.length > 24 ? lines.slice(0, 24).join("\n") : text;
    const btn = el("button", { type: "button", class: "more" });
    const show = () => {
      pre.textContent = open ? text : short.slice(0, SHORT) + " …";
      btn.textContent = open ? "Collapse" : "Show all (" + fmtInt(text.length) + " characters)";
    };
    btn.addEventListener("click", () => { open = !open; show(); });
    show();
    return append(box, [pre, btn]);
  }
  function kvTable(rows, empty) {
    if (!rows || rows.length === 0) return el("p", { class: "muted" }, empty || "none");
    return el("table", { class: "kv" }, el("tbody", {}, rows.map((r) => el("tr", {}, el("td", {}, r.key), el("td", {}, r.value)))));
  }
  function pretty(raw) {
    try { return JSON.stringify(raw, null, 2); } catch (e) { return String(raw); }
  }

  // ---- routing: #view?param=value&... ----
  function route() {
    const h = location.hash.replace(/^#/, "");
    const q = h.indexOf("?");
    const name = (q < 0 ? h : h.slice(0, q)) || "table";
    const params = new URLSearchParams(q < 0 ? "" : h.slice(q + 1));
    // #call=3 is the short form for a call's page.
    if (name.startsWith("call=")) { params.set("i", name.slice(5)); return { name: "call", params }; }
    return { name, params };
  }
  function go(name, params) {
    const s = params && [...params.keys()].length ? "?" + params.toString() : "";
    location.hash = name + s;
  }

  async function render() {
    const seq = ++renderSeq;
    const r = route();
    document.body.removeAttribute("data-ready");
    for (const a of document.querySelectorAll("nav a")) {
      a.classList.toggle("active", a.dataset.view === r.name || (r.name === "call" && a.dataset.view === "table"));
    }
    if (!overview) await loadOverview(false);
    if (overview && overview.error) return;
    const views = { table: viewTable, timeline: viewTimeline, call: viewCall, models: viewModels, overview: viewOverview };
    const view = views[r.name] || viewTable;
    try {
      const node = await view(r.params);
      if (seq !== renderSeq) return; // a newer navigation won
      clear(main);
      main.appendChild(node);
      document.body.setAttribute("data-ready", r.name);
    } catch (e) {
      if (seq !== renderSeq) return;
      clear(main);
      main.appendChild(el("div", { class: "errorpage" }, el("h1", {}, "Could not show this page"), el("p", {}, String(e.message || e))));
      document.body.setAttribute("data-ready", "error");
    }
  }

  // ---- overview, banners, live mode ----
  async function loadOverview(refresh) {
    let ov;
    try {
      ov = await api("/api/overview" + (refresh ? "?refresh=1" : ""));
    } catch (e) {
      ov = { error: "The viewer's server does not answer: " + (e.message || e) };
    }
    const changed = !overview || overview.loadedAt !== ov.loadedAt || !!overview.error !== !!ov.error;
    overview = ov;
    showBanners();
    if (ov.error) {
      clear(main);
      main.appendChild(el("div", { class: "errorpage" },
        el("h1", {}, "Cannot show this run"),
        el("pre", { class: "text" }, ov.error),
        el("p", {}, "Point wbinstrument view at a run directory (wandb/offline-run-…), its run-*.wandb file, or a wandb directory with a latest-run. With Live on, this page retries until the run appears.")));
      document.body.setAttribute("data-ready", "error");
    } else {
      const run = ov.run || {};
      document.getElementById("runname").textContent = (run.name || run.id || "") + (run.project ? "  ·  " + run.project : "");
      if (!liveChosen) setLive(ov.running);
    }
    return changed;
  }
  function showBanners() {
    clear(banners);
    const ov = overview;
    if (!ov || ov.error) return;
    if (ov.corrupt) {
      const what = ov.corrupt.torn
        ? "The run log ends inside a record at byte " + fmtInt(ov.corrupt.offset) + " (the program was killed mid-write, or is still writing)."
        : "The run log is damaged at byte " + fmtInt(ov.corrupt.offset) + ".";
      banners.appendChild(el("div", { class: "banner" + (ov.corrupt.torn ? "" : " error"), id: "corrupt-banner" },
        what + " Showing the " + fmtInt(ov.totals.calls) + " calls recorded before it. ", el("span", { class: "muted" }, ov.corrupt.message)));
    }
    if (ov.rowErrors) {
      banners.appendChild(el("div", { class: "banner" }, fmtInt(ov.rowErrors) + " history rows could not be decoded and are left out; first: " + ov.rowError));
    }
    if (ov.reloadError) {
      banners.appendChild(el("div", { class: "banner error" }, "Reloading failed, showing the previous read: " + ov.reloadError));
    }
  }
  function setLive(on) {
    liveBox.checked = !!on;
    if (liveTimer) { clearInterval(liveTimer); liveTimer = null; }
    if (on) {
      liveTimer = setInterval(async () => {
        if (await loadOverview(true)) render();
      }, 2000);
    }
  }
  liveBox.addEventListener("change", () => { liveChosen = true; setLive(liveBox.checked); });
  document.getElementById("reload").addEventListener("click", async () => {
    try { await fetch("/api/reload", { method: "POST" }); } catch (e) { /* the overview says why */ }
    overview = null;
    render();
  });

  // ---- 1. trace table ----
  const COLS = [
    ["time", "Time", ""], ["site", "Call site", ""], ["method", "Method", ""], ["model", "Model", ""],
    ["status", "Status", ""], ["prompt", "Prompt", "num"], ["completion", "Completion", "num"], ["total", "Total", "num"],
    ["latency", "Latency", "num"], ["ttft", "TTFT", "num"], ["cost", "Cost*", "num"],
  ];
  const PAGE = 100;
  let facets = null;
  let facetsFor = null;

  async function viewTable(p) {
    if (facetsFor !== overview.loadedAt) { facets = await api("/api/facets"); facetsFor = overview.loadedAt; }
    const sort = p.get("sort") || "time", dir = p.get("dir") || "asc";
    const page = Math.max(0, parseInt(p.get("page") || "0", 10) || 0);
    const q = new URLSearchParams();
    for (const k of ["model", "status", "site", "method", "q"]) if (p.get(k)) q.set(k, p.get(k));
    q.set("sort", sort); q.set("dir", dir); q.set("offset", String(page * PAGE)); q.set("limit", String(PAGE));
    const data = await api("/api/calls?" + q.toString());

    const nav = (changes) => {
      const np = new URLSearchParams(p);
      for (const [k, v] of Object.entries(changes)) { if (v === "" || v === null) np.delete(k); else np.set(k, v); }
      if (!("page" in changes)) np.delete("page");
      go("table", np);
    };
    const select = (key, label, plural) => {
      const s = el("select", { "data-filter": key, title: label },
        el("option", { value: "" }, "All " + plural),
        (facets[key] || []).map((f) => el("option", { value: f.value }, (f.value || "(none)") + " (" + fmtInt(f.count) + ")")));
      s.value = p.get(key) || "";
      s.addEventListener("change", () => nav({ [key]: s.value }));
      return s;
    };
    const search = el("input", { type: "search", placeholder: "Search prompts, answers, errors…", id: "search" });
    search.value = p.get("q") || "";
    let t = null;
    search.addEventListener("input", () => { clearTimeout(t); t = setTimeout(() => nav({ q: search.value }), 300); });

    const head = el("tr", {}, COLS.map(([key, label, cls]) => {
      const th = el("th", { class: "sortable " + cls + (key === sort ? " sorted" + (dir === "desc" ? " desc" : "") : ""), "data-sort": key }, label);
      th.addEventListener("click", () => nav({ sort: key, dir: key === sort && dir === "asc" ? "desc" : "asc" }));
      return th;
    }));
    const body = el("tbody", {}, data.rows.map((r) => {
      const tr = el("tr", { "data-i": r.i, title: r.message || null },
        el("td", { title: fmtDate(r.time) }, fmtTime(r.time)),
        el("td", { class: "site", title: r.site }, r.site || "—"),
        el("td", {}, r.method || "—", r.stream ? el("span", { class: "muted" }, " (stream)") : null),
        el("td", {}, r.model),
        el("td", {}, statusPill(r.status)),
        tokenCell(r, r.prompt), tokenCell(r, r.completion), tokenCell(r, r.total),
        el("td", { class: "num" }, fmtMs(r.latency)),
        el("td", { class: "num" }, r.ttft === null ? "—" : fmtMs(r.ttft)),
        el("td", { class: "num" }, fmtCost(r.cost)));
      tr.addEventListener("click", () => go("call=" + r.i));
      return tr;
    }));
    const pages = Math.max(1, Math.ceil(data.total / PAGE));
    const pager = el("div", { class: "pager" },
      el("button", { type: "button", disabled: page === 0, onclick: () => nav({ page: String(page - 1) }) }, "‹ Prev"),
      el("span", { id: "pageinfo" }, "Page " + fmtInt(page + 1) + " of " + fmtInt(pages) + " · " + fmtInt(data.total) + " of " + fmtInt(data.calls) + " calls"),
      el("button", { type: "button", disabled: page + 1 >= pages, onclick: () => nav({ page: String(page + 1) }) }, "Next ›"),
      el("span", { class: "muted" }, "(" + data.queryMs.toFixed(1) + " ms)"));
    return el("div", {},
      el("div", { class: "filters" }, select("model", "model", "models"), select("status", "status", "statuses"), select("site", "call site", "call sites"), select("method", "method", "methods"), search,
        (p.get("model") || p.get("status") || p.get("site") || p.get("method") || p.get("q")) ? el("button", { type: "button", onclick: () => go("table", new URLSearchParams()) }, "Clear filters") : null),
      pager,
      el("table", { class: "calls", id: "calls" }, el("thead", {}, head), body),
      data.rows.length === 0 ? el("p", { class: "muted" }, "No calls match.") : null,
      el("p", { class: "est" }, overview.pricedWith
        ? "* Cost as logged with each call, priced with " + overview.pricedWith + "; blank for calls that could not be priced."
        : "* The run was logged without costs: cost is estimated here from list prices as of " + overview.pricesAsOf + " for known models; blank for others."));
  }

  // ---- 2. timeline ----
  const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#e15759"];
  function colourOf(by, b, models) {
    if (by === "model") return PALETTE[models.indexOf(b.model) % PALETTE.length];
    return b.status === "SUCCESS" ? "#3fae6a" : b.status === "ERROR" ? "#e05252" : "#9aa5b8";
  }
  async function viewTimeline(p) {
    const by = p.get("color") === "model" ? "model" : "status";
    const q = new URLSearchParams();
    for (const k of ["model", "status", "site", "method", "q", "from", "to"]) if (p.get(k)) q.set(k, p.get(k));
    const tl = await api("/api/timeline?" + q.toString());
    const models = [...new Set(tl.bars.map((b) => b.model))].sort();
    const width = Math.max(600, main.clientWidth - 40);
    const left = 8, right = 8, axisH = 22, concH = 40;
    const lanes = Math.max(1, tl.lanes);
    const laneH = Math.max(3, Math.min(16, Math.floor(560 / lanes)));
    const height = axisH + concH + 8 + lanes * laneH + 8;
    const span = Math.max(1, tl.to - tl.from);
    const x = (t) => left + ((t - tl.from) / span) * (width - left - right);
    const s = svg("svg", { class: "timeline", width, height, viewBox: "0 0 " + width + " " + height, id: "timeline" });

    // Time axis: seconds since the run's first call.
    const ticks = 8;
    for (let k = 0; k <= ticks; k++) {
      const t = tl.from + (span * k) / ticks;
      const xx = x(t);
      s.appendChild(svg("line", { class: "grid", x1: xx, x2: xx, y1: axisH - 4, y2: height }));
      const label = svg("text", { x: Math.min(xx + 2, width - 50), y: 12 });
      label.textContent = "+" + ((t - tl.runStart) / 1000).toFixed(span < 10000 ? 2 : 1) + " s";
      s.appendChild(label);
    }
    // Concurrency strip.
    const maxC = Math.max(1, ...tl.concurrency);
    const slotW = (width - left - right) / tl.concurrency.length;
    tl.concurrency.forEach((c, k) => {
      if (!c) return;
      const h = (c / maxC) * concH;
      const r = svg("rect", { class: "conc", x: left + k * slotW, y: axisH + concH - h, width: Math.max(1, slotW - 0.5), height: h });
      const tt = svg("title", {}); tt.textContent = c + " in flight"; r.appendChild(tt);
      s.appendChild(r);
    });
    const top = axisH + concH + 8;
    for (const b of tl.bars) {
      const x0 = x(Math.max(b.s, tl.from)), x1 = x(Math.min(b.e, tl.to));
      const r = svg("rect", { class: "bar", x: x0, y: top + b.lane * laneH, width: Math.max(1.5, x1 - x0 - 1), height: Math.max(2, laneH - 1), fill: colourOf(by, b, models), "data-i": b.i });
      const tt = svg("title", {});
      tt.textContent = b.site + "\n" + b.model + " · " + b.status + " · " + fmtMs(b.e - b.s);
      r.appendChild(tt);
      r.addEventListener("click", () => go("call=" + b.i));
      s.appendChild(r);
    }
    // Drag across the chart to zoom into that window.
    let drag = null, brush = null;
    const toT = (ev) => {
      const rect = s.getBoundingClientRect();
      return tl.from + ((ev.clientX - rect.left - left) / (width - left - right)) * span;
    };
    s.addEventListener("mousedown", (ev) => { if (ev.target.classList.contains("bar")) return; drag = toT(ev); brush = svg("rect", { class: "brush", x: x(drag), y: 0, width: 0, height }); s.appendChild(brush); });
    s.addEventListener("mousemove", (ev) => { if (drag === null) return; const t = toT(ev); brush.setAttribute("x", Math.min(x(t), x(drag))); brush.setAttribute("width", Math.abs(x(t) - x(drag))); });
    s.addEventListener("mouseup", (ev) => {
      if (drag === null) return;
      const a = drag, b = toT(ev); drag = null;
      if (Math.abs(x(a) - x(b)) < 4) { brush.remove(); return; }
      zoomTo(Math.min(a, b), Math.max(a, b));
    });
    const zoomTo = (from, to) => {
      const np = new URLSearchParams(p);
      np.set("from", String(Math.max(tl.runStart, from))); np.set("to", String(Math.min(tl.runEnd, to)));
      if (from <= tl.runStart && to >= tl.runEnd) { np.delete("from"); np.delete("to"); }
      go("timeline", np);
    };
    const mid = (tl.from + tl.to) / 2;
    const colourSel = el("select", { id: "colour" }, el("option", { value: "status" }, "Colour by status"), el("option", { value: "model" }, "Colour by model"));
    colourSel.value = by;
    colourSel.addEventListener("change", () => { const np = new URLSearchParams(p); np.set("color", colourSel.value); go("timeline", np); });
    const legend = by === "model"
      ? models.map((m) => el("span", {}, el("span", { class: "sw", "data-c": m }), m))
      : ["SUCCESS", "ERROR"].map((st) => el("span", {}, el("span", { class: "sw", "data-c": st }), st));
    const legendBox = el("div", { class: "legend" }, legend);
    for (const sw of legendBox.querySelectorAll(".sw")) {
      sw.style.background = by === "model" ? PALETTE[models.indexOf(sw.dataset.c) % PALETTE.length] : colourOf("status", { status: sw.dataset.c });
    }
    return el("div", {},
      el("div", { class: "tl-controls" }, colourSel,
        el("button", { type: "button", onclick: () => zoomTo(mid - span / 4, mid + span / 4) }, "Zoom in"),
        el("button", { type: "button", onclick: () => zoomTo(mid - span, mid + span) }, "Zoom out"),
        el("button", { type: "button", onclick: () => zoomTo(tl.from - span / 2, tl.to - span / 2) }, "←"),
        el("button", { type: "button", onclick: () => zoomTo(tl.from + span / 2, tl.to + span / 2) }, "→"),
        el("button", { type: "button", onclick: () => zoomTo(tl.runStart, tl.runEnd) }, "Whole run"),
        el("span", { class: "muted", id: "tlinfo" }, fmtInt(tl.total) + " calls in view" + (tl.sampled ? " (" + fmtInt(tl.bars.length) + " drawn, zoom in for all)" : "") +
          " · up to " + Math.max(0, ...tl.concurrency) + " in flight · drag across the chart to zoom, click a bar to open the call")),
      legendBox,
      el("div", { class: "tl-wrap" }, s));
  }

  // ---- 3. call detail ----
  async function viewCall(p) {
    const i = parseInt(p.get("i"), 10);
    const d = await api("/api/call?i=" + encodeURIComponent(isNaN(i) ? "" : String(i)));
    const card = (k, v) => el("div", { class: "card" }, el("div", { class: "k" }, k), el("div", { class: "v" }, v));
    const msgs = d.messages.map((m) => el("div", { class: "msg " + m.role },
      el("div", { class: "role" }, m.role + (m.name ? " · " + m.name : "") + (m.toolCallId ? " · tool call " + m.toolCallId : "")),
      collapsible(m.content),
      (m.toolCalls || []).map((tc) => el("div", { class: "more" }, "→ " + tc.name + "(" + tc.arguments + ")"))));
    if (d.input) msgs.push(el("div", { class: "msg" }, el("div", { class: "role" }, "input"), collapsible(d.input)));
    const answer = [];
    if (d.responseText) answer.push(el("div", { class: "msg assistant" }, el("div", { class: "role" }, "assistant" + (d.stream ? " (assembled stream)" : "")), collapsible(d.responseText)));
    for (const tc of d.toolCalls) {
      let args = tc.arguments;
      try { args = JSON.stringify(JSON.parse(tc.arguments), null, 2); } catch (e) { /* keep as sent */ }
      answer.push(el("div", { class: "msg assistant" }, el("div", { class: "role" }, "tool call · " + tc.name + (tc.id ? " · " + tc.id : "")), collapsible(args)));
    }
    if (answer.length === 0 && !d.error) answer.push(el("p", { class: "muted" }, "No answer text logged."));
    const stats = d.stats ? el("table", { class: "kv" }, el("tbody", {}, d.stats.columns.map((c, k) =>
      el("tr", {}, el("td", {}, c), el("td", {}, (d.stats.data[0] || [])[k] === undefined ? "" : typeof d.stats.data[0][k] === "string" ? d.stats.data[0][k] : JSON.stringify(d.stats.data[0][k])))))) : el("p", { class: "muted" }, d.statsError || "No stats table for this call.");
    return el("div", { id: "call" },
      el("div", { class: "callhead" },
        el("h1", {}, "Call " + d.index),
        statusPill(d.status),
        el("span", {}, d.method), el("span", {}, d.model), el("code", {}, d.site),
        el("span", { class: "spacer" }),
        el("a", { href: "#table" }, "↩ table"),
        d.prev >= 0 ? el("a", { href: "#call=" + d.prev }, "‹ previous") : null,
        d.next >= 0 ? el("a", { href: "#call=" + d.next }, "next ›") : null),
      el("div", { class: "cards" },
        card("started", fmtTime(d.time)), card("latency", fmtMs(d.latency)), card("time to first token", d.ttft === null ? "—" : fmtMs(d.ttft)),
        card(d.estimated ? "prompt tokens (estimated)" : "prompt tokens", fmtInt(d.prompt)),
        card(d.estimated ? "completion tokens (estimated)" : "completion tokens", fmtInt(d.completion)),
        card(d.estimated ? "total tokens (estimated)" : "total tokens", fmtInt(d.total)),
        d.cachedTokens ? card("cached tokens", fmtInt(d.cachedTokens)) : null, d.reasoningTokens ? card("reasoning tokens", fmtInt(d.reasoningTokens)) : null,
        card("cost", fmtCost(d.cost)), card("finish", d.finishReasons.join(", ") || "—")),
      d.error ? el("div", { class: "msg error", id: "callerror" }, el("div", { class: "role" }, "error" + (d.error.type ? " · " + d.error.type : "") + (d.error.httpStatus ? " · HTTP " + d.error.httpStatus : "") + (d.error.code ? " · " + d.error.code : "")), collapsible(d.error.message)) : null,
      el("div", { class: "grid2" },
        el("section", {}, el("h2", {}, "Request"), msgs.length ? msgs : el("p", { class: "muted" }, "No request messages logged."),
          el("h2", {}, "Parameters"), kvTable(d.params)),
        el("section", {}, el("h2", {}, "Response"), answer,
          el("h2", {}, "Rate limits"), kvTable(d.rateLimits, "No rate-limit headers."),
          el("h2", {}, "Attributes"), kvTable(d.attributes),
          el("h2", {}, "Usage"), kvTable(d.usage),
          el("h2", {}, "Stats table"), stats)),
      el("h2", {}, "Raw"),
      el("details", {}, el("summary", {}, "Request JSON"), collapsible(d.request === null ? "(none)" : pretty(d.request))),
      el("details", {}, el("summary", {}, "Response JSON"), collapsible(d.response === null ? "(none)" : pretty(d.response))));
  }

  // ---- 4. models ----
  async function viewModels() {
    const data = await api("/api/models");
    const rows = data.models.map((m) => el("tr", { "data-model": m.model },
      el("td", {}, el("a", { href: "#table?model=" + encodeURIComponent(m.model) }, m.model)),
      el("td", { class: "num" }, fmtInt(m.calls)), el("td", { class: "num" }, fmtInt(m.errors)),
      el("td", { class: "num" }, fmtInt(m.promptTokens)), el("td", { class: "num" }, fmtInt(m.completionTokens)), el("td", { class: "num" }, fmtInt(m.totalTokens)),
      el("td", { class: "num" }, fmtMs(m.latencyP50)), el("td", { class: "num" }, fmtMs(m.latencyP90)), el("td", { class: "num" }, fmtMs(m.latencyP99)),
      el("td", { class: "num" }, m.ttftP50 === null ? "—" : fmtMs(m.ttftP50)), el("td", { class: "num" }, fmtCost(m.cost))));
    const cards = data.models.map((m) => {
      const meta = [];
      if (m.card) {
        meta.push({ key: "family", value: m.card.family + " (" + m.card.kind + ")" });
        if (m.card.contextWindow) meta.push({ key: "context window", value: fmtInt(m.card.contextWindow) + " tokens" });
        if (m.card.maxOutputTokens) meta.push({ key: "max output", value: fmtInt(m.card.maxOutputTokens) + " tokens" });
        meta.push({ key: "list price", value: "$" + m.card.inputPerMTok + " in / $" + m.card.outputPerMTok + " out per 1M tokens" + (m.card.cachedInputPerMTok ? ", $" + m.card.cachedInputPerMTok + " cached in" : "") });
      } else {
        meta.push({ key: "known metadata", value: "none (not in the price table)" });
      }
      meta.push({ key: "answered as", value: m.responseModels.join(", ") || "—" });
      meta.push({ key: "methods", value: m.methods.join(", ") || "—" });
      if (m.apiTypes.length) meta.push({ key: "api type", value: m.apiTypes.join(", ") });
      meta.push({ key: "model_dict hashes", value: String(m.modelHashes) });
      for (const kv of m.params) meta.push({ key: "request." + kv.key, value: kv.value });
      return el("div", { class: "modelcard" }, el("h3", {}, m.model), kvTable(meta),
        m.sample >= 0 ? el("p", {}, el("a", { href: "#call=" + m.sample }, "Open a call of this model (full request and response)")) : null);
    });
    return el("div", {},
      el("table", { class: "calls", id: "models" }, el("thead", {}, el("tr", {},
        ["Model", "Calls", "Errors", "Prompt", "Completion", "Total", "p50", "p90", "p99", "TTFT p50", "Cost*"].map((h, k) => el("th", { class: k ? "num" : "" }, h)))),
      el("tbody", {}, rows)),
      el("p", { class: "est" }, "Latency percentiles are nearest-rank over each model's calls. * Cost: estimate from list prices as of " + data.pricesAsOf + "."),
      el("h2", {}, "Model information"), cards);
  }

  // ---- 5. run overview ----
  async function viewOverview() {
    const ov = overview, run = ov.run || {}, t = ov.totals;
    const card = (k, v) => el("div", { class: "card" }, el("div", { class: "k" }, k), el("div", { class: "v" }, v));
    const info = [
      { key: "run id", value: run.id || "—" }, { key: "name", value: run.name || "—" },
      { key: "project", value: run.project || "(default)" }, { key: "entity", value: run.entity || "(default)" },
      { key: "host", value: run.host || "—" }, { key: "started", value: run.startTime ? new Date(run.startTime).toLocaleString() : "—" },
      { key: "ended", value: ov.exit ? "exit code " + ov.exit.code + " after " + ov.exit.runtimeSeconds + " s" : "no exit record: still running, or killed" },
      { key: "tags", value: (run.tags || []).join(", ") || "—" },
      { key: "log file", value: ov.path }, { key: "size", value: fmtInt(ov.size) + " bytes, " + fmtInt(ov.records) + " records, " + fmtInt(ov.historyRows) + " history rows" },
      { key: "written by", value: ov.producer || "—" }, { key: "read in", value: ov.loadMs.toFixed(0) + " ms at " + new Date(ov.loadedAt).toLocaleTimeString() },
    ];
    if (ov.spans) info.push({ key: "OpenTelemetry spans", value: fmtInt(ov.spans.kept) + " kept for W&B Weave in " + ov.spans.path + ", " +
      (ov.spans.sent === ov.spans.kept ? "all sent by sync" : fmtInt(ov.spans.sent) + " sent; `wbinstrument sync` sends the rest") });
    if (run.notes) info.push({ key: "notes", value: run.notes });
    if (run.group) info.push({ key: "group", value: run.group });
    if (run.jobType) info.push({ key: "job type", value: run.jobType });
    return el("div", { id: "overview" },
      el("div", { class: "cards" },
        card("calls", fmtInt(t.calls)), card("errors", fmtInt(t.errors)),
        card("prompt tokens", fmtInt(t.prompt)), card("completion tokens", fmtInt(t.completion)), card("total tokens", fmtInt(t.total)),
        card("cost", fmtCost(t.cost) + (t.costCalls < t.calls ? " (" + fmtInt(t.costCalls) + " priced)" : "")),
        card("latency p50 / p99", fmtMs(t.latencyP50) + " / " + fmtMs(t.latencyP99)),
        card("max concurrency", fmtInt(t.maxConcurrency)),
        card("first call", fmtTime(t.firstMs)), card("last call ended", fmtTime(t.lastMs)),
        card("exit code", ov.exit ? String(ov.exit.code) : "—")),
      el("div", { class: "grid2" },
        el("section", {}, el("h2", {}, "Run"), kvTable(info), el("h2", {}, "Environment"), kvTable(ov.environment || [], "No environment recorded.")),
        el("section", {}, el("h2", {}, "Config"), kvTable(ov.config, "No config."), el("h2", {}, "Summary"), kvTable(ov.summary, "No summary yet."))));
  }

  window.addEventListener("hashchange", render);
  window.addEventListener("resize", () => { if (route().name === "timeline") render(); });
  render();
})();
