// cxkit wallboard page: keeps the board from the server's SSE stream (a snapshot, then
// deltas; EventSource resumes with Last-Event-ID by itself) and ticks waits and times in
// state every second from their anchors, corrected by the server's clock.
"use strict";

(() => {
  const STATES = [
    ["ready", "Ready"],
    ["on_interaction", "On call"],
    ["after_work", "Wrap-up"],
    ["not_ready", "Not ready"],
    ["logged_out", "Logged out"],
  ];
  const STATE_LABEL = Object.fromEntries([...STATES, ["unknown", "Unknown"]]);
  const RANK = Object.fromEntries([...STATES, ["unknown"]].map(([s], i) => [s, i]));
  const STATUS_LABEL = {
    live: "Live",
    stale: "Stale",
    connecting: "Connecting",
    reconnecting: "Reconnecting",
    closed: "Stream closed",
    waiting: "Waiting",
  };
  const VENDOR_TAG = { five9: "Five9", genesys: "Genesys" };
  const DASH = "\u2014";

  const board = {
    version: -1,
    title: "",
    settings: {
      service_level_target: 0.8,
      wait_warning_seconds: 30,
      wait_breach_seconds: 60,
      max_agent_tiles: 600,
    },
    sources: new Map(),
    offset: 0,
    renders: 0,
  };
  window.wallboard = board; // for debugging (and nothing else relies on it)

  const root = document.getElementById("board");
  const dirty = new Set();
  let renderAll = false;
  let pending = false;

  // ------------------------------------------------------------------ helpers

  const esc = (value) =>
    String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const count = (value) => (value === null || value === undefined ? DASH : String(value));
  const percent = (value) => (value === null || value === undefined ? DASH : `${Math.round(value * 100)}%`);
  const now = () => Date.now() / 1000 + board.offset;

  function duration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  function waitClass(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds > board.settings.wait_breach_seconds) return "breach";
    if (seconds > board.settings.wait_warning_seconds) return "warn";
    return "";
  }

  function levelClass(level) {
    if (level === null || level === undefined) return "";
    return level < board.settings.service_level_target ? "bad" : "good";
  }

  // The longest wait of a queue now: ticking from its anchor while calls wait.
  function queueWait(q, t) {
    if (q.calls_waiting === 0) return 0;
    if (q.longest_wait_anchor !== null && q.longest_wait_anchor !== undefined) {
      return Math.max(0, t - q.longest_wait_anchor);
    }
    return q.longest_wait === undefined ? null : q.longest_wait;
  }

  // ------------------------------------------------------------------ state

  function sourceOf(header) {
    let source = board.sources.get(header.key);
    if (!source) {
      source = { header, queues: new Map(), agents: new Map() };
      board.sources.set(header.key, source);
    }
    return source;
  }

  function applySnapshot(doc) {
    board.sources = new Map();
    for (const item of doc.sources) {
      const { queues, agents, ...header } = item;
      const source = sourceOf(header);
      for (const q of queues) source.queues.set(q.id, q);
      for (const a of agents) source.agents.set(a.id, a);
    }
    board.title = doc.title || board.title;
    Object.assign(board.settings, doc.settings || {});
    renderAll = true;
  }

  function applyDelta(doc) {
    for (const header of doc.sources) {
      const source = sourceOf(header);
      source.header = header;
      dirty.add(header.key);
    }
    for (const q of doc.queues) {
      sourceOf({ key: q.source, label: q.source, status: "live" }).queues.set(q.id, q);
      dirty.add(q.source);
    }
    for (const a of doc.agents) {
      sourceOf({ key: a.source, label: a.source, status: "live" }).agents.set(a.id, a);
      dirty.add(a.source);
    }
    const removed = doc.removed || {};
    for (const [key, id] of removed.queues || []) {
      board.sources.get(key)?.queues.delete(id);
      dirty.add(key);
    }
    for (const [key, id] of removed.agents || []) {
      board.sources.get(key)?.agents.delete(id);
      dirty.add(key);
    }
    for (const key of removed.sources || []) {
      if (board.sources.delete(key)) renderAll = true;
    }
  }

  function receive(event) {
    let doc;
    try {
      doc = JSON.parse(event.data);
    } catch (err) {
      console.warn("wallboard: unreadable message skipped", err);
      return;
    }
    board.offset = doc.now - Date.now() / 1000;
    if (doc.type === "snapshot") applySnapshot(doc);
    else applyDelta(doc);
    board.version = doc.version;
    schedule();
  }

  function schedule() {
    if (pending) return;
    pending = true;
    setTimeout(render, 16);
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    pending = false;
    const t = now();
    document.getElementById("title").textContent = board.title || "Wallboard";
    document.title = `${board.title || "Wallboard"} · cxkit`;
    if (board.sources.size === 0) {
      root.innerHTML = '<div class="empty">Waiting for the first events…</div>';
    } else {
      const keys = [...board.sources.keys()].sort();
      const present = new Set(keys);
      root.querySelector(".empty")?.remove();
      for (const el of [...root.querySelectorAll("section.source")]) {
        if (!present.has(el.dataset.source)) el.remove();
      }
      let previous = null;
      for (const key of keys) {
        let el = root.querySelector(`section.source[data-source="${CSS.escape(key)}"]`);
        if (!el) {
          el = document.createElement("section");
          el.className = "source";
          el.dataset.source = key;
          renderAll = true;
          dirty.add(key);
        }
        if (renderAll || dirty.has(key)) el.innerHTML = sourceHtml(board.sources.get(key), t);
        el.dataset.status = board.sources.get(key).header.status || "live";
        if (previous ? previous.nextSibling !== el : root.firstChild !== el) {
          root.insertBefore(el, previous ? previous.nextSibling : root.firstChild);
        }
        previous = el;
      }
    }
    dirty.clear();
    renderAll = false;
    board.renders += 1;
    document.body.dataset.version = String(board.version);
    tick();
  }

  function totals(source, t) {
    let waiting = null;
    let longest = null;
    let handled = null;
    let abandoned = null;
    let weighted = 0;
    let weights = 0;
    const levels = [];
    for (const q of source.queues.values()) {
      if (q.calls_waiting !== null && q.calls_waiting !== undefined) waiting = (waiting || 0) + q.calls_waiting;
      const w = queueWait(q, t);
      if (w !== null && w !== undefined) longest = Math.max(longest || 0, w);
      if (q.handled !== null && q.handled !== undefined) handled = (handled || 0) + q.handled;
      if (q.abandoned !== null && q.abandoned !== undefined) abandoned = (abandoned || 0) + q.abandoned;
      if (q.service_level !== null && q.service_level !== undefined) {
        levels.push(q.service_level);
        const weight = q.offered || 0;
        weighted += q.service_level * weight;
        weights += weight;
      }
    }
    let level = null;
    if (levels.length) level = weights ? weighted / weights : levels.reduce((a, b) => a + b, 0) / levels.length;
    return { waiting, longest, handled, abandoned, level };
  }

  function kpi(name, label, valueHtml, extra = "") {
    return `<div class="kpi ${extra}" data-kpi="${name}"><div class="kpi-value">${valueHtml}</div><div class="kpi-label">${label}</div></div>`;
  }

  function valueOrUnknown(text) {
    return text === DASH ? `<span class="unknown" title="not in this feed">${DASH}</span>` : esc(text);
  }

  function sourceHtml(source, t) {
    const h = source.header;
    const status = h.status || "live";
    const tot = totals(source, t);
    const counts = Object.fromEntries([...STATES, ["unknown"]].map(([s]) => [s, 0]));
    for (const a of source.agents.values()) counts[a.state] = (counts[a.state] || 0) + 1;
    const agentTotal = source.agents.size;

    const parts = [];
    parts.push(`<header class="source-head">
      <h2>${esc(h.label || h.key)}</h2>
      ${VENDOR_TAG[h.vendor] ? `<span class="vendor-tag">${esc(VENDOR_TAG[h.vendor])}</span>` : ""}
      <span class="status status-${esc(status)}" data-field="status"><span class="dot"></span>${esc(STATUS_LABEL[status] || status)}</span>
      ${h.stale && h.stale_reason ? `<div class="stale-note">Figures may be out of date: ${esc(h.stale_reason)}. They refresh with the next full snapshot.</div>` : ""}
    </header>`);

    const slClass = tot.level === null ? "" : levelClass(tot.level) === "bad" ? "breach" : "good";
    parts.push(`<div class="kpis">
      ${kpi("calls_waiting", "Calls waiting", valueOrUnknown(count(tot.waiting)), "primary")}
      ${kpi("longest_wait", "Longest wait", `<span class="tick-wait">${valueOrUnknown(duration(tot.longest))}</span>`, waitClass(tot.longest))}
      ${kpi("service_level", "Service level", valueOrUnknown(percent(tot.level)), slClass)}
      ${kpi("handled", "Handled", valueOrUnknown(count(tot.handled)))}
      ${kpi("abandoned", "Abandoned", valueOrUnknown(count(tot.abandoned)), tot.abandoned ? "warn" : "")}
    </div>`);

    const bar = STATES.filter(([s]) => counts[s] > 0)
      .map(([s]) => `<span class="bg-${s}" style="flex:${counts[s]}" title="${esc(STATE_LABEL[s])}: ${counts[s]}"></span>`)
      .join("");
    const chips = STATES.map(
      ([s, label]) => `<span class="chip c-${s}" data-agent-count="${s}"><b>${counts[s]}</b>${esc(label)}</span>`,
    ).join("");
    parts.push(`<div class="agent-states" data-agents-total="${agentTotal}">
      <div class="statebar">${bar}</div>
      <div class="chips">${chips}</div>
    </div>`);

    const queues = [...source.queues.values()].sort(
      (a, b) => String(a.name).localeCompare(String(b.name)) || String(a.id).localeCompare(String(b.id)),
    );
    if (queues.length) {
      parts.push(`<h3 class="section-title">Queues</h3><div class="queues">${queues.map((q) => queueHtml(q, t)).join("")}</div>`);
    }

    const agents = [...source.agents.values()].sort(
      (a, b) => (RANK[a.state] ?? 9) - (RANK[b.state] ?? 9) || String(a.name).localeCompare(String(b.name)),
    );
    if (agents.length) {
      const limit = board.settings.max_agent_tiles || 600;
      const tiles = agents.slice(0, limit).map(agentHtml);
      if (agents.length > limit) tiles.push(`<div class="agent more">+${agents.length - limit} more</div>`);
      parts.push(`<h3 class="section-title">Agents · ${agentTotal}</h3><div class="agents">${tiles.join("")}</div>`);
    }
    return parts.join("");
  }

  const QUEUE_STATES = [
    ["agents_ready", "ready", "Ready"],
    ["agents_on_interaction", "on_interaction", "On call"],
    ["agents_after_work", "after_work", "Wrap-up"],
    ["agents_not_ready", "not_ready", "Not ready"],
  ];

  function queueHtml(q, t) {
    const wait = queueWait(q, t);
    const wc = q.calls_waiting ? waitClass(wait) : "";
    const lc = levelClass(q.service_level);
    const cls = ["queue", q.calls_waiting ? "calls" : "", lc === "bad" ? "breach" : wc].filter(Boolean).join(" ");
    const anchor = q.calls_waiting && q.longest_wait_anchor !== null && q.longest_wait_anchor !== undefined
      ? ` data-anchor="${q.longest_wait_anchor}"` : "";
    const quiet = (value) => (value === 0 ? " zero" : "");
    const states = QUEUE_STATES.filter(([name]) => q[name] !== null && q[name] !== undefined);
    const bar = states
      .filter(([name]) => q[name] > 0)
      .map(([name, s]) => `<span class="bg-${s}" style="flex:${q[name]}"></span>`)
      .join("");
    const chips = states
      .map(([name, s, label]) => `<span class="chip small c-${s}"><b data-field="${name}">${q[name]}</b>${label}</span>`)
      .join("");
    const slTitle = q.service_level_derived ? "derived from the interactions seen" : "as reported by the vendor";
    const slText = q.service_level === null || q.service_level === undefined ? "SL \u2014" : `SL ${percent(q.service_level)}`;
    return `<article class="${cls}" data-queue="${esc(q.id)}" data-source="${esc(q.source)}">
      <header><h3 title="${esc(q.name)}">${esc(q.name)}</h3>
        <span class="sl ${lc}" data-field="service_level" title="Service level, ${slTitle}">${slText}</span></header>
      <div class="queue-main">
        <div class="big"><span data-field="calls_waiting" class="${quiet(q.calls_waiting)}">${count(q.calls_waiting)}</span><small>waiting</small></div>
        <div class="big wait ${wc}"><span data-field="longest_wait" class="${q.calls_waiting ? "" : "zero"}"${anchor}>${duration(wait)}</span><small>longest wait</small></div>
      </div>
      <div class="statebar thin">${bar}</div>
      <div class="chips">${chips}</div>
      <footer>
        <span><b data-field="agents_logged_in">${count(q.agents_logged_in)}</b> logged in</span>
        <span>Handled <b data-field="handled">${count(q.handled)}</b></span>
        <span>Abandoned <b data-field="abandoned">${count(q.abandoned)}</b></span>
      </footer>
    </article>`;
  }

  function agentHtml(a) {
    let state = STATE_LABEL[a.state] || a.state;
    if (a.state === "not_ready" && a.reason) state = `${state} · ${a.reason}`;
    const since = a.since !== null && a.since !== undefined ? ` data-since="${a.since}"` : "";
    return `<div class="agent s-${esc(a.state)}" data-agent="${esc(a.id)}" data-state="${esc(a.state)}" title="${esc(a.login || a.name)} (${esc(a.id)})">
      <div class="agent-name">${esc(a.name)}</div>
      <div class="agent-state">${esc(state)}</div>
      <div class="agent-time"${since}>${DASH}</div>
    </div>`;
  }

  // Every second: the clock, ticking waits (queue cards and each source's KPI), times in state.
  function tick() {
    const t = now();
    const clock = new Date(t * 1000);
    document.getElementById("clock").textContent = clock.toLocaleTimeString([], { hour12: false });
    for (const el of root.querySelectorAll("[data-field='longest_wait'][data-anchor]")) {
      const seconds = Math.max(0, t - Number(el.dataset.anchor));
      el.textContent = duration(seconds);
      const box = el.parentElement;
      box.classList.remove("warn", "breach");
      const wc = waitClass(seconds);
      if (wc) box.classList.add(wc);
      const card = el.closest(".queue");
      if (card && !card.querySelector(".sl.bad")) {
        card.classList.remove("warn", "breach");
        if (wc) card.classList.add(wc);
      }
    }
    for (const section of root.querySelectorAll("section.source")) {
      const source = board.sources.get(section.dataset.source);
      const box = section.querySelector("[data-kpi='longest_wait']");
      if (!source || !box) continue;
      const longest = totals(source, t).longest;
      box.querySelector(".kpi-value").innerHTML = `<span class="tick-wait">${valueOrUnknown(duration(longest))}</span>`;
      box.classList.remove("warn", "breach");
      const wc = waitClass(longest);
      if (wc) box.classList.add(wc);
    }
    for (const el of root.querySelectorAll(".agent-time[data-since]")) {
      el.textContent = duration(t - Number(el.dataset.since));
    }
  }

  // ------------------------------------------------------------------ connection

  function connect() {
    const link = document.getElementById("link-text");
    const source = new EventSource("events");
    source.addEventListener("snapshot", receive);
    source.addEventListener("delta", receive);
    source.onopen = () => {
      document.body.dataset.link = "live";
      link.textContent = "Live";
    };
    source.onerror = () => {
      // EventSource reconnects by itself and sends Last-Event-ID: the server resumes.
      document.body.dataset.link = "reconnecting";
      link.textContent = "Reconnecting…";
    };
  }

  setInterval(tick, 1000);
  connect();
})();
