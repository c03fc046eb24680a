// The review queue: posts parked on the phone's final screen (confirm mode). The parked
// screenshot shows exactly what the phone will publish; approve or reject it.

import { api } from "./api.js";
import { $, avatar, h, show } from "./dom.js";
import { t } from "./i18n.js";
import { showError, startPage, toast } from "./nav.js";
import { dateTime, viewerZone } from "./time.js";

let items = [];

function openImage(url, name) {
  $("#lightbox-img").src = url;
  $("#lightbox-name").textContent = name;
  $("#lightbox").showModal();
}

async function decide(item, decision) {
  if (decision === "reject" && !window.confirm(t("review.confirm_reject"))) return;
  const target = item.target;
  try {
    await api("POST", `/posts/${target.post_id}/targets/${target.account_id}/${decision}`, {});
    toast(t(decision === "confirm" ? "review.approve" : "review.reject"), "ok");
  } catch (error) {
    showError(error);
  }
  await load();
}

function card(item) {
  const target = item.target;
  const decided = !item.waiting;
  return h(
    "article",
    { class: "card review-card", dataset: { post: target.post_id, account: target.account_id } },
    target.screenshot_url
      ? h("img", { class: "parked", src: target.screenshot_url, alt: target.account_name, onclick: () => openImage(target.screenshot_url, target.account_name) })
      : h("div", { class: "parked" }),
    h(
      "div",
      { class: "review-main" },
      h("div", { class: "row" }, avatar(target.account_name), h("div", {},
        h("div", { class: "who", text: target.account_name }),
        h("div", { class: "muted small mono", text: item.device_serial }))),
      h("div", { class: "muted small", text: `${t("cal.post", { id: target.post_id })} · ${t("review.by", { by: item.post_created_by })}` }),
      h("div", { class: "review-text", text: item.text }),
      item.media.length ? h("div", { class: "mini-thumbs" }, ...item.media.map((m) => h("img", { src: m.url, alt: "" }))) : null,
      h("div", { class: "muted small", text: t("review.waiting", { t: dateTime(new Date(target.updated_at), viewerZone()) }) }),
      decided
        ? h("div", { class: "check-item info", text: t("review.decided", { d: t(`review.decision.${target.decision}`), by: target.decided_by || "" }) })
        : h("div", { class: "review-actions" },
          h("button", { type: "button", class: "primary approve", text: t("review.approve"), onclick: () => decide(item, "confirm") }),
          h("button", { type: "button", class: "danger reject", text: t("review.reject"), onclick: () => decide(item, "reject") })),
    ),
  );
}

function render() {
  $("#queue").replaceChildren(...items.map(card));
  show($("#queue-empty"), items.length === 0);
}

async function load() {
  try {
    items = await api("GET", "/review");
  } catch (error) {
    showError(error);
    return;
  }
  render();
}

async function boot() {
  await startPage({ active: "review", onLanguage: render });
  $("#refresh").addEventListener("click", load);
  $("#lightbox-close").addEventListener("click", () => $("#lightbox").close());
  await load();
  setInterval(() => { if (!document.hidden) load(); }, 5000);
}

boot();
