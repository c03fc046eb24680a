// Live screens: the /api/v1/ws/screens socket. The page says which phones it shows
// (thumbnails) and which one it focuses; the controller streams exactly those, and stops
// when the page stops asking (or closes). Frames are binary: a 2-byte header length, the
// JSON header, the JPEG.

const decoder = new TextDecoder();

/** {header, blob} of one binary frame, or null when it is not one. */
export function parseFrame(buffer) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 3) return null;
  const size = new DataView(buffer).getUint16(0, false);
  if (size === 0 || buffer.byteLength < 2 + size) return null;
  let header;
  try {
    header = JSON.parse(decoder.decode(new Uint8Array(buffer, 2, size)));
  } catch {
    return null;
  }
  const blob = new Blob([new Uint8Array(buffer, 2 + size)], { type: "image/jpeg" });
  return { header, blob, bytes: buffer.byteLength };
}

/**
 * Show frames in an <img>: each new frame replaces the last, and the object URL of the
 * previous one is released once the new one is decoded.
 */
export class FrameSink {
  constructor(img) {
    this.img = img;
    this.url = null;
    this.at = 0;
  }

  show(blob) {
    const previous = this.url;
    this.url = URL.createObjectURL(blob);
    this.at = performance.now();
    this.img.src = this.url;
    if (previous) setTimeout(() => URL.revokeObjectURL(previous), 1000);
  }

  clear() {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.img.removeAttribute("src");
  }
}

/** Frames and bytes per second over the last few seconds. */
export class RateMeter {
  constructor(windowMs = 3000) {
    this.windowMs = windowMs;
    this.samples = [];
  }

  add(bytes) {
    const now = performance.now();
    this.samples.push([now, bytes]);
    while (this.samples.length && now - this.samples[0][0] > this.windowMs) this.samples.shift();
  }

  rates() {
    const now = performance.now();
    while (this.samples.length && now - this.samples[0][0] > this.windowMs) this.samples.shift();
    const seconds = this.windowMs / 1000;
    const bytes = this.samples.reduce((sum, [, b]) => sum + b, 0);
    return { fps: this.samples.length / seconds, bps: bytes / seconds };
  }
}

export class ScreenSocket {
  constructor({ onFrame, onMessage = () => {}, onState = () => {} }) {
    this.onFrame = onFrame;
    this.onMessage = onMessage;
    this.onState = onState;
    this.thumbs = [];
    this.focus = null;
    this.delay = 500;
    this.socket = null;
    this.ready = false;
    this.stopped = false;
    this.pingTimer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.pingTimer);
    if (this.socket) this.socket.close();
  }

  /** Stream these phones as thumbnails, and `focus` (or none) at the focused rate. */
  watch(thumbs, focus = null) {
    this.thumbs = [...new Set(thumbs)];
    this.focus = focus;
    this.send();
  }

  send() {
    if (!this.ready || this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify({ type: "watch", thumbs: this.thumbs, focus: this.focus }));
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws/screens`);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.ready = false;
    this.onState("connecting");
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "auth" })));
    socket.addEventListener("message", (message) => {
      if (typeof message.data !== "string") {
        const frame = parseFrame(message.data);
        if (frame) this.onFrame(frame);
        return;
      }
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "ready") {
        this.ready = true;
        this.delay = 500;
        this.onState("live");
        this.send();
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
        }, 25000);
        return;
      }
      if (event.type !== "pong") this.onMessage(event);
    });
    socket.addEventListener("close", (closed) => {
      clearInterval(this.pingTimer);
      this.ready = false;
      if (this.stopped) return;
      const denied = closed.code === 4401 || closed.code === 4403;
      this.onState(denied ? "unauthorized" : "offline");
      if (denied) return;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 15000);
    });
  }
}
