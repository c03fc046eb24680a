// Talking to the controller: the REST API (the session cookie, with the CSRF token on
// every change) and the chat WebSocket. A 401 sends the browser to the sign-in page.

let csrfToken = null;

export function setCsrf(value) {
  csrfToken = value || null;
}

export class ApiError extends Error {
  constructor(status, problems, headers = null) {
    const first = problems[0] || {};
    super(first.message || `HTTP ${status}`);
    this.status = status;
    this.problems = problems;
    this.field = first.field || null;
    this.type = first.type || null;
    this.headers = headers;
  }
}

/** Where to sign in and come back to this page afterwards. */
export function loginUrl() {
  return `/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`;
}

async function send(method, path, init) {
  const headers = init.headers || {};
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(`/api/v1${path}`, { ...init, method, headers, credentials: "same-origin" });
  if (response.status === 401 && !path.startsWith("/auth/login")) {
    location.assign(loginUrl());
    throw new ApiError(401, [{ message: "signed out" }]);
  }
  return response;
}

async function parse(response) {
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const problems = (data && Array.isArray(data.detail) && data.detail) || [];
    throw new ApiError(response.status, problems, response.headers);
  }
  return data;
}

/** Call the API with a JSON body (or none); resolves with the JSON answer, rejects with an ApiError. */
export async function api(method, path, body) {
  const init = { headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return parse(await send(method, path, init));
}

/** Call the API with a multipart form (file uploads). */
export async function apiForm(method, path, form) {
  return parse(await send(method, path, { headers: {}, body: form }));
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * The chat WebSocket: authenticates with the first message (the session cookie counts
 * for the console's own pages; a script would send its token), reconnects with
 * backoff, and reports its state.
 */
export class EventSocket {
  constructor({ onEvent, onState, onReconnect }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onReconnect = onReconnect;
    this.delay = 500;
    this.everOpen = false;
    this.stopped = false;
    this.socket = null;
    this.pingTimer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pingTimer);
    if (this.socket) this.socket.close();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    this.socket = socket;
    this.onState("connecting");
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth" }));
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "ready") {
        this.delay = 500;
        this.onState("live");
        if (this.everOpen) this.onReconnect();
        this.everOpen = true;
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
        }, 25000);
        return;
      }
      if (event.type === "pong" || event.type === "error") return;
      this.onEvent(event);
    });
    socket.addEventListener("close", (closed) => {
      clearInterval(this.pingTimer);
      if (this.stopped) return;
      const denied = closed.code === 4401 || closed.code === 4403;
      this.onState(denied ? "unauthorized" : "offline");
      if (denied) return;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }
}
