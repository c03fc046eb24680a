// The farm view: every host and its phones in a grid, each with a live thumbnail, its
// state, battery, account, app sign-in, current job or last error, and who controls it.
// Only the cards on screen stream (an IntersectionObserver tells which); nothing streams
// while the tab is hidden. Filters (host, state, account tag) live in the URL; the data
// refreshes every 5 s, the thumbnails about once a second.

import { api, query } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { badge, showError, startPage } from "./nav.js";
import { FrameSink, ScreenSocket } from "./screens.js";
import { dateTime, viewerZone } from "./time.js";
import "./farm_strings.js";

const STATES = ["online", "busy", "offline", "error", "unauthorized"];
const REFRESH_MS = 5000;
const view = { data: null, filters: { host: "", state: "", tag: "" } };
const cards = new Map(); // serial → card
const visible = new Set();
let socket = null;
let watchTimer = null;

// -- streaming only what is on screen ----------------------------------------------------

function scheduleWatch() {
  clearTimeout(watchTimer);
  watchTimer = setTimeout(() => {
    const serials = document.hidden ? [] : [...visible].filter((s) => cards.has(s));
    socket.watch(serials, null);
  }, 150);
}

const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const serial = entry.target.dataset.serial;
    if (entry.isIntersecting) visible.add(serial);
    else visible.delete(serial);
  }
  scheduleWatch();
}, { rootMargin: "100px" });

function onFrame(frame) {
  const card = cards.get(frame.header.serial);
  if (!card) return;
  card.sink.show(frame.blob);
  card.hasFrame = true;
  show(card.placeholder, false);
}

function onMessage(event) {
  if (event.type === "control") {
    const card = cards.get(event.serial);
    if (card) paintHeld(card, event.holder);
  }
}

let socketState = "connecting";

function onState(state) {
  socketState = state;
  const node = $("#live-state");
  node.className = `live-state ${state}`;
  node.textContent = t(`screens.${state}`);
}

// -- cards --------------------------------------------------------------------------------

function makeCard(serial) {
  const img = h("img", { alt: "", draggable: "false" });
  const placeholder = h("span", { class: "placeholder" });
  const stateBadge = h("span", { class: "badge" });
  const battery = h("span", { class: "battery" });
  const held = h("span", { class: "held", hidden: true });
  const shot = h("div", { class: "phone-shot", dataset: { serial } }, img, placeholder, stateBadge, battery, held);
  const serialLine = h("div", { class: "phone-serial mono" });
  const account = h("div", { class: "phone-line" });
  const app = h("div", { class: "phone-line" });
  const job = h("div", { class: "phone-line" });
  const root = h("a", { class: "phone-card", href: `/devices/${encodeURIComponent(serial)}`, dataset: { serial } },
    shot, h("div", { class: "phone-meta" }, serialLine, account, app, job));
  observer.observe(shot);
  return { root, shot, img, sink: new FrameSink(img), placeholder, stateBadge, battery, held, serialLine, account, app, job, hasFrame: false };
}

function paintHeld(card, holder) {
  show(card.held, Boolean(holder));
  card.held.textContent = holder ? t("farm.held_by", { u: holder }) : "";
}

function when(iso) {
  return iso ? dateTime(new Date(iso), viewerZone()) : "";
}

function paintCard(card, device) {
  if (device.width && device.height) card.shot.style.aspectRatio = `${device.width} / ${device.height}`;
  card.root.classList.toggle("state-card-error", device.state === "error" || Boolean(device.last_error));
  card.stateBadge.className = `badge state-${device.state}`;
  card.stateBadge.textContent = t(`device.${device.state}`);
  show(card.battery, device.battery !== null);
  card.battery.textContent = device.battery !== null ? `${device.battery}%` : "";
  card.battery.title = device.battery !== null ? t("farm.battery", { n: device.battery }) : "";
  card.battery.classList.toggle("low", device.battery !== null && device.battery < 20);
  paintHeld(card, device.control && device.control.holder);

  const offline = device.state === "offline";
  if (offline || !device.live) {
    card.sink.clear();
    card.hasFrame = false;
  }
  card.placeholder.textContent = offline ? t("farm.offline") : device.live ? "" : t("farm.no_screen");
  show(card.placeholder, !card.hasFrame);

  card.serialLine.textContent = device.serial;
  card.serialLine.title = `${device.serial} · ${device.model}`;
  if (device.accounts.length) {
    const first = device.accounts[0];
    card.account.replaceChildren(first.name, ...first.tags.slice(0, 2).map((tag) => h("span", { class: "tag-chip", text: tag })));
    card.account.title = device.accounts.map((a) => `${a.name} ${a.tags.join(" ")}`).join("\n");
  } else {
    card.account.textContent = t("farm.no_account");
    card.account.title = "";
  }
  card.app.className = `phone-line ${device.app_signed_in ? "ok" : ""}`;
  card.app.textContent = device.app_signed_in ? `✓ ${t("farm.signed_in")}` : t("farm.signed_unknown");
  card.app.title = device.app_checked_at ? t("farm.signed_hint", { t: when(device.app_checked_at) }) : "";
  if (device.current_job) {
    card.job.className = "phone-line job";
    card.job.textContent = t("farm.now", { k: t(`kind.${device.current_job.kind}`) });
    card.job.title = device.current_job.id;
  } else if (device.last_error) {
    card.job.className = "phone-line err";
    card.job.textContent = t("farm.last_error", { e: device.last_error });
    card.job.title = device.last_error;
  } else {
    card.job.className = "phone-line";
    card.job.textContent = t("farm.idle");
    card.job.title = "";
  }
}

// -- the page -----------------------------------------------------------------------------

function options(select, items, allLabel, current) {
  select.replaceChildren(h("option", { value: "", text: allLabel }), ...items.map(([value, label]) => h("option", { value, text: label })));
  select.value = current;
}

function renderFilters() {
  const data = view.data;
  const hosts = data ? data.hosts.map((host) => [host.name, host.name]) : [];
  options($("#f-host"), hosts, t("farm.all_hosts"), view.filters.host);
  options($("#f-state"), STATES.map((s) => [s, t(`device.${s}`)]), t("farm.all_states"), view.filters.state);
  options($("#f-tag"), (data ? data.tags : []).map((tag) => [tag, tag]), t("common.all_tags"), view.filters.tag);
}

function renderCounts() {
  const counts = view.data.counts;
  $("#counts").replaceChildren(
    ...STATES.filter((s) => counts[s]).map((s) => badge(s, `${t(`device.${s}`)} ${counts[s]}`)),
    h("span", { class: "muted small", text: t("farm.shown", { n: view.data.devices.length }) }),
  );
}

function hostHead(host, count) {
  return h("div", { class: "host-head" },
    h("span", { class: `dot ${host.online ? "on" : ""}`, "aria-hidden": "true" }),
    h("h2", { text: host.name }),
    h("span", { class: "muted small", text: t("farm.phones", { n: count }) }),
    h("span", { class: "muted small", text: host.online ? t("farm.agent_online") : t("farm.agent_offline") }),
    h("span", { class: "muted small", text: host.live ? t("farm.link_live") : t("farm.link_down") }),
    host.agent_version ? h("span", { class: "muted small mono", text: host.agent_version }) : null);
}

function render() {
  const data = view.data;
  $("#farm-sub").textContent = t(data.hosts.length === 1 ? "farm.subtitle_one" : "farm.subtitle", { n: data.total, h: data.hosts.length });
  renderCounts();
  const byHost = new Map();
  for (const device of data.devices) {
    if (!byHost.has(device.host)) byHost.set(device.host, []);
    byHost.get(device.host).push(device);
  }
  const seen = new Set();
  const blocks = [];
  for (const host of data.hosts) {
    const devices = byHost.get(host.name);
    if (!devices) continue;
    const grid = h("div", { class: "phone-grid" });
    for (const device of devices) {
      let card = cards.get(device.serial);
      if (!card) {
        card = makeCard(device.serial);
        cards.set(device.serial, card);
      }
      paintCard(card, device);
      grid.append(card.root);
      seen.add(device.serial);
    }
    blocks.push(h("section", { class: "host-block", dataset: { host: host.name } }, hostHead(host, devices.length), grid));
  }
  // Cards filtered out leave the page but are kept (with their last frame) for when the
  // filter changes back; off the page they are not visible, so they do not stream.
  for (const serial of cards.keys()) {
    if (!seen.has(serial)) visible.delete(serial);
  }
  $("#hosts").replaceChildren(...blocks);
  show($("#farm-empty"), data.devices.length === 0);
  scheduleWatch();
}

async function load() {
  try {
    view.data = await api("GET", `/farm${query(view.filters)}`);
  } catch (error) {
    showError(error);
    return;
  }
  renderFilters();
  render();
}

function readFilters() {
  const params = new URLSearchParams(location.search);
  for (const key of Object.keys(view.filters)) view.filters[key] = params.get(key) || "";
}

function onFilter() {
  view.filters = { host: $("#f-host").value, state: $("#f-state").value, tag: $("#f-tag").value };
  history.replaceState(null, "", `/farm${query(view.filters)}`);
  load();
}

async function boot() {
  readFilters();
  await startPage({ active: "farm", onLanguage: () => { onState(socketState); if (view.data) { renderFilters(); render(); } } });
  socket = new ScreenSocket({ onFrame, onMessage, onState }).start();
  for (const id of ["#f-host", "#f-state", "#f-tag"]) $(id).addEventListener("change", onFilter);
  document.addEventListener("visibilitychange", scheduleWatch);
  await load();
  setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
}

boot();
