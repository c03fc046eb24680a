// My account: who I am, my password, my personal API tokens.

import { api } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { errorText, startPage } from "./nav.js";
import { tokenManager } from "./tokens_ui.js";

let user = null;

function render() {
  $("#who").textContent = `${user.display_name || user.username} · ${t(`role.${user.role}`)}`;
  if (user.id != null) tokenManager($("#tokens"), "/me/tokens");
}

async function boot() {
  user = await startPage({ active: "account", onLanguage: render });
  render();
  $("#password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = $("#password-state");
    try {
      await api("POST", "/me/password", { current_password: $("#current").value, new_password: $("#new").value });
      status.className = "small";
      status.textContent = t("account.changed");
      $("#current").value = "";
      $("#new").value = "";
    } catch (error) {
      status.className = "small error";
      status.textContent = errorText(error);
    }
  });
}

boot();
