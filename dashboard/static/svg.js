// Small SVG charts drawn from server-side aggregates: no library, text as text nodes.

const NS = "http://www.w3.org/2000/svg";

export function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function niceMax(value, integer = false) {
  if (integer) return Math.max(4, Math.ceil(value / 4) * 4);
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/**
 * Stacked bars: one bar per label, one segment per series.
 * @param {{labels: string[], series: {name, color, values: number[]}[], format?: Function, height?: number, left?: number}} spec
 *   `left` is the room for the value axis' labels (wider for long formats such as "100 小时").
 */
export function stackedBars({ labels, series, format = String, height = 220, titleOf = null, integer = false, left = 36 }) {
  const width = 640;
  const bottom = 24;
  const top = 10;
  const plot = height - bottom - top;
  const totals = labels.map((_, i) => series.reduce((sum, line) => sum + (line.values[i] || 0), 0));
  const max = niceMax(Math.max(...totals, 0), integer);
  const slot = (width - left) / Math.max(1, labels.length);
  const bar = Math.max(4, Math.min(34, slot * 0.62));
  const nodes = [];
  for (let k = 0; k <= 4; k += 1) {
    const value = (max * k) / 4;
    const y = top + plot - (plot * k) / 4;
    nodes.push(s("line", { x1: left, x2: width, y1: y, y2: y, class: "axis" }));
    nodes.push(s("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, format(value)));
  }
  labels.forEach((label, i) => {
    const x = left + slot * i + (slot - bar) / 2;
    let y = top + plot;
    for (const line of series) {
      const value = line.values[i] || 0;
      if (!value) continue;
      const h = (plot * value) / max;
      y -= h;
      nodes.push(s("rect", { x, y, width: bar, height: h, fill: line.color, rx: 2 },
        s("title", {}, `${label} · ${line.name}: ${format(value)}`)));
    }
    if (titleOf) nodes.push(s("title", {}, titleOf(i)));
    const every = Math.ceil(labels.length / 10);
    if ((labels.length - 1 - i) % every === 0) nodes.push(s("text", { x: x + bar / 2, y: height - 6, "text-anchor": "middle" }, label));
  });
  return s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" }, ...nodes);
}

/** Bars for one series with a tick for a second one (e.g. median and 90th percentile). */
export function barsWithTicks({ labels, bars, ticks, format = String, height = 220 }) {
  const width = 640;
  const left = 48;
  const bottom = 24;
  const top = 10;
  const plot = height - bottom - top;
  const max = niceMax(Math.max(...bars.values.map((v) => v || 0), ...ticks.values.map((v) => v || 0), 0));
  const slot = (width - left) / Math.max(1, labels.length);
  const bar = Math.max(4, Math.min(30, slot * 0.55));
  const nodes = [];
  for (let k = 0; k <= 4; k += 1) {
    const value = (max * k) / 4;
    const y = top + plot - (plot * k) / 4;
    nodes.push(s("line", { x1: left, x2: width, y1: y, y2: y, class: "axis" }));
    nodes.push(s("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, format(value)));
  }
  labels.forEach((label, i) => {
    const x = left + slot * i + (slot - bar) / 2;
    const value = bars.values[i];
    if (value != null) {
      const h = (plot * value) / max;
      nodes.push(s("rect", { x, y: top + plot - h, width: bar, height: Math.max(1, h), fill: bars.color, rx: 2 },
        s("title", {}, `${label} · ${bars.name}: ${format(value)}`)));
    }
    const tick = ticks.values[i];
    if (tick != null) {
      const y = top + plot - (plot * tick) / max;
      nodes.push(s("line", { x1: x - 3, x2: x + bar + 3, y1: y, y2: y, stroke: ticks.color, "stroke-width": 3, "stroke-linecap": "round" },
        s("title", {}, `${label} · ${ticks.name}: ${format(tick)}`)));
    }
    const every = Math.ceil(labels.length / 10);
    if ((labels.length - 1 - i) % every === 0) nodes.push(s("text", { x: x + bar / 2, y: height - 6, "text-anchor": "middle" }, label));
  });
  return s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img" }, ...nodes);
}
