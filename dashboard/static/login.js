// The sign-in page: user name + password → a session cookie, then back to where the
// user was going (only a path on this site).

import { $, show } from "./dom.js";
import { t, toggleLang, translatePage } from "./i18n.js";
import "./strings.js";

function target() {
  // Only a path on this site. `next` is read with the browser's own URL parser — the one
  // that will open it, which drops tabs and newlines ("/\t/evil.example") and reads "\"
  // as "/" — and kept only when it stays on this origin; what is opened is the parsed
  // path, never the raw text. The controller's `pages.same_origin_path` is the same rule.
  const next = new URLSearchParams(location.search).get("next");
  if (!next || !next.startsWith("/") || /[\u0000-\u0020\u007f\\]/.test(next)) return "/";
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return "/";
  }
  if (url.origin !== location.origin || url.pathname.startsWith("//")) return "/";
  return url.pathname + url.search + url.hash;
}

async function alreadySignedIn() {
  const response = await fetch("/api/v1/auth/session", { credentials: "same-origin" });
  return response.ok;
}

async function signIn(event) {
  event.preventDefault();
  const error = $("#login-error");
  show(error, false);
  const button = $("#login-form button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: $("#username").value.trim(), password: $("#password").value }),
    });
    if (response.ok) {
      location.assign(target());
      return;
    }
    if (response.status === 429) {
      error.textContent = t("signin.limited", { n: response.headers.get("Retry-After") || "60" });
    } else {
      error.textContent = t("signin.wrong");
    }
    show(error, true);
    $("#password").select();
  } catch (failure) {
    error.textContent = t("common.error", { m: String(failure) });
    show(error, true);
  } finally {
    button.disabled = false;
  }
}

async function boot() {
  translatePage();
  $("#lang").addEventListener("click", () => { toggleLang(); translatePage(); });
  $("#login-form").addEventListener("submit", signIn);
  // Coming back from a page that needs a session: go on if there is one. Opened on its
  // own, the page lets someone else sign in on this browser.
  if (new URLSearchParams(location.search).has("next") && await alreadySignedIn()) {
    location.replace(target());
    return;
  }
  $("#username").focus();
}

boot();
