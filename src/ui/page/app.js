// The run viewer's page: lists runs, shows one run (its statechart with the
// active states lit, its timeline, its error, the events it accepts) and
// follows changes through the server's event stream. Everything from the
// server is shown with textContent; only the diagram, which the server draws
// itself (src/visualize/svg.ts escapes every label), is inserted as markup.
// The token comes in the URL's fragment, is kept in sessionStorage and is
// sent in a header with every request.

const TOKEN_HEADER = "x-stepchart-token";
const KINDS = {
  step: "step", wait: "wait", sleep: "sleep", backoff: "retry backoff", escalated: "parked",
  compensation: "compensation", items: "items", child: "child machine", block: "block", state: "state", end: "end",
};

const state = {
  token: takeToken(),
  writable: false,
  status: "",
  runId: new URLSearchParams(location.search).get("run"),
  detail: null,
  /** The diagram shown: "workflow@version", to fetch each drawing once. */
  diagramKey: "",
  /** Server time minus page time, to draw open spans up to "now". */
  clockSkew: 0,
  stream: null,
};

/** Reads `#token=…` once, keeps it for the tab and takes it out of the address bar. */
function takeToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem("stepchart.token", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("stepchart.token") ?? "";
}

function headers(extra = {}) {
  return state.token ? { ...extra, [TOKEN_HEADER]: state.token } : extra;
}

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: headers(init.headers) });
  const body = res.headers.get("content-type")?.startsWith("application/json") ? await res.json() : await res.text();
  if (!res.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${res.status}`);
    error.status = res.status;
    error.code = body?.error?.code;
    throw error;
  }
  return body;
}

/** Builds an element; strings become text nodes (never markup). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) el.append(child instanceof Node ? child : String(child));
  return el;
}

const $ = (id) => document.getElementById(id);

function statusBadge(status) {
  return h("span", { class: `status status-${status}`, "data-status": status }, status);
}

function duration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h ${Math.round((ms % 3_600_000) / 60_000)}m`;
  return `${Math.floor(ms / 86_400_000)}d ${Math.round((ms % 86_400_000) / 3_600_000)}h`;
}

function when(ms) {
  return new Date(ms).toLocaleString();
}

// ---- the list of runs

async function loadRuns() {
  const query = state.status ? `?status=${encodeURIComponent(state.status)}` : "";
  const { runs } = await api(`/api/runs${query}`);
  const body = $("run-list");
  body.replaceChildren(
    ...runs.map((run) =>
      h(
        "tr",
        { class: `run-row${run.runId === state.runId ? " selected" : ""}`, "data-run-id": run.runId, onclick: () => select(run.runId) },
        h("td", { title: run.runId }, run.runId),
        h("td", { title: `${run.workflow} v${run.version}` }, run.workflow),
        h("td", {}, statusBadge(run.status)),
        h("td", { title: when(run.updatedAt) }, new Date(run.updatedAt).toLocaleTimeString()),
      ),
    ),
  );
  $("run-list-empty").hidden = runs.length > 0;
}

function select(runId) {
  state.runId = runId;
  const url = new URL(location.href);
  url.searchParams.set("run", runId);
  history.pushState(null, "", url.pathname + url.search);
  for (const row of document.querySelectorAll("tr.run-row")) row.classList.toggle("selected", row.dataset.runId === runId);
  $("action-result").textContent = "";
  follow();
  void loadRun();
}

// ---- one run

async function loadRun() {
  const runId = state.runId;
  if (!runId) {
    $("run-view").hidden = true;
    $("run-placeholder").hidden = false;
    return;
  }
  let detail;
  try {
    detail = await api(`/api/runs/${encodeURIComponent(runId)}`);
  } catch (e) {
    if (runId !== state.runId) return;
    $("run-view").hidden = true;
    $("run-placeholder").hidden = false;
    $("run-placeholder").textContent = e.status === 404 ? `No run with id ${runId} in this store.` : `Could not load the run: ${e.message}`;
    return;
  }
  if (runId !== state.runId) return; // another run was selected meanwhile
  state.detail = detail;
  if (detail.timeline) state.clockSkew = detail.timeline.end - Date.now();
  $("run-placeholder").hidden = true;
  $("run-view").hidden = false;
  $("run-view").dataset.status = detail.status;
  $("run-title").textContent = detail.runId;
  $("run-meta").replaceChildren(
    statusBadge(detail.status), " ",
    `${detail.workflow} v${detail.version} · started ${when(detail.createdAt)} · updated ${when(detail.updatedAt)}`,
    detail.waitingFor.length ? ` · waits for ${detail.waitingFor.join(", ")}` : "",
    detail.wakeAt ? ` · next timer ${when(detail.wakeAt)}` : "",
  );
  $("notes").replaceChildren(...detail.notes.map((n) => h("li", {}, n)));
  renderActions(detail);
  renderParked(detail);
  renderError(detail.error);
  await renderDiagram(detail);
  renderTimeline(detail);
  $("run-input").textContent = JSON.stringify(detail.input, null, 2);
  $("output-box").hidden = !("output" in detail);
  $("run-output").textContent = "output" in detail ? JSON.stringify(detail.output, null, 2) : "";
}

function renderActions(detail) {
  const forms = [];
  for (const action of detail.actions) {
    const needsPayload = !(action.operator && Object.keys(action.template).length === 0);
    const editor = needsPayload ? h("textarea", { "aria-label": `payload of ${action.type}`, "data-payload-for": action.type, spellcheck: "false" }) : null;
    if (editor) {
      editor.value = JSON.stringify(action.template, null, 2);
      editor.rows = Math.min(12, editor.value.split("\n").length + 1);
    }
    const button = h("button", { type: "submit", class: action.operator ? "" : "primary", "data-event": action.type, disabled: !state.writable }, action.label);
    forms.push(
      h(
        "form",
        { class: "action", onsubmit: (e) => { e.preventDefault(); void send(detail.runId, action.type, editor); } },
        h("div", {}, h("code", {}, action.type), needsPayload ? h("span", { class: "hint" }, "  payload (JSON):") : ""),
        editor,
        button,
      ),
    );
  }
  if (detail.cancellable) {
    forms.push(
      h(
        "form",
        { class: "action", onsubmit: (e) => { e.preventDefault(); if (confirm(`Cancel run ${detail.runId}? Its completed steps are compensated.`)) void cancel(detail.runId); } },
        h("button", { type: "submit", class: "danger", "data-action": "cancel", disabled: !state.writable }, "Cancel the run"),
      ),
    );
  }
  if (!state.writable && forms.length) forms.unshift(h("p", { class: "hint" }, "Read-only: open the URL that `stepchart ui` printed (it carries the token) to send events."));
  $("action-forms").replaceChildren(...forms);
  $("actions").hidden = forms.length === 0;
}

async function send(runId, type, editor) {
  const result = $("action-result");
  let payload = {};
  if (editor) {
    try {
      payload = JSON.parse(editor.value || "{}");
    } catch {
      result.className = "result failed";
      result.textContent = "The payload is not JSON.";
      return;
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      result.className = "result failed";
      result.textContent = "The payload must be a JSON object.";
      return;
    }
  }
  await act(`/api/runs/${encodeURIComponent(runId)}/signal`, { ...payload, type }, `${type} sent`);
}

async function cancel(runId) {
  await act(`/api/runs/${encodeURIComponent(runId)}/cancel`, {}, "Cancelled");
}

async function act(path, body, done) {
  const result = $("action-result");
  result.className = "result";
  result.textContent = "Sending…";
  for (const b of document.querySelectorAll("#action-forms button")) b.disabled = true;
  try {
    await api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    result.className = "result ok";
    result.textContent = done;
  } catch (e) {
    result.className = "result failed";
    result.textContent = e.message;
  }
  await Promise.all([loadRun(), loadRuns()]);
}

function renderParked(detail) {
  $("parked").hidden = detail.parked.length === 0;
  $("parked-list").replaceChildren(...detail.parked.map((p) => h("li", {}, h("code", {}, p.path), ` — ${p.error.category ?? ""} (${p.error.code ?? p.error.name}): ${p.error.message}`)));
}

function renderError(error) {
  $("error").hidden = !error;
  if (!error) return;
  const rows = [];
  const field = (name, value) => value !== undefined && value !== "" && rows.push(h("dt", {}, name), h("dd", { "data-field": name }, value));
  field("category", error.category);
  field("code", error.code);
  field("failed step", error.step);
  field("message", error.message);
  if (error.compensation) {
    field("compensated", error.compensation.ran.join(", ") || "none");
    field("compensation failed", error.compensation.failed.join(", ") || "none");
  }
  for (let cause = error.cause, depth = 1; cause; cause = cause.cause, depth++) {
    field(depth === 1 ? "cause" : `cause (${depth})`, `${cause.name}${cause.category ? ` · ${cause.category}` : ""}${cause.code ? ` (${cause.code})` : ""}: ${cause.message}`);
    if (cause.issues) field("issues", cause.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("\n"));
  }
  $("error-fields").replaceChildren(...rows);
}

async function renderDiagram(detail) {
  const box = $("diagram");
  if (!detail.diagram.available) {
    box.replaceChildren(h("p", { class: "muted" }, "No diagram: this viewer does not have the run's workflow."));
    state.diagramKey = "";
    return;
  }
  const key = `${detail.workflow}@${detail.diagram.version}@${detail.diagram.exact}`;
  if (key !== state.diagramKey) {
    const res = await fetch(`/api/runs/${encodeURIComponent(detail.runId)}/diagram.svg`, { headers: headers() });
    if (!res.ok) return;
    const svg = await res.text();
    if (detail.runId !== state.runId) return;
    // Drawn by the server from the workflow's definition; every label is XML-escaped there.
    box.innerHTML = svg;
    state.diagramKey = key;
  }
  const active = new Set(detail.active);
  const leaves = new Set(detail.active.filter((p) => !detail.active.some((q) => q.startsWith(`${p}.`))));
  box.className = `diagram run-${detail.status}`;
  for (const g of box.querySelectorAll("g.state[data-path]")) {
    const path = g.getAttribute("data-path");
    g.classList.toggle("active", active.has(path));
    g.classList.toggle("active-leaf", leaves.has(path));
  }
  // Bring the lit state into view whenever it moves (within the diagram's box only).
  const lit = box.querySelector("g.state.active-leaf");
  const shown = `${detail.runId}\u0000${[...leaves].join(",")}`;
  if (lit && box.dataset.scrolledFor !== shown) {
    box.dataset.scrolledFor = shown;
    const r = lit.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    box.scrollLeft += r.left - b.left - (b.width - r.width) / 2;
    box.scrollTop += r.top - b.top - (b.height - r.height) / 2;
  }
}

function renderTimeline(detail) {
  const box = $("timeline");
  const timeline = detail.timeline;
  if (!timeline) {
    box.replaceChildren(h("p", { class: "muted" }, "No timeline: this viewer does not have the run's workflow."));
    $("timeline-span").textContent = "";
    return;
  }
  const ended = ["done", "failed", "cancelled"].includes(detail.status);
  const end = ended ? timeline.end : Math.max(timeline.end, Date.now() + state.clockSkew);
  const start = timeline.start;
  const total = Math.max(end - start, 1);
  const pct = (t) => `${(((t - start) / total) * 100).toFixed(3)}%`;
  $("timeline-span").textContent = `${duration(end - start)}${timeline.from === "snapshot" ? " (from the latest snapshot)" : ""}`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f, i, all) =>
    h("span", { class: `tl-tick${i === 0 ? " first" : i === all.length - 1 ? " last" : ""}`, "data-left": f }, i === 0 ? "0" : `+${duration(total * f)}`),
  );
  const axis = h("div", { class: "tl-axis" }, h("span", {}, "state"), h("div", { class: "tl-ticks" }, ticks));
  const rows = timeline.rows.map((row) => {
    const bars = row.spans.map((span, i) => {
      const to = span.end ?? end;
      const attempt = row.spans.length > 1 ? ` · ${row.kind === "step" ? "attempt" : "span"} ${i + 1} of ${row.spans.length}` : "";
      const bar = h("span", {
        class: `tl-bar kind-${row.kind}${span.end === null ? " open" : ""}${row.kind === "end" && row.path !== "$done" ? " failed" : ""}`,
        title: `${row.label} (${KINDS[row.kind] ?? row.kind})${attempt}\n${when(span.start)} → ${span.end === null ? "now" : when(to)}\n${duration(to - span.start)}${span.end === null ? " so far" : ""}`,
        "data-kind": row.kind,
      });
      bar.style.left = pct(span.start);
      bar.style.width = `max(2px, ${(((to - span.start) / total) * 100).toFixed(3)}%)`;
      return bar;
    });
    const cached = row.cached
      ? h("span", { class: "tl-cached", title: `result from the step cache (key ${row.cached.key}), computed by run ${row.cached.from} at ${when(row.cached.at)}` }, " cached")
      : "";
    const label = h("span", { class: "tl-label", title: row.path || row.label }, row.label, row.spans.length > 1 && row.kind === "step" ? ` ×${row.spans.length}` : "", cached);
    label.style.paddingLeft = `${row.depth * 14}px`;
    return h("div", { class: "tl-row", "data-row": row.id, "data-kind": row.kind, ...(row.cached ? { "data-cached": row.cached.from } : {}) }, label, h("div", { class: "tl-track" }, bars));
  });
  box.replaceChildren(axis, ...rows);
  for (const tick of box.querySelectorAll(".tl-tick")) tick.style.left = `${Number(tick.dataset.left) * 100}%`;
  const kinds = [...new Set(timeline.rows.map((r) => r.kind))];
  $("legend").replaceChildren(...kinds.map((k) => h("span", {}, h("span", { class: `swatch kind-${k}` }), KINDS[k] ?? k)));
}

// ---- live updates: Server-Sent Events read with fetch (so the token header goes along)

function follow() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  const query = state.runId ? `?run=${encodeURIComponent(state.runId)}` : "";
  const connect = async () => {
    try {
      const res = await fetch(`/api/events${query}`, { headers: headers(), signal: controller.signal });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      $("live").textContent = "live";
      $("live").className = "live on";
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(message)?.[1];
          if (event === "runs") void loadRuns();
          if (event === "run") void loadRun();
        }
      }
    } catch {
      if (controller.signal.aborted) return;
    }
    $("live").textContent = "reconnecting…";
    $("live").className = "live";
    if (!controller.signal.aborted) setTimeout(connect, 2000);
  };
  void connect();
}

// Open spans grow while the run is not over.
setInterval(() => {
  const d = state.detail;
  if (d && !["done", "failed", "cancelled"].includes(d.status) && !$("run-view").hidden) renderTimeline(d);
}, 1000);

async function start() {
  try {
    const session = await api("/api/session");
    state.writable = session.writable;
  } catch {
    state.writable = false;
  }
  const access = $("access");
  access.textContent = state.writable ? "can send events" : "read-only";
  access.className = `access ${state.writable ? "writable" : "read-only"}`;
  $("status-filter").addEventListener("change", (e) => {
    state.status = e.target.value;
    void loadRuns();
  });
  window.addEventListener("popstate", () => {
    state.runId = new URLSearchParams(location.search).get("run");
    follow();
    void loadRun();
  });
  try {
    await loadRuns();
  } catch (e) {
    $("run-list-empty").hidden = false;
    $("run-list-empty").textContent = e.status === 401 ? "This viewer needs its token: open the URL that `stepchart ui` printed." : `Could not list the runs: ${e.message}`;
    return;
  }
  await loadRun();
  follow();
}

void start();
