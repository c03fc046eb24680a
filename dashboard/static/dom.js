// Building DOM nodes safely: text is always set with textContent / text nodes, never as
// HTML, because chat text comes from customers and is untrusted.

/**
 * h("div", {class: "x", dataset: {id: 1}, onclick: fn}, "text", child, ...)
 * Strings and numbers become text nodes; null/undefined/false children are skipped.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "style" && typeof value === "object") {
      Object.assign(node.style, value);
    } else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function show(node, visible) {
  node.hidden = !visible;
}

const PALETTE = ["#2563eb", "#0891b2", "#059669", "#65a30d", "#d97706", "#dc2626", "#db2777", "#7c3aed", "#4f46e5", "#0d9488"];

/** A round avatar with the first letter of `name`, its colour derived from the name. */
export function avatar(name, extraClass = "") {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const first = Array.from(name.trim())[0] || "?";
  return h("span", {
    class: `avatar ${extraClass}`.trim(),
    style: { background: PALETTE[hash % PALETTE.length] },
    text: first.toUpperCase(),
    "aria-hidden": "true",
  });
}

export function paintAvatar(node, name) {
  const fresh = avatar(name, node.className.replace("avatar", "").trim());
  node.textContent = fresh.textContent;
  node.style.background = fresh.style.background;
}
