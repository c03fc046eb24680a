// Personal API tokens: list, create (the token is shown once), revoke — for one's own
// account page and for the users page.

import { api } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { errorText } from "./nav.js";
import { dateTime, viewerZone } from "./time.js";

/** Draw the token manager into `box` for the tokens under API path `base` (e.g. /me/tokens). */
export async function tokenManager(box, base) {
  const list = h("ul", { class: "token-list" });
  const secret = h("div", { class: "secret", hidden: true });
  const error = h("p", { class: "error" });
  const name = h("input", { type: "text", maxlength: "100", placeholder: t("tokens.name"), "aria-label": t("tokens.name") });
  const days = h("input", { type: "number", min: "1", max: "3650", class: "narrow", placeholder: "90", "aria-label": t("tokens.expires") });

  async function refresh() {
    const tokens = await api("GET", base);
    list.replaceChildren(...(tokens.length
      ? tokens.map((token) => h("li", { class: `token${token.revoked_at ? " revoked" : ""}` },
        h("span", { class: "mono", text: `${token.prefix}…` }),
        h("b", { text: token.name }),
        h("span", { class: "muted small", text: token.revoked_at ? t("tokens.revoked") : token.last_used_at ? t("tokens.last_used", { t: dateTime(new Date(token.last_used_at), viewerZone()) }) : t("tokens.unused") }),
        token.expires_at ? h("span", { class: "muted small", text: `→ ${dateTime(new Date(token.expires_at), viewerZone())}` }) : null,
        token.revoked_at ? null : h("button", {
          type: "button",
          class: "small danger",
          text: t("tokens.revoke"),
          onclick: async () => {
            try { await api("DELETE", `${base}/${token.id}`); await refresh(); } catch (e) { error.textContent = errorText(e); }
          },
        })))
      : [h("li", { class: "muted", text: t("tokens.none") })]));
  }

  async function create(event) {
    event.preventDefault();
    error.textContent = "";
    try {
      const body = { name: name.value.trim() };
      if (days.value) body.expires_in_days = Number(days.value);
      const made = await api("POST", base, body);
      name.value = "";
      days.value = "";
      const code = h("code", { text: made.token });
      secret.replaceChildren(
        h("div", { class: "grow" }, h("div", { class: "small", text: t("tokens.shown_once") }), code),
        h("button", { type: "button", class: "small", text: t("common.copy"), onclick: (e) => { navigator.clipboard.writeText(made.token).then(() => { e.target.textContent = t("common.copied"); }, () => {}); } }),
      );
      secret.hidden = false;
      await refresh();
    } catch (e) {
      error.textContent = errorText(e);
    }
  }

  box.replaceChildren(
    h("p", { class: "muted small", text: t("tokens.hint") }),
    list,
    secret,
    h("form", { class: "row", onsubmit: create }, name, days, h("button", { type: "submit", class: "small", text: t("tokens.create") })),
    error,
  );
  await refresh();
}
