// Talking to the controller: the REST API (bearer token) and the chat WebSocket.

const TOKEN_KEY = "pf.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, problems) {
    const first = problems[0] || {};
    super(first.message || `HTTP ${status}`);
    this.status = status;
    this.problems = problems;
    this.field = first.field || null;
  }
}

/** Call the API; resolves with the JSON body, rejects with an ApiError. */
export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1${path}`, init);
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const problems = (data && Array.isArray(data.detail) && data.detail) || [];
    throw new ApiError(response.status, problems);
  }
  return data;
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
 * The chat WebSocket: authenticates with the first message (the token never goes in a
 * URL), reconnects with backoff, and reports its state.
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
      socket.send(JSON.stringify({ type: "auth", token: token() }));
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
      this.onState(closed.code === 4401 ? "unauthorized" : "offline");
      if (closed.code === 4401) return;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }
}
