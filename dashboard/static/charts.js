// Charts: posts per day by outcome, chat first-response time, device online time (of
// the whole fleet or one host). The controller aggregates; this page draws small SVGs.

import { api, query } from "./api.js";
import { $, h } from "./dom.js";
import { t } from "./i18n.js";
import { me, showError, startPage } from "./nav.js";
import { barsWithTicks, stackedBars } from "./svg.js";
import { allZones, duration, format, viewerZone } from "./time.js";

const COLORS = { published: "#12b76a", unconfirmed: "#f79009", failed: "#d92d20", skipped: "#98a2b3", pending: "#c7d7fe" };
const ONLINE = "#12b76a";
const NOT_ONLINE = "#d0d5dd";
const state = { days: 14, zone: viewerZone(), host: "", hosts: null, posts: null, frt: null, online: null };

function dayLabel(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return format(new Date(Date.UTC(y, m - 1, d, 12)), "UTC", { month: "numeric", day: "numeric" });
}

function legend(node, items) {
  node.replaceChildren(...items.map(([label, color]) => h("span", {}, h("i", { style: { background: color } }), label)));
}

function stat(value, label) {
  return h("div", { class: "stat" }, h("b", { text: value }), h("span", { text: label }));
}

function renderPosts() {
  const days = state.posts.days;
  const keys = ["published", "unconfirmed", "failed", "skipped", "pending"];
  const totals = Object.fromEntries(keys.map((k) => [k, days.reduce((sum, d) => sum + d[k], 0)]));
  $("#posts-stats").replaceChildren(
    stat(totals.published, t("charts.published")),
    stat(totals.failed, t("charts.failed")),
    stat(totals.unconfirmed, t("charts.unconfirmed")),
  );
  const any = keys.some((k) => totals[k] > 0);
  $("#posts-chart").replaceChildren(
    any
      ? stackedBars({
        labels: days.map((d) => dayLabel(d.day)),
        series: keys.map((k) => ({ name: t(`charts.${k}`), color: COLORS[k], values: days.map((d) => d[k]) })),
        format: (v) => String(Math.round(v)),
        integer: true,
      })
      : h("p", { class: "empty", text: t("charts.no_data") }),
  );
  legend($("#posts-legend"), keys.map((k) => [t(`charts.${k}`), COLORS[k]]));
}

function renderFrt() {
  const days = state.frt.days;
  const conversations = days.reduce((sum, d) => sum + d.conversations, 0);
  const answered = days.reduce((sum, d) => sum + d.answered, 0);
  const medians = days.map((d) => d.median_seconds).filter((v) => v != null).sort((a, b) => a - b);
  const overall = medians.length ? medians[Math.floor((medians.length - 1) / 2)] : null;
  $("#frt-stats").replaceChildren(
    stat(overall == null ? "—" : duration(overall, t), t("charts.median")),
    stat(String(conversations), t("charts.new_conversations")),
    stat(String(answered), t("charts.answered")),
  );
  const any = days.some((d) => d.median_seconds != null);
  $("#frt-chart").replaceChildren(
    any
      ? barsWithTicks({
        labels: days.map((d) => dayLabel(d.day)),
        bars: { name: t("charts.median"), color: "#2563eb", values: days.map((d) => d.median_seconds) },
        ticks: { name: t("charts.p90"), color: "#f79009", values: days.map((d) => d.p90_seconds) },
        format: (v) => duration(v, t),
      })
      : h("p", { class: "empty", text: t("charts.no_data") }),
  );
  legend($("#frt-legend"), [[t("charts.median"), "#2563eb"], [t("charts.p90"), "#f79009"]]);
}

function hours(value) {
  return t("time.hours", { n: value >= 10 ? Math.round(value) : Math.round(value * 10) / 10 });
}

function percent(value) {
  return value == null ? "—" : `${Math.round(value * 1000) / 10}%`;
}

function renderOnline() {
  const days = state.online.days;
  const online = days.reduce((sum, d) => sum + d.online_hours, 0);
  const possible = days.reduce((sum, d) => sum + d.phones * d.hours, 0);
  $("#online-stats").replaceChildren(
    stat(percent(possible > 0 ? Math.min(1, online / possible) : null), t("charts.availability")),
    stat(hours(online), t("charts.online_hours")),
    stat(String(days.length ? days[days.length - 1].phones : 0), t("charts.phones_today")),
  );
  const any = days.some((d) => d.phones > 0);
  $("#online-chart").replaceChildren(
    any
      ? stackedBars({
        labels: days.map((d) => dayLabel(d.day)),
        series: [
          { name: t("charts.online_series"), color: ONLINE, values: days.map((d) => d.online_hours) },
          {
            name: t("charts.not_online"),
            color: NOT_ONLINE,
            values: days.map((d) => Math.max(0, d.phones * d.hours - d.online_hours)),
          },
        ],
        format: hours,
        left: 56,
      })
      : h("p", { class: "empty", text: t("charts.no_data") }),
  );
  legend($("#online-legend"), [[t("charts.online_series"), ONLINE], [t("charts.not_online"), NOT_ONLINE]]);
  const since = state.online.recorded_since;
  $("#online-text").textContent = since ? t("charts.online_since", { when: format(new Date(since), state.zone, { year: "numeric", month: "short", day: "numeric" }) }) : "";
}

function renderHosts() {
  const select = $("#online-host");
  if (!state.hosts) return;
  select.replaceChildren(
    h("option", { value: "", text: t("charts.all_hosts") }),
    ...state.hosts.map((host) => h("option", { value: host.name, text: host.name })),
  );
  select.value = state.host;
  select.hidden = state.hosts.length < 2 && !state.host;
}

function render() {
  $("#days").replaceChildren(...[7, 14, 30, 90].map((n) => h("option", { value: n, text: t("charts.days", { n }) })));
  $("#days").value = String(state.days);
  if (state.posts) renderPosts();
  if (state.frt) renderFrt();
  renderHosts();
  if (state.online) renderOnline();
}

async function load() {
  const params = query({ days: state.days, timezone: state.zone });
  try {
    [state.posts, state.frt, state.online] = await Promise.all([
      api("GET", `/charts/posts${params}`),
      api("GET", `/charts/first-response${params}`),
      api("GET", `/charts/device-online${query({ days: state.days, timezone: state.zone, host: state.host })}`),
    ]);
  } catch (error) {
    showError(error);
    return;
  }
  render();
}

async function boot() {
  await startPage({ active: "charts", onLanguage: render });
  $("#zone").replaceChildren(...allZones().map((z) => h("option", { value: z, text: z })));
  $("#zone").value = state.zone;
  $("#zone").addEventListener("change", (e) => { state.zone = e.target.value; load(); });
  $("#days").addEventListener("change", (e) => { state.days = Number(e.target.value); load(); });
  $("#online-host").addEventListener("change", (e) => { state.host = e.target.value; load(); });
  if (["admin", "operator"].includes(me()?.role)) {
    // Hosts are the operators' (a scheduler sees the whole fleet's online time only).
    state.hosts = await api("GET", "/hosts").catch(() => null);
  }
  render();
  await load();
  setInterval(() => { if (!document.hidden) load(); }, 30000);
}

boot();
