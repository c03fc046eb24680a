// The header every console page shares: the pages the user's role may open, who is signed
// in, the language toggle and sign-out. Also small shared UI bits: toasts, errors.

import { api, ApiError, setCsrf } from "./api.js";
import { $, h } from "./dom.js";
import { t, toggleLang, translatePage } from "./i18n.js";
import "./strings.js";

/** The console's pages; a page is listed for the roles that may open it (the server decides). */
export const NAV_LINKS = [
  { key: "chat", href: "/chat", roles: ["admin", "agent_staff"] },
  { key: "farm", href: "/farm", roles: ["admin", "operator"] },
  { key: "jobs", href: "/jobs", roles: ["admin", "operator"] },
  { key: "review", href: "/review", roles: ["admin", "operator", "scheduler"] },
  { key: "calendar", href: "/calendar", roles: ["admin", "scheduler"] },
  { key: "charts", href: "/charts", roles: ["admin", "operator", "scheduler"] },
  { key: "users", href: "/admin/users", roles: ["admin"] },
  { key: "audit", href: "/admin/audit", roles: ["admin"] },
];

let current = null;

export function me() {
  return current;
}

function renderHeader(user, active, onLanguage) {
  const header = $("#topbar");
  const extra = [...header.querySelectorAll("[data-slot]")];
  const links = NAV_LINKS.filter((link) => link.roles.includes(user.role)).map((link) =>
    h("a", {
      href: link.href,
      class: "nav-link",
      "aria-current": link.key === active ? "page" : null,
      text: t(`nav.${link.key}`),
    }));
  header.replaceChildren(
    h("a", { class: "brand", href: "/" }, h("span", { class: "brand-mark", text: "PF" }), h("span", { class: "brand-name", text: t("nav.brand") })),
    h("nav", { class: "nav-links", "aria-label": t("nav.menu") }, ...links),
    h(
      "div",
      { class: "topbar-right" },
      ...extra,
      h("a", { class: "whoami", href: "/account", title: t("nav.account"), "aria-current": active === "account" ? "page" : null },
        h("span", { class: "who-name", text: user.display_name || user.username }),
        h("span", { class: `role-badge role-${user.role}`, text: t(`role.${user.role}`) })),
      h("button", {
        type: "button",
        class: "link lang-toggle",
        text: t("lang.other"),
        onclick: () => {
          toggleLang();
          translatePage();
          renderHeader(user, active, onLanguage);
          if (onLanguage) onLanguage();
        },
      }),
      h("button", { type: "button", class: "link", text: t("nav.signout"), onclick: signOut }),
    ),
  );
}

export async function signOut() {
  try {
    await api("POST", "/auth/logout");
  } finally {
    location.assign("/login");
  }
}

/**
 * Start a console page: translate it, load who is signed in (a 401 goes to /login) and
 * draw the header. Resolves with the user.
 */
export async function startPage({ active, onLanguage } = {}) {
  translatePage();
  const session = await api("GET", "/auth/session");
  setCsrf(session.csrf_token);
  current = session.user;
  renderHeader(session.user, active, onLanguage);
  document.body.classList.add("ready");
  return session.user;
}

export function errorText(error) {
  if (error instanceof ApiError) {
    const parts = error.problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message));
    return parts.join("; ") || error.message;
  }
  return String((error && error.message) || error);
}

/** A short message at the bottom of the screen. */
export function toast(message, kind = "info") {
  let box = $("#toasts");
  if (!box) {
    box = h("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  const item = h("div", { class: `toast ${kind}`, text: message });
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 4000);
}

export function showError(error) {
  toast(t("common.error", { m: errorText(error) }), "error");
}

/** A state badge: `<span class="badge state-x">label</span>`. */
export function badge(kind, label) {
  return h("span", { class: `badge state-${kind}`, text: label });
}
