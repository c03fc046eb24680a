// One phone: its live screen (the focused stream, ≥ 5 frames/s on a virtual phone) and
// remote control — click to tap, drag to swipe, hold to long-press, type text, back /
// home / enter — after taking control (its jobs wait meanwhile; every action is in the
// audit log). Beside it: the phone's facts and its recent jobs with their evidence.

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { badge, errorText, showError, startPage, toast } from "./nav.js";
import { FrameSink, RateMeter, ScreenSocket } from "./screens.js";
import { dateTime, viewerZone } from "./time.js";
import "./farm_strings.js";

const serial = decodeURIComponent(location.pathname.split("/").pop());
const REFRESH_MS = 5000;
const LONG_PRESS_MS = 600;
const MOVE_PX = 8;
const page = { live: null, user: null, csrf: null, control: null, controlAt: 0, hasFrame: false, socketState: "connecting" };
const meter = new RateMeter();
let sink = null;
let press = null;
let inputs = Promise.resolve();

function when(iso) {
  return iso ? dateTime(new Date(iso), viewerZone()) : "—";
}

// -- control ------------------------------------------------------------------------------

function holding() {
  return Boolean(page.control && page.control.holder && page.control.holder === page.user.username);
}

function expiresIn() {
  const c = page.control;
  if (!c || c.expires_in === null || c.expires_in === undefined) return null;
  return Math.max(0, Math.round(c.expires_in - (performance.now() - page.controlAt) / 1000));
}

function setControl(control) {
  page.control = control;
  page.controlAt = performance.now();
  paintControl();
}

function paintControl() {
  const c = page.control;
  const mine = holding();
  const other = Boolean(c && c.holder && !mine);
  const box = $("#control-box");
  box.classList.toggle("yours", mine);
  box.classList.toggle("other", other);
  $("#control-text").textContent = mine
    ? t("dev.control_yours", { s: expiresIn() ?? "" })
    : other ? t("dev.control_other", { u: c.holder }) : t("dev.control_none");
  show($("#take"), !mine);
  show($("#release"), mine || other);
  $("#take").disabled = other;
  $("#screen-box").classList.toggle("controlled", mine);
  for (const id of ["#key-back", "#key-home", "#key-enter", "#type-send", "#type-text"]) $(id).disabled = !mine;
}

function problem(error) {
  const kind = error && error.type;
  if (kind === "busy" || kind === "held" || kind === "not_held" || kind === "agent_unavailable") {
    return t(`dev.err_${kind}`);
  }
  return t("common.error", { m: errorText(error) });
}

async function take() {
  try {
    setControl(await api("POST", `/devices/${encodeURIComponent(serial)}/control`));
  } catch (error) {
    toast(problem(error), "error");
  }
}

async function release() {
  try {
    setControl(await api("DELETE", `/devices/${encodeURIComponent(serial)}/control`));
  } catch (error) {
    toast(problem(error), "error");
  }
}

/** Send one input after the previous ones (the phone sees them in order). */
function input(body) {
  if (!holding()) {
    toast(t("dev.take_first"));
    return;
  }
  inputs = inputs.then(async () => {
    try {
      const answer = await api("POST", `/devices/${encodeURIComponent(serial)}/input`, body);
      setControl(answer.control);
    } catch (error) {
      toast(problem(error), "error");
      if (error && error.type === "not_held") setControl({ serial, holder: null, expires_in: null });
    }
  });
}

// -- the screen ---------------------------------------------------------------------------

function fraction(event) {
  const rect = $("#screen").getBoundingClientRect();
  const clamp = (v) => Math.min(1, Math.max(0, v));
  return {
    x: clamp((event.clientX - rect.left) / rect.width),
    y: clamp((event.clientY - rect.top) / rect.height),
  };
}

function touchDot(point) {
  const dot = h("span", { class: "touch-dot", style: { left: `${point.x * 100}%`, top: `${point.y * 100}%` } });
  $("#screen-box").append(dot);
  setTimeout(() => dot.remove(), 700);
}

function round(v) {
  return Math.round(v * 10000) / 10000;
}

function onPointerDown(event) {
  if (event.button !== 0) return;
  event.preventDefault();
  if (!holding()) {
    toast(t("dev.take_first"));
    return;
  }
  $("#screen").setPointerCapture(event.pointerId);
  press = { ...fraction(event), at: performance.now(), cx: event.clientX, cy: event.clientY };
}

function onPointerUp(event) {
  if (!press) return;
  const start = press;
  press = null;
  const end = fraction(event);
  const held = performance.now() - start.at;
  const moved = Math.hypot(event.clientX - start.cx, event.clientY - start.cy);
  touchDot(start);
  if (moved < MOVE_PX) {
    if (held >= LONG_PRESS_MS) {
      input({ action: "long_press", x: round(start.x), y: round(start.y), duration_ms: Math.min(5000, Math.round(held)) });
    } else {
      input({ action: "tap", x: round(start.x), y: round(start.y) });
    }
    return;
  }
  touchDot(end);
  input({
    action: "swipe", x: round(start.x), y: round(start.y), x2: round(end.x), y2: round(end.y),
    duration_ms: Math.min(2000, Math.max(100, Math.round(held))),
  });
}

function onFrame(frame) {
  if (frame.header.serial !== serial || frame.header.tier !== "focus") return;
  sink.show(frame.blob);
  meter.add(frame.bytes);
  if (!page.hasFrame) {
    page.hasFrame = true;
    $("#screen-box").style.aspectRatio = `${frame.header.screen_width} / ${frame.header.screen_height}`;
  }
  show($("#screen-placeholder"), false);
}

function onMessage(event) {
  if (event.type === "control" && event.serial === serial) setControl(event);
  if (event.type === "link") load();
}

function onState(state) {
  page.socketState = state;
  const node = $("#live-state");
  node.className = `live-state ${state}`;
  node.textContent = t(`screens.${state}`);
}

function paintRate() {
  const { fps, bps } = meter.rates();
  $("#screen-rate").textContent = page.hasFrame ? t("dev.rate", { fps: fps.toFixed(1), kb: (bps / 1024).toFixed(0) }) : "";
  if (holding()) paintControl();
}

// -- facts and jobs -----------------------------------------------------------------------

function fact(label, ...value) {
  return [h("dt", { text: label }), h("dd", {}, ...value)];
}

function renderFacts() {
  const live = page.live;
  const d = live.device;
  const screen = [d.screen_on ? t("dev.screen_on") : t("dev.screen_off"), d.locked ? t("dev.locked") : null].filter(Boolean).join(" · ");
  const apps = Object.entries(live.app_versions).map(([name, version]) => `${name} ${version}`).join(", ") || "—";
  const accounts = d.accounts.length
    ? d.accounts.map((a) => h("div", {}, a.name, ...a.tags.map((tag) => h("span", { class: "tag-chip", text: tag }))))
    : [t("farm.no_account")];
  const app = d.app_signed_in ? `✓ ${t("farm.signed_in")} (${when(d.app_checked_at)})` : t("farm.signed_unknown");
  const current = d.current_job
    ? h("a", { href: `/jobs/${encodeURIComponent(d.current_job.id)}`, text: t(`kind.${d.current_job.kind}`) })
    : t("farm.idle");
  $("#facts").replaceChildren(
    ...fact(t("common.state"), badge(d.state, t(`device.${d.state}`))),
    ...fact(t("dev.model"), d.model || "—"),
    ...fact(t("dev.manufacturer"), live.manufacturer || "—"),
    ...fact(t("dev.resolution"), `${d.width} × ${d.height}`),
    ...fact(t("dev.density"), `${live.density} dpi`),
    ...fact(t("dev.sdk"), String(live.sdk)),
    ...fact(t("dev.battery"), d.battery === null ? "—" : `${d.battery}%`),
    ...fact(t("dev.screen_state"), screen),
    ...fact(t("dev.apps"), apps),
    ...fact(t("dev.host"), h("a", { href: `/farm?host=${encodeURIComponent(d.host)}`, text: d.host })),
    ...fact(t("dev.last_seen"), when(d.last_seen)),
    ...fact(t("dev.registered"), when(live.registered_at)),
    ...fact(t("dev.accounts"), ...accounts),
    ...fact(t("dev.app_state"), app),
    ...fact(t("dev.current"), current),
    ...(d.last_error ? fact(t("dev.last_error"), h("span", { class: "error", text: d.last_error })) : []),
  );
}

function jobItem(job) {
  const shots = job.evidence.map((item) =>
    h("a", { href: item.url, target: "_blank", rel: "noopener", title: `${item.kind} · ${item.filename}` },
      h("img", { src: item.url, alt: item.filename, loading: "lazy" })));
  return h("li", { class: "job-item" },
    h("div", { class: "row" },
      h("a", { href: `/jobs/${encodeURIComponent(job.id)}`, text: t(`kind.${job.kind}`) }),
      badge(job.state, t(`state.${job.state}`))),
    h("span", { class: "muted small", text: `${when(job.created_at)} · ${job.attempts}×` }),
    job.error ? h("p", { class: "step-error", text: job.error }) : null,
    shots.length ? h("div", { class: "job-shots" }, ...shots) : h("span", { class: "muted small", text: t("dev.evidence_none") }));
}

function render() {
  const live = page.live;
  const d = live.device;
  document.title = `phonefarm · ${d.serial}`;
  $("#dev-title").textContent = d.serial;
  $("#dev-sub").replaceChildren(
    badge(d.state, t(`device.${d.state}`)),
    h("span", { text: d.model }),
    h("span", { text: `${t("dev.host")}: ${d.host}` }),
    d.battery !== null ? h("span", { text: t("farm.battery", { n: d.battery }) }) : null,
  );
  if (!page.hasFrame) {
    $("#screen-box").style.aspectRatio = `${d.width} / ${d.height}`;
    $("#screen-placeholder").textContent = d.live ? t("dev.waiting") : t("dev.no_link");
  }
  renderFacts();
  $("#jobs").replaceChildren(...live.recent_jobs.map(jobItem));
  show($("#jobs-empty"), live.recent_jobs.length === 0);
}

async function load() {
  try {
    page.live = await api("GET", `/devices/${encodeURIComponent(serial)}/live`);
  } catch (error) {
    showError(error);
    return;
  }
  setControl(page.live.control);
  render();
}

function releaseOnLeave() {
  if (!holding() || !page.csrf) return;
  // keepalive lets the request outlive the page; the hold would end by itself anyway.
  fetch(`/api/v1/devices/${encodeURIComponent(serial)}/control`, {
    method: "DELETE", keepalive: true, credentials: "same-origin", headers: { "X-CSRF-Token": page.csrf },
  });
}

async function boot() {
  page.user = await startPage({
    active: "farm",
    onLanguage: () => {
      onState(page.socketState);
      paintRate();
      if (page.live) { render(); paintControl(); }
    },
  });
  const session = await api("GET", "/auth/session");
  page.csrf = session.csrf_token;
  sink = new FrameSink($("#screen"));
  const screen = $("#screen");
  screen.addEventListener("pointerdown", onPointerDown);
  screen.addEventListener("pointerup", onPointerUp);
  screen.addEventListener("pointercancel", () => { press = null; });
  screen.addEventListener("contextmenu", (event) => event.preventDefault());
  $("#take").addEventListener("click", take);
  $("#release").addEventListener("click", release);
  $("#key-back").addEventListener("click", () => input({ action: "key", key: "back" }));
  $("#key-home").addEventListener("click", () => input({ action: "key", key: "home" }));
  $("#key-enter").addEventListener("click", () => input({ action: "key", key: "enter" }));
  $("#type-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#type-text").value;
    if (!text) return;
    input({ action: "text", text });
    $("#type-text").value = "";
  });
  window.addEventListener("pagehide", releaseOnLeave);
  const socket = new ScreenSocket({ onFrame, onMessage, onState }).start();
  socket.watch([], serial);
  document.addEventListener("visibilitychange", () => socket.watch([], document.hidden ? null : serial));
  await load();
  setInterval(paintRate, 1000);
  setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
}

boot();
