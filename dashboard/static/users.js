// Users (admins): who may sign in, with which role; the accounts customer service
// staff serve; passwords, deactivation and personal API tokens.

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { badge, errorText, me, showError, startPage, toast } from "./nav.js";
import { dateTime, viewerZone } from "./time.js";
import { tokenManager } from "./tokens_ui.js";

const ROLES = ["admin", "operator", "scheduler", "agent_staff"];
const state = { users: [], accounts: [], editing: null };

function accountNames(ids) {
  return ids.map((id) => (state.accounts.find((a) => a.id === id) || { name: `#${id}` }).name).join(", ");
}

function render() {
  $("#users tbody").replaceChildren(...state.users.map((user) => h(
    "tr",
    { class: "clickable", dataset: { user: user.username }, tabindex: "0", onclick: () => edit(user), onkeydown: (e) => { if (e.key === "Enter") edit(user); } },
    h("td", { class: "mono", text: user.username }),
    h("td", { text: user.display_name }),
    h("td", {}, h("span", { class: `role-badge role-${user.role}`, text: t(`role.${user.role}`) })),
    h("td", { class: "cell-clip", text: user.role === "agent_staff" ? accountNames(user.account_ids) : "—" }),
    h("td", {}, badge(user.active ? "ok" : "cancelled", user.active ? t("users.active") : t("users.inactive"))),
    h("td", { class: "nowrap muted", text: user.last_login_at ? dateTime(new Date(user.last_login_at), viewerZone()) : t("users.never") }),
    h("td", { text: String(user.tokens) }),
  )));
}

async function load() {
  try {
    [state.users, state.accounts] = await Promise.all([api("GET", "/users"), api("GET", "/accounts")]);
  } catch (error) {
    showError(error);
    return;
  }
  render();
}

function renderAccounts(selected) {
  $("#u-accounts").replaceChildren(...state.accounts.map((a) => h("label", {},
    h("input", { type: "checkbox", value: a.id, checked: selected.includes(a.id) }),
    h("span", { text: a.name }))));
}

function syncRole() {
  show($("#u-accounts-box"), $("#u-role").value === "agent_staff");
}

function open(user) {
  state.editing = user;
  $("#user-title").textContent = user ? t("users.edit", { name: user.username }) : t("users.new");
  $("#u-username").value = user ? user.username : "";
  $("#u-username").disabled = Boolean(user);
  $("#u-display").value = user ? user.display_name : "";
  $("#u-role").replaceChildren(...ROLES.map((r) => h("option", { value: r, text: t(`role.${r}`) })));
  $("#u-role").value = user ? user.role : "agent_staff";
  $("#u-password").value = "";
  $("#u-password-label").textContent = user ? t("users.new_password") : t("users.password");
  $("#u-active").checked = user ? user.active : true;
  show($("#u-active-box"), Boolean(user) && user.id !== me().id);
  $("#u-error").textContent = "";
  renderAccounts(user ? user.account_ids : []);
  syncRole();
  show($("#u-tokens-box"), Boolean(user));
  if (user) tokenManager($("#u-tokens"), `/users/${user.id}/tokens`).catch(showError);
  $("#user-dialog").showModal();
}

function edit(user) {
  open(user);
}

async function save(event) {
  event.preventDefault();
  const user = state.editing;
  const accounts = [...document.querySelectorAll("#u-accounts input:checked")].map((i) => Number(i.value));
  const body = {
    display_name: $("#u-display").value,
    role: $("#u-role").value,
    account_ids: $("#u-role").value === "agent_staff" ? accounts : [],
  };
  if ($("#u-password").value) body.password = $("#u-password").value;
  try {
    if (user) {
      if (user.id !== me().id) body.active = $("#u-active").checked;
      await api("PATCH", `/users/${user.id}`, body);
      toast(t("common.saved"), "ok");
    } else {
      const made = await api("POST", "/users", { ...body, username: $("#u-username").value.trim() });
      if (made.generated_password) {
        $("#generated").replaceChildren(h("code", { text: t("users.generated", { name: made.username, p: made.generated_password }) }),
          h("button", { type: "button", class: "small", text: t("common.close"), onclick: () => show($("#generated"), false) }));
        show($("#generated"), true);
      } else {
        toast(t("common.saved"), "ok");
      }
    }
    $("#user-dialog").close();
    await load();
  } catch (error) {
    $("#u-error").textContent = errorText(error);
  }
}

async function boot() {
  $("#new-user").disabled = true;  // until the accounts it offers are loaded
  await startPage({ active: "users", onLanguage: render });
  $("#new-user").addEventListener("click", () => open(null));
  $("#u-role").addEventListener("change", syncRole);
  $("#user-form").addEventListener("submit", save);
  for (const button of document.querySelectorAll("#user-dialog [data-close]")) button.addEventListener("click", () => $("#user-dialog").close());
  await load();
  $("#new-user").disabled = false;
}

boot();
