// The post composer: text, up to 9 images (drag and drop, reorder by dragging), a
// Moments-style preview, target accounts (one by one or by tag), the run time in a
// chosen time zone (or the accounts' next free slot), a recurrence with an end, and the
// API's own checks (caps, quiet hours, duplicates) shown before submitting.

import { api, apiForm } from "./api.js";
import { $, avatar, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { errorText, toast } from "./nav.js";
import { allZones, dateTime, dayKey, partsIn, zonedToUtc } from "./time.js";

const MAX_IMAGES = 9;

const state = {
  accounts: [],
  media: [],
  selected: new Set(),
  zone: "UTC",
  zoneTouched: false,
  uploading: 0,
  check: null,
  checkSeq: 0,
  checkTimer: 0,
  onDone: null,
  dragIndex: null,
  wired: false,
};

// ---------------------------------------------------------------- opening

/**
 * Open the composer.
 * @param {{accounts: object[], zone: string, day?: {y,m,d}, hour?: number, onDone?: Function}} options
 */
export function openComposer({ accounts, zone, day = null, hour = null, onDone = null }) {
  if (!state.wired) wire();
  state.accounts = accounts;
  state.media = [];
  state.selected = new Set();
  state.zone = zone;
  state.zoneTouched = false;
  state.check = null;
  state.onDone = onDone;
  $("#c-text").value = "";
  $("#c-search").value = "";
  $("#c-repeat").value = "none";
  $("#c-cron").value = "";
  $("#c-hours").value = "6";
  $("#c-allow-dup").checked = false;
  $("#c-error").textContent = "";
  $("#c-slot-info").textContent = "";
  $("#c-upload-state").textContent = "";
  document.querySelector('input[name="c-when"][value="at"]').checked = true;
  const start = defaultStart(day, hour);
  setWhen(start);
  const until = partsIn(new Date(start.getTime() + 7 * 86400000), zone);
  $("#c-until").value = dayKey({ y: until.year, m: until.month, d: until.day });
  fillZones();
  renderWeekdays();
  renderAll();
  $("#composer").showModal();
  $("#c-text").focus();
}

function defaultStart(day, hour) {
  if (day) {
    const at = zonedToUtc(day.y, day.m, day.d, hour ?? 9, 0, 0, state.zone);
    if (at.getTime() > Date.now() + 60000) return at;
  }
  // The next round quarter hour, at least ten minutes away.
  const soon = Date.now() + 10 * 60000;
  return new Date(Math.ceil(soon / 900000) * 900000);
}

function setWhen(date) {
  const p = partsIn(date, state.zone);
  $("#c-date").value = dayKey({ y: p.year, m: p.month, d: p.day });
  $("#c-time").value = `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

function fillZones() {
  const select = $("#c-zone");
  if (!select.options.length) {
    select.replaceChildren(...allZones().map((z) => h("option", { value: z, text: z })));
  }
  select.value = state.zone;
}

// ---------------------------------------------------------------- the request

function whenMode() {
  return document.querySelector('input[name="c-when"]:checked').value;
}

function runAt() {
  const date = $("#c-date").value;
  const time = $("#c-time").value;
  if (!date || !time) return null;
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm, ss = 0] = time.split(":").map(Number);
  return zonedToUtc(y, m, d, hh, mm, ss, state.zone);
}

function recurrence(at) {
  const kind = $("#c-repeat").value;
  if (kind === "none") return null;
  const untilText = $("#c-until").value;
  if (!untilText) return { invalid: true };
  const [y, m, d] = untilText.split("-").map(Number);
  const until = zonedToUtc(y, m, d, 23, 59, 59, state.zone).toISOString();
  const p = partsIn(at || new Date(), state.zone);
  if (kind === "daily") return { cron: `${p.minute} ${p.hour} * * *`, until };
  if (kind === "weekly") {
    const days = [...document.querySelectorAll("#c-weekdays input:checked")].map((i) => i.value);
    return { cron: `${p.minute} ${p.hour} * * ${days.length ? days.join(",") : p.weekday}`, until };
  }
  if (kind === "hours") return { interval_seconds: Math.max(1, Number($("#c-hours").value) || 1) * 3600, until };
  return { cron: $("#c-cron").value.trim(), until };
}

function body() {
  const at = whenMode() === "at" ? runAt() : null;
  const out = {
    text: $("#c-text").value,
    media_ids: state.media.map((m) => m.id),
    account_ids: [...state.selected],
    timezone: state.zone,
    allow_duplicate: $("#c-allow-dup").checked,
  };
  if (at) out.run_at = at.toISOString();
  const repeat = recurrence(at);
  if (repeat && !repeat.invalid) out.recurrence = repeat;
  return out;
}

// ---------------------------------------------------------------- images

async function addFiles(files) {
  const images = [...files].filter((f) => f.type.startsWith("image/"));
  const room = MAX_IMAGES - state.media.length - state.uploading;
  if (images.length > room) toast(t("composer.too_many"), "error");
  for (const file of images.slice(0, Math.max(0, room))) {
    state.uploading += 1;
    $("#c-upload-state").textContent = t("composer.uploading", { name: file.name });
    renderAll();
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      const media = await apiForm("POST", "/media", form);
      state.media.push({ id: media.id, url: media.url, name: file.name });
    } catch (error) {
      toast(`${file.name}: ${errorText(error)}`, "error");
    } finally {
      state.uploading -= 1;
    }
  }
  $("#c-upload-state").textContent = "";
  renderAll();
}

function renderThumbs() {
  $("#c-images-label").textContent = t("composer.images", { n: state.media.length });
  $("#c-thumbs").replaceChildren(
    ...state.media.map((m, i) =>
      h(
        "div",
        {
          class: "thumb",
          draggable: "true",
          dataset: { index: i, media: m.id },
          title: m.name,
          ondragstart: (e) => { state.dragIndex = i; e.currentTarget.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", String(i)); },
          ondragend: (e) => { e.currentTarget.classList.remove("dragging"); state.dragIndex = null; },
          ondragover: (e) => { if (state.dragIndex !== null) e.preventDefault(); },
          ondrop: (e) => {
            if (state.dragIndex === null) return;
            e.preventDefault();
            const [moved] = state.media.splice(state.dragIndex, 1);
            state.media.splice(i, 0, moved);
            state.dragIndex = null;
            renderAll();
          },
        },
        h("img", { src: m.url, alt: m.name }),
        h("span", { class: "n", text: String(i + 1) }),
        h("button", { type: "button", class: "x", "aria-label": t("composer.remove_image"), text: "×", onclick: () => { state.media.splice(i, 1); renderAll(); } }),
      )),
  );
  $("#c-drop").hidden = state.media.length >= MAX_IMAGES;
}

// ---------------------------------------------------------------- accounts

function tags() {
  return [...new Set(state.accounts.flatMap((a) => a.tags || []))].sort();
}

function renderTargets() {
  const needle = $("#c-search").value.trim().toLowerCase();
  const shown = state.accounts.filter((a) => !needle || a.name.toLowerCase().includes(needle) || (a.tags || []).some((tag) => tag.toLowerCase().includes(needle)));
  $("#c-accounts").replaceChildren(
    ...shown.map((a) =>
      h("label", { title: `${a.name} · ${a.device_serial} · ${a.timezone}` },
        h("input", { type: "checkbox", value: a.id, checked: state.selected.has(a.id), onchange: (e) => toggleAccount(a, e.target.checked) }),
        h("span", { class: `dev ${a.device_state || ""}` }),
        h("span", { class: "n", text: a.name }))),
  );
  $("#c-tags").replaceChildren(
    ...tags().map((tag) => {
      const tagged = state.accounts.filter((a) => (a.tags || []).includes(tag));
      const all = tagged.length > 0 && tagged.every((a) => state.selected.has(a.id));
      return h("button", {
        type: "button",
        class: "tag-chip",
        "aria-pressed": String(all),
        text: `#${tag} (${tagged.length})`,
        onclick: () => {
          for (const a of tagged) {
            if (all) state.selected.delete(a.id);
            else state.selected.add(a.id);
          }
          followZone();
          renderAll();
        },
      });
    }),
  );
  $("#c-selected").textContent = t("composer.selected", { n: state.selected.size });
}

function toggleAccount(account, on) {
  if (on) state.selected.add(account.id);
  else state.selected.delete(account.id);
  followZone();
  renderAll();
}

function followZone() {
  // Until someone picks a zone, the run time is read in the first account's zone.
  if (state.zoneTouched) return;
  const first = state.accounts.find((a) => state.selected.has(a.id));
  if (!first || first.timezone === state.zone) return;
  const at = runAt();
  state.zone = first.timezone;
  $("#c-zone").value = state.zone;
  if (at) setWhen(at);
}

// ---------------------------------------------------------------- preview

function renderPreview() {
  const chosen = state.accounts.filter((a) => state.selected.has(a.id));
  const text = $("#c-text").value;
  if (!chosen.length && !text && !state.media.length) {
    $("#c-preview").replaceChildren(h("p", { class: "muted small", text: t("composer.preview_empty") }));
    return;
  }
  const name = chosen.length ? chosen[0].name : "—";
  const who = chosen.length > 1 ? `${name} ${t("composer.preview_more", { n: chosen.length - 1, total: chosen.length })}` : name;
  const at = whenMode() === "at" ? runAt() : new Date();
  const pic = avatar(name);
  pic.className = "avatar";
  $("#c-preview").replaceChildren(
    h(
      "div",
      { class: "moment" },
      pic,
      h(
        "div",
        { class: "moment-main" },
        h("div", { class: "who", text: who }),
        text ? h("div", { class: "body", text }) : null,
        state.media.length ? h("div", { class: `pics n${state.media.length}` }, ...state.media.map((m) => h("img", { src: m.url, alt: "" }))) : null,
        h("div", { class: "meta", text: at ? `${dateTime(at, state.zone)} · ${state.zone}` : "" }),
      ),
    ),
  );
}

// ---------------------------------------------------------------- checks

function renderChecks() {
  const box = $("#c-checks");
  const items = [];
  const check = state.check;
  let ok = false;
  let duplicate = false;
  if (!state.selected.size) items.push(["info", t("composer.need_accounts")]);
  else if (!$("#c-text").value.trim() && !state.media.length) items.push(["info", t("composer.need_content")]);
  else if (state.uploading) items.push(["info", t("composer.uploading", { name: "…" })]);
  else if (!check) items.push(["info", t("composer.checking")]);
  else {
    for (const p of check.errors) items.push(["error", p.message]);
    for (const p of check.conflicts) {
      if (p.type === "duplicate") duplicate = true;
      items.push([p.type === "duplicate" ? "duplicate" : "conflict", p.message]);
    }
    for (const p of check.warnings) items.push(["warning", p.message]);
    ok = check.ok;
    if (ok) {
      const times = check.occurrences.slice(0, 5).map((iso) => dateTime(new Date(iso), state.zone));
      const more = check.occurrence_count > 5 ? " …" : "";
      items.unshift(["ok", check.occurrence_count > 1 ? t("composer.runs", { n: check.occurrence_count, list: times.join(", ") + more }) : t("composer.ok")]);
    }
  }
  box.replaceChildren(...items.map(([kind, text]) => h("div", { class: `check-item ${kind}`, dataset: { kind }, text })));
  show($("#c-dup-box"), duplicate || $("#c-allow-dup").checked);
  $("#c-submit").disabled = !ok || state.uploading > 0;
  $("#c-submit").textContent = whenMode() === "now" ? t("composer.submit_now") : t("composer.submit");
}

function scheduleCheck() {
  clearTimeout(state.checkTimer);
  state.check = null;
  renderChecks();
  if (!state.selected.size || (!$("#c-text").value.trim() && !state.media.length) || state.uploading) return;
  state.checkTimer = setTimeout(runCheck, 300);
}

async function runCheck() {
  const seq = ++state.checkSeq;
  try {
    const result = await api("POST", "/schedule/check", body());
    if (seq !== state.checkSeq) return;
    state.check = result;
  } catch (error) {
    if (seq !== state.checkSeq) return;
    const problems = (error.problems && error.problems.length) ? error.problems : [{ message: errorText(error) }];
    state.check = { ok: false, errors: problems, conflicts: [], warnings: [], occurrences: [], occurrence_count: 0 };
  }
  renderChecks();
}

// ---------------------------------------------------------------- wiring

function renderWeekdays() {
  const names = t("days.short").split(",");
  const at = runAt() || new Date();
  const today = partsIn(at, state.zone).weekday;
  // Monday first; values are crontab weekdays (0 = Sunday).
  $("#c-weekdays").replaceChildren(
    ...[1, 2, 3, 4, 5, 6, 0].map((day) =>
      h("label", { title: names[day] }, h("input", { type: "checkbox", value: day, checked: day === today, onchange: changed }), names[day])),
  );
}

function renderRepeat() {
  const kind = $("#c-repeat").value;
  show($("#c-weekdays"), kind === "weekly");
  show($("#c-hours-box"), kind === "hours");
  show($("#c-cron"), kind === "cron");
  show($("#c-until-box"), kind !== "none");
}

function renderWhen() {
  const at = whenMode() === "at";
  for (const id of ["#c-date", "#c-time", "#c-zone"]) $(id).disabled = !at;
}

function renderAll() {
  $("#c-count").textContent = t("composer.chars", { n: [...$("#c-text").value].length });
  renderThumbs();
  renderTargets();
  renderRepeat();
  renderWhen();
  renderPreview();
  scheduleCheck();
}

function changed() {
  renderPreview();
  scheduleCheck();
}

async function nextSlot() {
  if (!state.selected.size) {
    $("#c-slot-info").textContent = t("composer.need_accounts");
    return;
  }
  try {
    const found = await api("POST", "/schedule/next-slot", { account_ids: [...state.selected] });
    if (!found.at) {
      $("#c-slot-info").textContent = t("composer.no_slot");
      return;
    }
    document.querySelector('input[name="c-when"][value="at"]').checked = true;
    setWhen(new Date(found.at));
    $("#c-slot-info").textContent = t("composer.slot_found", { t: `${dateTime(new Date(found.at), state.zone)} (${state.zone})` });
    renderAll();
  } catch (error) {
    $("#c-slot-info").textContent = errorText(error);
  }
}

async function submit(event) {
  event.preventDefault();
  if ($("#c-submit").disabled) return;
  $("#c-submit").disabled = true;
  try {
    const post = await api("POST", "/posts", body());
    toast(t("composer.scheduled", { id: post.id }), "ok");
    $("#composer").close();
    if (state.onDone) state.onDone(post);
  } catch (error) {
    $("#c-error").textContent = errorText(error);
    $("#c-submit").disabled = false;
  }
}

function wire() {
  state.wired = true;
  const drop = $("#c-drop");
  const files = $("#c-files");
  drop.addEventListener("click", () => files.click());
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); files.click(); } });
  files.addEventListener("change", () => { addFiles(files.files); files.value = ""; });
  const isFileDrag = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  drop.addEventListener("dragover", (e) => { if (isFileDrag(e)) { e.preventDefault(); drop.classList.add("over"); } });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    drop.classList.remove("over");
    addFiles(e.dataTransfer.files);
  });
  $("#c-text").addEventListener("input", () => { $("#c-count").textContent = t("composer.chars", { n: [...$("#c-text").value].length }); changed(); });
  $("#c-search").addEventListener("input", renderTargets);
  for (const radio of document.querySelectorAll('input[name="c-when"]')) radio.addEventListener("change", () => { renderWhen(); changed(); renderChecks(); });
  for (const id of ["#c-date", "#c-time", "#c-until", "#c-hours", "#c-cron", "#c-allow-dup"]) $(id).addEventListener("input", changed);
  $("#c-zone").addEventListener("change", (e) => {
    // The typed date and time stay: the zone says which 09:00 is meant.
    state.zoneTouched = true;
    state.zone = e.target.value;
    changed();
  });
  $("#c-repeat").addEventListener("change", () => { renderRepeat(); changed(); });
  $("#c-next-slot").addEventListener("click", nextSlot);
  $("#composer-form").addEventListener("submit", submit);
  for (const button of document.querySelectorAll("#composer [data-close]")) button.addEventListener("click", () => $("#composer").close());
}
