// UI text in English and zh-CN (the users' own words, see ARCHITECTURE.md). Default: the
// browser's language; the toggle is remembered in localStorage. The chat's texts are
// here; the console pages add theirs with addStrings (strings.js).

const STRINGS = {
  en: {
    "lang.other": "中文",
    "conn.connecting": "Connecting…",
    "conn.live": "Live",
    "conn.offline": "Reconnecting…",
    "filters.search": "Search name or message…",
    "filters.unread": "Unread",
    "filters.mine": "Mine",
    "filters.all_accounts": "All accounts",
    "filters.all_tags": "All tags",
    "status.open": "Open",
    "status.pending": "Pending",
    "status.resolved": "Resolved",
    "status.all": "All",
    "list.empty": "No conversations match.",
    "list.count": "{n} conversations",
    "list.keys": "Alt+J / Alt+K",
    "list.you": "You: ",
    "list.waiting": "waiting {t}",
    "thread.pick": "Pick a conversation on the left.",
    "thread.via": "via {account} · phone {serial}",
    "thread.resolve": "Resolve (Alt+E)",
    "thread.reopen": "Reopen",
    "thread.mark_pending": "Mark pending",
    "thread.unassigned": "Unassigned",
    "thread.assign_to": "Assignee: {u}",
    "thread.older": "Load older messages",
    "thread.from_phone": "sent on the phone",
    "thread.image": "[image]",
    "thread.unaligned": "some earlier messages may be missing",
    "device.online": "online",
    "device.offline": "offline",
    "device.busy": "busy",
    "device.error": "error",
    "device.unauthorized": "unauthorized",
    "device.unknown": "not registered",
    "delivery.queued": "Queued",
    "delivery.sent": "Sending",
    "delivery.delivered": "Delivered",
    "delivery.failed": "Failed",
    "delivery.unconfirmed": "Checking on the phone",
    "delivery.cancelled": "Cancelled",
    "delivery.scheduled": "Scheduled for {t}",
    "delivery.retry": "Retry",
    "delivery.cancel": "Cancel",
    "composer.placeholder": "Write a reply… type / for canned replies",
    "composer.hint": "Enter to send · Shift+Enter for a new line · / canned replies",
    "composer.send": "Send",
    "composer.later": "Send later",
    "composer.no_canned": "No canned reply matches",
    "profile.none": "No conversation selected.",
    "profile.display": "Display name",
    "profile.waiting": "Waiting since",
    "profile.first_response": "First response",
    "profile.tags": "Tags",
    "profile.add_tag": "Add a tag…",
    "profile.add": "Add",
    "profile.remove_tag": "Remove tag {t}",
    "profile.about": "Profile",
    "profile.about_hint": "What we know about this customer…",
    "profile.not_waiting": "—",
    "notes.title": "Private notes",
    "notes.placeholder": "Only staff can see notes",
    "notes.add": "Add note",
    "notes.empty": "No notes yet.",
    "time.seconds": "{n}s",
    "time.minutes": "{n} min",
    "time.hours": "{n} h",
    "time.days": "{n} d",
    "error.generic": "Something went wrong: {m}",
  },
  "zh-CN": {
    "lang.other": "English",
    "conn.connecting": "连接中…",
    "conn.live": "实时",
    "conn.offline": "重新连接中…",
    "filters.search": "搜索客户或消息…",
    "filters.unread": "未读",
    "filters.mine": "我的",
    "filters.all_accounts": "全部个人号",
    "filters.all_tags": "全部标签",
    "status.open": "进行中",
    "status.pending": "待处理",
    "status.resolved": "已解决",
    "status.all": "全部",
    "list.empty": "没有符合条件的会话。",
    "list.count": "共 {n} 个会话",
    "list.keys": "Alt+J / Alt+K 切换",
    "list.you": "我：",
    "list.waiting": "已等待 {t}",
    "thread.pick": "请在左侧选择一个会话。",
    "thread.via": "通过 {account} · 手机 {serial}",
    "thread.resolve": "解决 (Alt+E)",
    "thread.reopen": "重新打开",
    "thread.mark_pending": "标为待处理",
    "thread.unassigned": "未分配",
    "thread.assign_to": "负责人：{u}",
    "thread.older": "加载更早的消息",
    "thread.from_phone": "在手机上发送",
    "thread.image": "[图片]",
    "thread.unaligned": "更早的消息可能有缺失",
    "device.online": "在线",
    "device.offline": "离线",
    "device.busy": "忙碌",
    "device.error": "故障",
    "device.unauthorized": "未授权",
    "device.unknown": "未注册",
    "delivery.queued": "排队中",
    "delivery.sent": "发送中",
    "delivery.delivered": "已送达",
    "delivery.failed": "发送失败",
    "delivery.unconfirmed": "正在手机上核实",
    "delivery.cancelled": "已取消",
    "delivery.scheduled": "定时发送：{t}",
    "delivery.retry": "重试",
    "delivery.cancel": "取消",
    "composer.placeholder": "输入回复… 输入 / 调用话术库",
    "composer.hint": "Enter 发送 · Shift+Enter 换行 · / 话术",
    "composer.send": "发送",
    "composer.later": "定时发送",
    "composer.no_canned": "没有匹配的话术",
    "profile.none": "未选择会话。",
    "profile.display": "备注名",
    "profile.waiting": "等待开始",
    "profile.first_response": "首次响应",
    "profile.tags": "标签",
    "profile.add_tag": "添加标签…",
    "profile.add": "添加",
    "profile.remove_tag": "移除标签 {t}",
    "profile.about": "客户画像",
    "profile.about_hint": "记录这位客户的情况…",
    "profile.not_waiting": "—",
    "notes.title": "内部备注",
    "notes.placeholder": "备注仅客服可见",
    "notes.add": "添加备注",
    "notes.empty": "暂无备注。",
    "time.seconds": "{n} 秒",
    "time.minutes": "{n} 分钟",
    "time.hours": "{n} 小时",
    "time.days": "{n} 天",
    "error.generic": "出错了：{m}",
  },
};

/** Add a module's texts: `{en: {...}, "zh-CN": {...}}` (pages call it at import time). */
export function addStrings(tables) {
  for (const [language, table] of Object.entries(tables)) {
    STRINGS[language] = Object.assign(STRINGS[language] || {}, table);
  }
}

const KEY = "pf.lang";

function initialLanguage() {
  const saved = localStorage.getItem(KEY);
  if (saved && STRINGS[saved]) return saved;
  const browser = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  return browser.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

let current = initialLanguage();

export function lang() {
  return current;
}

export function setLang(value) {
  current = STRINGS[value] ? value : "en";
  localStorage.setItem(KEY, current);
  document.documentElement.lang = current;
}

export function toggleLang() {
  setLang(current === "en" ? "zh-CN" : "en");
}

/** The text for `key`, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const table = STRINGS[current] || STRINGS.en;
  const template = table[key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

/** Fill every [data-i18n] element's text and [data-i18n-placeholder] placeholder. */
export function translatePage(root = document) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
  }
  for (const node of root.querySelectorAll("[data-i18n-title]")) {
    node.setAttribute("title", t(node.dataset.i18nTitle));
    node.setAttribute("aria-label", t(node.dataset.i18nTitle));
  }
  for (const node of root.querySelectorAll(".lang-toggle")) {
    node.textContent = t("lang.other");
  }
}
