// Dates and time zones without a library: wall-clock parts of an instant in an IANA zone,
// the instant of a wall-clock time in a zone, civil-date arithmetic, formatting.

import { lang } from "./i18n.js";

const COMMON_ZONES = ["UTC", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Asia/Singapore", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles"];

export function viewerZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function allZones() {
  try {
    const zones = Intl.supportedValuesOf("timeZone");
    return zones.includes("UTC") ? zones : ["UTC", ...zones];
  } catch {
    return COMMON_ZONES;
  }
}

const partFormats = new Map();

/** {year, month, day, hour, minute, second, weekday (0 = Sunday)} of `date` in `zone`. */
export function partsIn(date, zone) {
  let format = partFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric", weekday: "short",
    });
    partFormats.set(zone, format);
  }
  const out = {};
  for (const part of format.formatToParts(date)) out[part.type] = part.value;
  return {
    year: Number(out.year), month: Number(out.month), day: Number(out.day),
    hour: Number(out.hour) % 24, minute: Number(out.minute), second: Number(out.second),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(out.weekday),
  };
}

/** The instant when the wall clock in `zone` shows this time. */
export function zonedToUtc(y, m, d, hh = 0, mm = 0, ss = 0, zone = "UTC") {
  const wanted = Date.UTC(y, m - 1, d, hh, mm, ss);
  let guess = wanted;
  for (let i = 0; i < 3; i += 1) {
    const p = partsIn(new Date(guess), zone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    if (shown === wanted) break;
    guess -= shown - wanted;
  }
  return new Date(guess);
}

/** A civil date {y, m, d}. */
export function civil(y, m, d) {
  const t = new Date(Date.UTC(y, m - 1, d));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export function addDays(day, n) {
  return civil(day.y, day.m, day.d + n);
}

export function weekday(day) {
  return new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();
}

export function dayKey(day) {
  return `${day.y}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}`;
}

export function todayIn(zone) {
  const p = partsIn(new Date(), zone);
  return { y: p.year, m: p.month, d: p.day };
}

export function dayOfInstant(date, zone) {
  const p = partsIn(date, zone);
  return { y: p.year, m: p.month, d: p.day };
}

/** Midnight starting `day` in `zone`, as an instant. */
export function startOfDay(day, zone) {
  return zonedToUtc(day.y, day.m, day.d, 0, 0, 0, zone);
}

export function format(date, zone, options) {
  return new Intl.DateTimeFormat(lang(), { timeZone: zone, hourCycle: "h23", ...options }).format(date);
}

export function timeOfDay(date, zone) {
  return format(date, zone, { hour: "2-digit", minute: "2-digit" });
}

export function dateTime(date, zone) {
  return format(date, zone, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** "12 s", "3 min", "2.5 h" */
export function duration(seconds, t) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("time.seconds", { n: s });
  if (s < 3600) return t("time.minutes", { n: Math.round(s / 60) });
  if (s < 86400) return t("time.hours", { n: Math.round(s / 360) / 10 });
  return t("time.days", { n: Math.round(s / 8640) / 10 });
}
