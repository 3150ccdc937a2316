// happybot dashboard: every action goes through the JSON API with the session's CSRF token.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let data = {};
  try { data = await response.json(); } catch (_) { /* an empty or non-JSON answer */ }
  if (!response.ok) {
    // FastAPI's validation errors are a list of {loc, msg}
    const detail = typeof data.detail === "string" ? data.detail
      : Array.isArray(data.detail) ? data.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ")
      : JSON.stringify(data.detail);
    throw new Error(detail || `${response.status} ${response.statusText}`);
  }
  return data;
}

function flash(message, kind = "info") {
  const box = document.getElementById("flash");
  if (!box) return;
  box.textContent = message;
  box.className = `flash ${kind}`;
  box.hidden = false;
}

// -- login -----------------------------------------------------------------------------------

function setupLogin() {
  const form = document.getElementById("login");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("login-error");
    error.hidden = true;
    try {
      await api("POST", "/api/login", {
        name: form.elements.name.value,
        password: form.elements.password.value,
      });
      window.location.assign(form.dataset.next || "/");
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  });
}

// -- header: mode and logout -----------------------------------------------------------------

const MODE_WORDS = {
  autopilot: "Switch to autopilot? Posts the screens pass will be published without a person.",
  copilot: "Switch to copilot? Every reply will wait for a person's approval.",
  paused: "Pause everything? Nothing more is published, including replies already queued.",
};

function showMode(mode) {
  document.getElementById("mode-now").textContent = mode;
  document.getElementById("mode-box").className = `mode mode-${mode}`;
  for (const button of document.querySelectorAll(".mode-btn")) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  }
}

function setupHeader() {
  for (const button of document.querySelectorAll(".mode-btn")) {
    button.addEventListener("click", async () => {
      const mode = button.dataset.mode;
      if (!window.confirm(MODE_WORDS[mode])) return;
      try {
        const done = await api("POST", "/api/mode", { mode, confirm: true, reason: "dashboard" });
        flash(done.detail, "ok");
        showMode(mode);
      } catch (e) {
        flash(e.message, "error");
      }
    });
  }
  const logout = document.getElementById("logout");
  logout?.addEventListener("click", async () => {
    try { await api("POST", "/api/logout"); } finally { window.location.assign("/login"); }
  });
}

// -- the review queue ------------------------------------------------------------------------

function setupQueue() {
  const queue = document.getElementById("queue");
  if (!queue) return;
  const reviewer = queue.dataset.reviewer === "yes";
  const items = () => Array.from(document.querySelectorAll("#items .item"));
  let current = null;

  function select(item) {
    if (!item) return;
    if (current) {
      current.classList.remove("current");
      document.getElementById(`detail-${current.dataset.post}`).hidden = true;
      if (reviewer) api("POST", `/api/posts/${current.dataset.post}/release`).catch(() => {});
    }
    current = item;
    item.classList.add("current");
    item.scrollIntoView({ block: "nearest" });
    const detail = document.getElementById(`detail-${item.dataset.post}`);
    detail.hidden = false;
    const img = detail.querySelector("img[data-src]");
    if (img && !img.src) img.src = img.dataset.src;
    if (reviewer) {
      api("POST", `/api/posts/${item.dataset.post}/claim`).catch((e) => flash(e.message, "error"));
    }
  }

  function move(step) {
    const all = items();
    const at = all.indexOf(current);
    select(all[Math.min(all.length - 1, Math.max(0, at + step))]);
  }

  function done(item, message) {
    const all = items();
    const next = all[all.indexOf(item) + 1] || all[all.indexOf(item) - 1];
    document.getElementById(`detail-${item.dataset.post}`).remove();
    item.remove();
    if (current === item) current = null;
    flash(message, "ok");
    const waiting = document.getElementById("nav-waiting");
    if (waiting) waiting.textContent = Math.max(0, Number(waiting.textContent) - 1);
    if (next) select(next);
    else if (!items().length) window.location.reload();
  }

  async function decide(action) {
    if (!current || !reviewer) return;
    const item = current;
    const detail = document.getElementById(`detail-${item.dataset.post}`);
    const reason = detail.querySelector(".reason-input")?.value || "";
    let body = { reason };
    if (action === "approve") {
      if (!item.dataset.sha) { flash("no picture to approve: it could not be drawn", "error"); return; }
      body = { reason, picture_sha256: item.dataset.sha };
    }
    if (action === "escalate" && !reason.trim()) {
      const why = window.prompt("Why does this post need an admin?");
      if (!why) return;
      body = { reason: why };
    }
    try {
      const answer = await api("POST", `/api/posts/${item.dataset.post}/${action}`, body);
      done(item, answer.detail);
    } catch (e) {
      flash(e.message, "error");
    }
  }

  function picked() {
    return items().filter((i) => i.querySelector(".pick").checked);
  }

  function countPicked() {
    const count = document.getElementById("bulk-count");
    if (count) count.textContent = `${picked().length} selected`;
  }

  async function bulk(action) {
    const chosen = picked();
    if (!chosen.length) { flash("select posts first (x, or the boxes)", "error"); return; }
    if (!window.confirm(`${action} ${chosen.length} posts?`)) return;
    const decisions = chosen.map((i) => ({
      post_id: Number(i.dataset.post), action, picture_sha256: i.dataset.sha || null, reason: "bulk",
    }));
    try {
      const result = await api("POST", "/api/queue/decide", { decisions });
      for (const id of result.done) done(document.getElementById(`item-${id}`), `${action}: ${result.done.length} done`);
      const refused = Object.entries(result.refused);
      if (refused.length) flash(refused.map(([id, why]) => `#${id}: ${why}`).join(" · "), "error");
      countPicked();
    } catch (e) {
      flash(e.message, "error");
    }
  }

  for (const item of items()) {
    item.addEventListener("click", (event) => {
      if (!event.target.classList.contains("pick")) select(item);
    });
    item.querySelector(".pick").addEventListener("change", countPicked);
  }
  for (const detail of document.querySelectorAll(".detail")) {
    detail.querySelector(".approve")?.addEventListener("click", () => decide("approve"));
    detail.querySelector(".reject")?.addEventListener("click", () => decide("reject"));
    detail.querySelector(".escalate")?.addEventListener("click", () => decide("escalate"));
  }
  document.getElementById("bulk-approve")?.addEventListener("click", () => bulk("approve"));
  document.getElementById("bulk-reject")?.addEventListener("click", () => bulk("reject"));

  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = {
      j: () => move(1),
      k: () => move(-1),
      x: () => { if (current) { const box = current.querySelector(".pick"); box.checked = !box.checked; countPicked(); } },
      a: () => decide("approve"),
      r: () => decide("reject"),
      e: () => decide("escalate"),
    };
    const action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });
  select(items()[0]);
}

// -- the live overview -----------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";

function svg(name, attributes, parent) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  parent?.appendChild(element);
  return element;
}

function drawChart(box, buckets) {
  const width = box.clientWidth || 800, height = 220, left = 36, bottom = 20, top = 8;
  const plotW = width - left - 8, plotH = height - bottom - top;
  const most = Math.max(1, ...buckets.map((b) => b.posts_in));
  const step = plotW / Math.max(1, buckets.length);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
  for (const value of [0, most]) {
    const y = top + plotH - (value / most) * plotH;
    svg("line", { x1: left, x2: width - 8, y1: y, y2: y, stroke: "#d8dee4" }, chart);
    svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, chart).textContent = value;
  }
  const points = [];
  buckets.forEach((b, i) => {
    const x = left + i * step;
    let y = top + plotH;
    const other = b.posts_in - b.published - b.waiting_for_review - b.rejected;
    for (const [kind, n] of [["published", b.published], ["waiting", b.waiting_for_review], ["rejected", b.rejected], ["other", other]]) {
      if (n <= 0) continue;
      const h = (n / most) * plotH;
      y -= h;
      const bar = svg("rect", { x: x + 1, y, width: Math.max(1, step - 2), height: h, class: `bar ${kind}` }, chart);
      svg("title", {}, bar).textContent = `${new Date(b.start).toLocaleTimeString()}: ${n} ${kind}`;
    }
    if (b.posts_in) points.push(`${x + step / 2},${top + plotH - (b.flagged / b.posts_in) * plotH}`);
    if (i % 10 === 0 && x < width - 60) {
      const label = new Date(b.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      svg("text", { x, y: height - 4 }, chart).textContent = label;
    }
  });
  if (points.length > 1) svg("polyline", { points: points.join(" "), class: "flagged-line" }, chart);
  box.replaceChildren(chart);
}

function setupOverview() {
  const box = document.getElementById("chart");
  if (!box) return;
  let lastChart = 0;
  const refreshChart = async () => {
    lastChart = Date.now();
    try { drawChart(box, await api("GET", "/api/timeline?minutes=60")); } catch (e) { flash(e.message, "error"); }
  };
  refreshChart();
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.addEventListener("counts", (event) => {
    const counts = JSON.parse(event.data);
    live.classList.remove("stale");
    for (const element of document.querySelectorAll("#counters [data-key]")) {
      const value = counts[element.dataset.key];
      element.textContent = element.dataset.format === "percent" ? `${(value * 100).toFixed(1)}%` : value;
    }
    const waiting = document.getElementById("nav-waiting");
    if (waiting) waiting.textContent = counts.waiting_for_review;
    if (counts.mode) showMode(counts.mode);
    if (Date.now() - lastChart > 3000) refreshChart();
  });
  source.addEventListener("error", () => live.classList.add("stale"));
}

// -- published replies and retraction --------------------------------------------------------

function setupRetract() {
  const panel = document.getElementById("retract");
  if (!panel) return;
  const picked = () => Array.from(document.querySelectorAll(".pick-reply:checked")).map((b) => Number(b.value));
  for (const box of document.querySelectorAll(".pick-reply")) {
    box.addEventListener("change", () => { document.getElementById("picked-count").textContent = picked().length; });
  }
  async function retract(selection, count) {
    const reason = document.getElementById("retract-reason").value.trim();
    if (!reason) { flash("say why (the reason is kept in the audit)", "error"); return; }
    if (!count) { flash("select replies first", "error"); return; }
    if (!window.confirm(`Retract ${count} published ${count === 1 ? "reply" : "replies"}? They are removed from the platform.`)) return;
    try {
      const result = await api("POST", "/api/retract", { ...selection, reason, expected_count: count });
      const failed = Object.entries(result.failed);
      flash(`retracted ${result.retracted.length}` + (failed.length ? `; not retracted: ${failed.map(([id, e]) => `#${id} (${e})`).join(", ")}` : ""), failed.length ? "error" : "ok");
      window.setTimeout(() => window.location.reload(), 1200);
    } catch (e) {
      flash(e.message, "error");
    }
  }
  document.getElementById("retract-selected")?.addEventListener("click", () => {
    const ids = picked();
    retract({ post_ids: ids }, ids.length);
  });
  document.getElementById("retract-matching")?.addEventListener("click", () => {
    const d = panel.dataset;
    const selection = {};
    for (const key of ["since", "until", "author", "label"]) if (d[key]) selection[key] = d[key];
    retract(selection, Number(d.matching));
  });
}

// -- users and incidents (admin) -------------------------------------------------------------

function setupAdmin() {
  for (const select of document.querySelectorAll(".role-select")) {
    select.addEventListener("change", async () => {
      const name = select.closest("tr").dataset.user;
      if (!window.confirm(`Make ${name} a ${select.value}? Their open sessions end.`)) { window.location.reload(); return; }
      try { flash((await api("POST", `/api/users/${encodeURIComponent(name)}/role`, { role: select.value })).detail, "ok"); }
      catch (e) { flash(e.message, "error"); }
    });
  }
  for (const button of document.querySelectorAll(".remove-user")) {
    button.addEventListener("click", async () => {
      const row = button.closest("tr");
      if (!window.confirm(`Remove ${row.dataset.user}? Their sessions and API tokens end.`)) return;
      try { flash((await api("POST", `/api/users/${encodeURIComponent(row.dataset.user)}/remove`)).detail, "ok"); row.remove(); }
      catch (e) { flash(e.message, "error"); }
    });
  }
  const optOut = document.getElementById("add-opt-out");
  optOut?.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/opt-outs", { handle: optOut.elements.handle.value, note: optOut.elements.note.value });
      window.location.reload();
    } catch (e) { flash(e.message, "error"); }
  });
  const form = document.getElementById("add-user");
  form?.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/users", { name: form.elements.name.value, role: form.elements.role.value, password: form.elements.password.value });
      window.location.reload();
    } catch (e) { flash(e.message, "error"); }
  });
  for (const button of document.querySelectorAll(".approve-statement")) {
    button.addEventListener("click", async () => {
      const box = button.closest(".statement");
      try {
        await api("POST", "/api/statements/approve", { network: box.dataset.network, language: box.dataset.language, sha256: box.dataset.sha });
        window.location.reload();
      } catch (e) { flash(e.message, "error"); }
    });
  }
  for (const button of document.querySelectorAll(".post-statement")) {
    button.addEventListener("click", async () => {
      const box = button.closest(".statement");
      const words = box.querySelector("q").textContent;
      if (!window.confirm(`Post this from the brand's account now?\n\n${words}`)) return;
      const incident = window.location.pathname.split("/").pop();
      try {
        const done = await api("POST", `/api/incidents/${incident}/statement`, { language: box.dataset.language, confirm: true });
        flash(done.detail, "ok");
        window.setTimeout(() => window.location.reload(), 800);
      } catch (e) { flash(e.message, "error"); }
    });
  }
  for (const button of document.querySelectorAll(".retract-statement")) {
    button.addEventListener("click", async () => {
      const reason = window.prompt("Delete the holding statement from the brand's account: why?");
      if (reason === null) return;
      try {
        await api("POST", `/api/incidents/${button.dataset.incident}/statement/retract`, { reason, confirm: true });
        window.location.reload();
      } catch (e) { flash(e.message, "error"); }
    });
  }
  for (const button of document.querySelectorAll(".ack-incident")) {
    button.addEventListener("click", async () => {
      try { await api("POST", `/api/incidents/${button.dataset.incident}/acknowledge`, { reason: "on it" }); window.location.reload(); }
      catch (e) { flash(e.message, "error"); }
    });
  }
  for (const button of document.querySelectorAll(".close-incident")) {
    button.addEventListener("click", async () => {
      const note = window.prompt("Close the incident: what did people find and do? (the mode stays as it is)");
      if (note === null) return;
      try { await api("POST", `/api/incidents/${button.dataset.incident}/close`, { reason: note }); window.location.reload(); }
      catch (e) { flash(e.message, "error"); }
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setupAdmin();
  setupRetract();
  setupLogin();
  setupHeader();
  setupQueue();
  setupOverview();
});
