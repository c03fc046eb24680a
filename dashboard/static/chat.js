// The unified chat pane: inbox (left), conversation (middle), contact (right).
// Live updates come over the WebSocket; every piece of chat data is rendered as text.

import { api, ApiError, EventSocket, loginUrl, query } from "./api.js";
import { $, avatar, h, paintAvatar, show } from "./dom.js";
import { lang, t } from "./i18n.js";
import { startPage } from "./nav.js";

const state = {
  me: null,
  tags: [],
  canned: [],
  filters: { status: "open", unread: false, mine: false, account_id: "", tag: "", q: "" },
  list: [],
  total: 0,
  currentId: null,
  current: null,
  popup: { open: false, items: [], index: 0, start: 0, end: 0 },
  chosenCanned: null,
  socket: null,
};

// ---------------------------------------------------------------- formatting

function timeOf(iso) {
  return new Intl.DateTimeFormat(lang(), { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

function shortWhen(iso) {
  const date = new Date(iso);
  const now = new Date();
  if (date.toDateString() === now.toDateString()) return timeOf(iso);
  return new Intl.DateTimeFormat(lang(), { month: "short", day: "numeric" }).format(date);
}

function fullWhen(iso) {
  return new Intl.DateTimeFormat(lang(), {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(new Date(iso));
}

function dayOf(iso) {
  return new Intl.DateTimeFormat(lang(), { weekday: "short", month: "long", day: "numeric" }).format(new Date(iso));
}

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("time.seconds", { n: s });
  if (s < 3600) return t("time.minutes", { n: Math.round(s / 60) });
  if (s < 86400) return t("time.hours", { n: Math.round(s / 360) / 10 });
  return t("time.days", { n: Math.round(s / 8640) / 10 });
}

function since(iso) {
  return duration((Date.now() - new Date(iso).getTime()) / 1000);
}

function contactName(contact) {
  return contact.display_name || contact.name;
}

function deviceLabel(stateName) {
  return t(`device.${stateName || "unknown"}`);
}

function showError(error) {
  const message = error instanceof ApiError ? error.message : String(error && error.message || error);
  const box = $("#composer-error");
  box.textContent = t("error.generic", { m: message });
  setTimeout(() => { if (box.textContent.includes(message)) box.textContent = ""; }, 8000);
}

// ---------------------------------------------------------------- start

async function start() {
  await startPage({ active: "chat", onLanguage: rerender });
  state.me = await api("GET", "/me");
  renderFacets();
  await Promise.all([loadTags(), loadCanned(), loadList()]);
  const fromHash = Number(new URLSearchParams(location.hash.slice(1)).get("c"));
  if (fromHash) await select(fromHash);
  state.socket = new EventSocket({ onEvent, onState: renderConnection, onReconnect: resync });
  state.socket.start();
}

function rerender() {
  if (!state.me) return;
  renderConnection();
  renderFacets();
  renderList();
  if (state.current) { renderThread(true); renderProfile(); }
}

let connection = "connecting";

function renderConnection(value = connection) {
  connection = value;
  const node = $("#conn");
  node.dataset.state = value;
  node.textContent = t(value === "live" ? "conn.live" : value === "connecting" ? "conn.connecting" : "conn.offline");
  if (value === "unauthorized") {
    if (state.socket) state.socket.stop();
    location.assign(loginUrl());
  }
}

async function resync() {
  await loadList();
  if (state.currentId) await select(state.currentId, { keepScroll: true });
}

// ---------------------------------------------------------------- facets

function renderFacets() {
  const accounts = $("#f-account");
  accounts.replaceChildren(
    h("option", { value: "", text: t("filters.all_accounts") }),
    ...state.me.accounts.map((a) => h("option", { value: a.id, text: a.name })),
  );
  accounts.value = state.filters.account_id;
  const tags = $("#f-tag");
  tags.replaceChildren(
    h("option", { value: "", text: t("filters.all_tags") }),
    ...state.tags.map((tag) => h("option", { value: tag.name, text: tag.name })),
  );
  tags.value = state.filters.tag;
  $("#tag-options").replaceChildren(...state.tags.map((tag) => h("option", { value: tag.name })));
  for (const tab of document.querySelectorAll("#status-tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.status === state.filters.status));
  }
  $("#f-unread").checked = state.filters.unread;
  $("#f-mine").checked = state.filters.mine;
}

async function loadTags() {
  state.tags = await api("GET", "/tags");
  renderFacets();
}

async function loadCanned() {
  state.canned = await api("GET", "/canned-replies");
}

// ---------------------------------------------------------------- the inbox

let listRequest = 0;

async function loadList() {
  const mine = ++listRequest;
  const page = await api("GET", `/conversations${query({ ...state.filters, limit: 200 })}`);
  if (mine !== listRequest) return;
  state.list = page.items;
  state.total = page.total;
  renderList();
}

function matchesFilters(conversation) {
  const f = state.filters;
  if (f.status && conversation.status !== f.status) return false;
  if (f.unread && conversation.unread_count === 0) return false;
  if (f.mine && conversation.assignee !== state.me.name) return false;
  if (f.account_id && String(conversation.account_id) !== String(f.account_id)) return false;
  if (f.tag && !conversation.contact.tags.some((tag) => tag.name === f.tag)) return false;
  return true;
}

function upsertConversation(conversation) {
  const index = state.list.findIndex((c) => c.id === conversation.id);
  const keep = matchesFilters(conversation) || conversation.id === state.currentId;
  if (index >= 0) {
    if (keep) state.list[index] = conversation;
    else { state.list.splice(index, 1); state.total -= 1; }
  } else if (keep && !state.filters.q) {
    state.list.push(conversation);
    state.total += 1;
  }
  state.list.sort((a, b) => (a.last_activity_at < b.last_activity_at ? 1 : a.last_activity_at > b.last_activity_at ? -1 : b.id - a.id));
  renderList();
  if (state.current && state.current.id === conversation.id) {
    Object.assign(state.current, conversation);
    renderThreadHead();
    renderProfile();
  }
}

function conversationItem(c) {
  const name = contactName(c.contact);
  const preview = c.last_message.text || "";
  const selected = c.id === state.currentId;
  return h(
    "li",
    {
      class: `conv${selected ? " selected" : ""}${c.unread_count ? " unread" : ""}`,
      dataset: { id: c.id },
      tabindex: "0",
      role: "button",
      "aria-current": selected ? "true" : null,
      onclick: () => select(c.id),
      onkeydown: (e) => { if (e.key === "Enter") select(c.id); },
    },
    avatar(name),
    h(
      "div",
      { class: "conv-main" },
      h(
        "div",
        { class: "conv-top" },
        h("span", { class: "conv-name", text: name }),
        h("time", { class: "conv-time", datetime: c.last_activity_at, text: shortWhen(c.last_activity_at) }),
      ),
      h(
        "div",
        { class: "conv-preview" },
        c.last_message.direction === "out" ? h("span", { class: "you", text: t("list.you") }) : null,
        h("span", { class: "preview-text", text: preview }),
      ),
      h(
        "div",
        { class: "conv-meta" },
        h("span", { class: "account-chip", text: c.account_name }),
        c.status !== "open" ? h("span", { class: `status-chip ${c.status}`, text: t(`status.${c.status}`) }) : null,
        c.waiting_since && c.status === "open"
          ? h("span", { class: "waiting", text: t("list.waiting", { t: since(c.waiting_since) }) })
          : null,
        ...c.contact.tags.slice(0, 2).map((tag) => h("span", { class: "tag mini", style: { "--tag": tag.color }, text: tag.name })),
        c.unread_count ? h("span", { class: "badge", text: c.unread_count > 99 ? "99+" : c.unread_count }) : null,
      ),
    ),
  );
}

function renderList() {
  $("#conv-list").replaceChildren(...state.list.map(conversationItem));
  show($("#conv-empty"), state.list.length === 0);
  $("#conv-count").textContent = t("list.count", { n: state.total });
}

// ---------------------------------------------------------------- one conversation

async function select(id, { keepScroll = false } = {}) {
  let detail;
  try {
    detail = await api("GET", `/conversations/${id}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      state.currentId = null;
      state.current = null;
      renderThread();
      return;
    }
    throw error;
  }
  const changed = state.currentId !== id;
  state.currentId = id;
  state.current = detail;
  history.replaceState(null, "", `#c=${id}`);
  if (changed) {
    $("#reply").value = "";
    $("#send-at").value = "";
    $("#composer-error").textContent = "";
    state.chosenCanned = null;
    closePopup();
  }
  renderList();
  renderThread(keepScroll && !changed);
  renderProfile();
  if (detail.unread_count > 0) markRead();
  if (changed) $("#reply").focus();
}

async function markRead() {
  if (!state.current || document.hidden) return;
  const updated = await api("POST", `/conversations/${state.current.id}/read`);
  upsertConversation(stripDetail(updated));
}

function stripDetail(detail) {
  const { messages, notes, has_more, ...conversation } = detail;
  return conversation;
}

function renderThread(keepScroll = false) {
  const c = state.current;
  show($("#thread-empty"), !c);
  show($("#thread"), Boolean(c));
  if (!c) return;
  renderThreadHead();
  renderMessages(keepScroll);
}

function renderThreadHead() {
  const c = state.current;
  $("#t-name").textContent = contactName(c.contact);
  $("#t-via").replaceChildren(
    h("span", { text: t("thread.via", { account: c.account_name, serial: c.device_serial }) }),
    h("span", { class: `device-state ${c.device_state || "unknown"}`, text: deviceLabel(c.device_state) }),
  );
  const resolve = $("#t-resolve");
  resolve.textContent = c.status === "resolved" ? t("thread.reopen") : t("thread.resolve");
  resolve.dataset.next = c.status === "resolved" ? "open" : "resolved";
  show($("#t-pending"), c.status !== "pending");
  const assignee = $("#t-assignee");
  const users = new Set(state.me.users);
  if (c.assignee) users.add(c.assignee);
  assignee.replaceChildren(
    h("option", { value: "", text: t("thread.unassigned") }),
    ...[...users].map((u) => h("option", { value: u, text: t("thread.assign_to", { u }) })),
  );
  assignee.value = c.assignee || "";
}

function statusView(m) {
  if (m.direction !== "out") return null;
  if (!m.author) return h("span", { class: "delivery phone", text: t("thread.from_phone") });
  const status = m.status || "queued";
  const icons = { queued: "🕓", sent: "✓", delivered: "✓✓", failed: "!", unconfirmed: "?", cancelled: "×" };
  const label = status === "queued" && m.send_at ? t("delivery.scheduled", { t: fullWhen(m.send_at) }) : t(`delivery.${status}`);
  const parts = [
    h("span", { class: `delivery ${status}`, title: m.error || null, dataset: { status } },
      h("span", { class: "delivery-icon", "aria-hidden": "true", text: icons[status] || "" }),
      h("span", { class: "delivery-label", text: label })),
  ];
  if (status === "failed") {
    parts.push(h("button", { type: "button", class: "link small", text: t("delivery.retry"), onclick: () => retry(m) }));
  }
  if (status === "queued") {
    parts.push(h("button", { type: "button", class: "link small", text: t("delivery.cancel"), onclick: () => cancelReply(m) }));
  }
  return parts;
}

function messageNode(m) {
  const body = m.image && !m.text ? t("thread.image") : m.text;
  return h(
    "div",
    { class: `msg ${m.direction}`, dataset: { id: m.id, seq: m.seq } },
    h("div", { class: "bubble" }, h("div", { class: "text", text: body })),
    h(
      "div",
      { class: "msg-meta" },
      m.author ? h("span", { class: "author", text: m.author }) : null,
      h("time", { datetime: m.created_at, title: fullWhen(m.created_at), text: timeOf(m.created_at) }),
      m.screen && m.screen.unaligned ? h("span", { class: "warn", text: t("thread.unaligned") }) : null,
      statusView(m),
    ),
  );
}

function renderMessages(keepScroll) {
  const box = $("#messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const nodes = [];
  if (state.current.has_more) {
    nodes.push(h("button", { type: "button", class: "link older", text: t("thread.older"), onclick: loadOlder }));
  }
  let lastDay = "";
  for (const m of state.current.messages) {
    const day = dayOf(m.created_at);
    if (day !== lastDay) {
      nodes.push(h("div", { class: "day" }, h("span", { text: day })));
      lastDay = day;
    }
    nodes.push(messageNode(m));
  }
  box.replaceChildren(...nodes);
  if (!keepScroll || atBottom) box.scrollTop = box.scrollHeight;
}

async function loadOlder() {
  const c = state.current;
  const first = c.messages[0];
  const older = await api("GET", `/conversations/${c.id}${query({ before_seq: first.seq })}`);
  if (state.current !== c) return;
  c.messages = [...older.messages, ...c.messages];
  c.has_more = older.has_more;
  const box = $("#messages");
  const fromBottom = box.scrollHeight - box.scrollTop;
  renderMessages(true);
  box.scrollTop = box.scrollHeight - fromBottom;
}

// The phone's order; replies not seen on the screen yet (no position) last, as written.
function screenOrder(a, b) {
  const unseen = (m) => (m.position === null || m.position === undefined ? 1 : 0);
  return unseen(a) - unseen(b) || (a.position ?? 0) - (b.position ?? 0) || a.seq - b.seq;
}

function putMessage(message) {
  if (!state.current || state.current.id !== message.conversation_id) return;
  const list = state.current.messages;
  const index = list.findIndex((m) => m.id === message.id);
  if (index >= 0) list[index] = message;
  else list.push(message);
  list.sort(screenOrder);
  renderMessages(true);
}

async function retry(m) {
  try {
    putMessage(await api("POST", `/conversations/${m.conversation_id}/messages/${m.id}/retry`));
  } catch (error) { showError(error); }
}

async function cancelReply(m) {
  try {
    putMessage(await api("POST", `/conversations/${m.conversation_id}/messages/${m.id}/cancel`));
  } catch (error) { showError(error); }
}

async function setStatus(status) {
  if (!state.current) return;
  try {
    upsertConversation(stripDetail(await api("POST", `/conversations/${state.current.id}/status`, { status })));
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------- replying

async function send() {
  const c = state.current;
  const box = $("#reply");
  const text = box.value;
  if (!c || !text.trim()) return;
  const body = { text };
  if (state.chosenCanned && text.trim() === state.chosenCanned.text.trim()) body.canned_reply_id = state.chosenCanned.id;
  const later = $("#send-at").value;
  if (later) body.send_at = new Date(later).toISOString();
  $("#send").disabled = true;
  try {
    const message = await api("POST", `/conversations/${c.id}/messages`, body);
    box.value = "";
    $("#send-at").value = "";
    $("#composer-error").textContent = "";
    state.chosenCanned = null;
    putMessage(message);
  } catch (error) {
    showError(error);
  } finally {
    $("#send").disabled = false;
    box.focus();
  }
}

function slashWord(box) {
  const caret = box.selectionStart;
  const before = box.value.slice(0, caret);
  const match = /(^|\s)\/([^\s/]*)$/.exec(before);
  if (!match) return null;
  return { start: caret - match[2].length - 1, end: caret, word: match[2].toLowerCase() };
}

function updatePopup() {
  const box = $("#reply");
  const word = slashWord(box);
  if (!word) return closePopup();
  const items = state.canned
    .filter((r) => r.shortcode.toLowerCase().startsWith(word.word) || (word.word && r.text.toLowerCase().includes(word.word)))
    .slice(0, 8);
  state.popup = { open: true, items, index: 0, start: word.start, end: word.end };
  renderPopup();
}

function renderPopup() {
  const pop = $("#canned-pop");
  const { items, index } = state.popup;
  if (!items.length) {
    pop.replaceChildren(h("div", { class: "canned-empty", text: t("composer.no_canned") }));
  } else {
    pop.replaceChildren(
      ...items.map((r, i) =>
        h(
          "div",
          {
            class: `canned-item${i === index ? " active" : ""}`,
            role: "option",
            "aria-selected": String(i === index),
            onmousedown: (e) => { e.preventDefault(); chooseCanned(i); },
          },
          h("span", { class: "shortcode", text: `/${r.shortcode}` }),
          h("span", { class: "canned-text", text: r.text }),
        )),
    );
  }
  show(pop, true);
}

function closePopup() {
  state.popup.open = false;
  show($("#canned-pop"), false);
}

function chooseCanned(index) {
  const reply = state.popup.items[index];
  if (!reply) return closePopup();
  const box = $("#reply");
  const { start, end } = state.popup;
  box.value = box.value.slice(0, start) + reply.text + box.value.slice(end);
  const caret = start + reply.text.length;
  box.setSelectionRange(caret, caret);
  state.chosenCanned = reply;
  closePopup();
  box.focus();
}

function onReplyKey(event) {
  if (state.popup.open) {
    const count = state.popup.items.length;
    if (event.key === "ArrowDown" && count) { state.popup.index = (state.popup.index + 1) % count; renderPopup(); event.preventDefault(); return; }
    if (event.key === "ArrowUp" && count) { state.popup.index = (state.popup.index + count - 1) % count; renderPopup(); event.preventDefault(); return; }
    if ((event.key === "Enter" || event.key === "Tab") && count) { chooseCanned(state.popup.index); event.preventDefault(); return; }
    if (event.key === "Escape") { closePopup(); event.preventDefault(); return; }
  }
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
}

// ---------------------------------------------------------------- the contact

function renderProfile() {
  const c = state.current;
  show($("#profile-empty"), !c);
  show($("#profile"), Boolean(c));
  if (!c) return;
  const name = contactName(c.contact);
  paintAvatar($("#p-avatar"), name);
  $("#p-name").textContent = name;
  $("#p-account").textContent = `${c.contact.name} · ${c.account_name}`;
  const display = $("#p-display");
  if (document.activeElement !== display) display.value = c.contact.display_name || "";
  $("#p-waiting").textContent = c.waiting_since ? `${fullWhen(c.waiting_since)} (${since(c.waiting_since)})` : t("profile.not_waiting");
  $("#p-frt").textContent = c.first_response_seconds == null ? "—" : duration(c.first_response_seconds);
  $("#p-tags").replaceChildren(
    ...c.contact.tags.map((tag) =>
      h("span", { class: "tag", style: { "--tag": tag.color } },
        h("span", { text: tag.name }),
        h("button", { type: "button", class: "tag-x", title: t("profile.remove_tag", { t: tag.name }), "aria-label": t("profile.remove_tag", { t: tag.name }), text: "×", onclick: () => setTags(c.contact.tags.filter((x) => x.id !== tag.id).map((x) => x.name)) }))),
  );
  const about = $("#p-notes");
  if (document.activeElement !== about) about.value = c.contact.notes || "";
  const notes = c.notes || [];
  $("#notes").replaceChildren(
    ...(notes.length
      ? notes.map((n) => h("li", { class: "note" },
        h("div", { class: "note-text", text: n.text }),
        h("div", { class: "note-meta", text: `${n.author} · ${fullWhen(n.created_at)}` })))
      : [h("li", { class: "muted", text: t("notes.empty") })]),
  );
}

async function setTags(names) {
  const c = state.current;
  try {
    const contact = await api("PUT", `/contacts/${c.contact.id}/tags`, { tags: names });
    c.contact = contact;
    renderProfile();
    if (names.some((n) => !state.tags.some((tag) => tag.name === n))) await loadTags();
  } catch (error) { showError(error); }
}

async function saveContact(changes) {
  const c = state.current;
  if (!c) return;
  try {
    c.contact = await api("PATCH", `/contacts/${c.contact.id}`, changes);
    renderThreadHead();
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------- live events

function onEvent(event) {
  switch (event.type) {
    case "message.created":
    case "message.updated":
      putMessage(event.message);
      if (event.type === "message.created" && event.message.direction === "in" && state.currentId === event.conversation_id && document.hasFocus()) {
        markRead();
      }
      break;
    case "conversation.updated":
      upsertConversation(event.conversation);
      break;
    case "note.created":
      if (state.current && state.current.id === event.conversation_id && !state.current.notes.some((n) => n.id === event.note.id)) {
        state.current.notes.push(event.note);
        renderProfile();
      }
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- keyboard

function move(step) {
  if (!state.list.length) return;
  const index = state.list.findIndex((c) => c.id === state.currentId);
  const next = index < 0 ? 0 : Math.min(state.list.length - 1, Math.max(0, index + step));
  select(state.list[next].id);
  const node = document.querySelector(`.conv[data-id="${state.list[next].id}"]`);
  if (node) node.scrollIntoView({ block: "nearest" });
}

function onGlobalKey(event) {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyJ") { move(1); event.preventDefault(); }
  else if (event.code === "KeyK") { move(-1); event.preventDefault(); }
  else if (event.code === "KeyE" && state.current) {
    setStatus(state.current.status === "resolved" ? "open" : "resolved");
    event.preventDefault();
  }
}

// ---------------------------------------------------------------- wiring

function wire() {
  for (const tab of document.querySelectorAll("#status-tabs button")) {
    tab.addEventListener("click", () => { state.filters.status = tab.dataset.status; renderFacets(); loadList(); });
  }
  $("#f-unread").addEventListener("change", (e) => { state.filters.unread = e.target.checked; loadList(); });
  $("#f-mine").addEventListener("change", (e) => { state.filters.mine = e.target.checked; loadList(); });
  $("#f-account").addEventListener("change", (e) => { state.filters.account_id = e.target.value; loadList(); });
  $("#f-tag").addEventListener("change", (e) => { state.filters.tag = e.target.value; loadList(); });
  let searchTimer = 0;
  $("#search").addEventListener("input", (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => { state.filters.q = e.target.value.trim(); loadList(); }, 250);
  });
  $("#composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  const reply = $("#reply");
  reply.addEventListener("keydown", onReplyKey);
  reply.addEventListener("input", updatePopup);
  reply.addEventListener("click", updatePopup);
  reply.addEventListener("blur", () => setTimeout(closePopup, 150));
  $("#t-resolve").addEventListener("click", (e) => setStatus(e.currentTarget.dataset.next));
  $("#t-pending").addEventListener("click", () => setStatus("pending"));
  $("#t-assignee").addEventListener("change", async (e) => {
    try {
      upsertConversation(stripDetail(await api("POST", `/conversations/${state.current.id}/assign`, { assignee: e.target.value || null })));
    } catch (error) { showError(error); renderThreadHead(); }
  });
  $("#tag-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("#tag-input");
    const name = input.value.trim();
    if (!name || !state.current) return;
    input.value = "";
    setTags([...state.current.contact.tags.map((tag) => tag.name), name]);
  });
  $("#p-display").addEventListener("change", (e) => saveContact({ display_name: e.target.value }));
  $("#p-notes").addEventListener("change", (e) => saveContact({ notes: e.target.value }));
  $("#note-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("#note-input");
    const text = input.value.trim();
    if (!text || !state.current) return;
    try {
      const note = await api("POST", `/conversations/${state.current.id}/notes`, { text });
      input.value = "";
      onEvent({ type: "note.created", conversation_id: note.conversation_id, note });
    } catch (error) { showError(error); }
  });
  document.addEventListener("keydown", onGlobalKey);
  document.addEventListener("visibilitychange", () => { if (!document.hidden && state.current && state.current.unread_count) markRead(); });
  // Waiting times age: refresh the relative labels every half minute.
  setInterval(() => { if (state.me) { renderList(); if (state.current) renderProfile(); } }, 30000);
}

async function boot() {
  wire();
  await start();
}

boot();
