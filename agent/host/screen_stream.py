"""`ScreenLink`: the agent's WebSocket to the controller for live screens and remote control.

    link = ScreenLink(settings, workers, stop)      # the supervisor does this
    threading.Thread(target=link.run).start()       # connects, reconnects with backoff

The wire is `farm_protocol.live`. Nothing is captured until the controller asks: a
`WatchCommand` starts a `StreamPump` for the phone (one thread per watched phone, gone
when nobody watches it any more), which captures the screen at the fastest rate any of its
tiers asks for and sends, per tier, a JPEG scaled to that tier's width (OpenCV). An
unchanged screen is only re-sent every `StreamSpec.keyframe_s` seconds.

Frames wait in a `FrameOutbox` that keeps only the newest frame of each stream: a slow
link drops stale frames instead of queueing them, and a pump captures nothing while its
previous frame is still waiting (the link's speed paces the capture).

Control and input commands run on a small thread pool, in order per phone, through each
worker's `remote_control.ControlGate` (the rule is documented there). When the link drops
every hold is released, so no phone stays away from its jobs.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import cv2
import numpy as np
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from agent.devices.base import Device
from agent.devices.base import Image as ImageArray
from agent.devices.errors import DeviceError, DeviceOfflineError
from agent.host.backoff import Backoff
from agent.host.remote_control import TAKE_WAIT_S, ControlGate, ControlRefused, apply_input
from agent.host.settings import AgentSettings
from farm_protocol.live import (
    CONTROLLER_MESSAGE,
    SCREENS_WS_PATH,
    AgentHello,
    CommandError,
    CommandResult,
    ControlCommand,
    FrameHeader,
    InputCommand,
    StreamSpec,
    StreamTier,
    WatchCommand,
    encode_frame,
)

log = logging.getLogger(__name__)

StreamKey = tuple[str, StreamTier]


class ControlledPhone(Protocol):
    """What the link needs of a phone's worker (a `worker.DeviceWorker` is one)."""

    serial: str
    device: Device
    control: ControlGate


def ws_url(controller_url: str) -> str:
    """The screen link's URL on a controller (``http`` → ``ws``, ``https`` → ``wss``)."""
    base = controller_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base[len("https://") :] + SCREENS_WS_PATH
    if base.startswith("http://"):
        return "ws://" + base[len("http://") :] + SCREENS_WS_PATH
    raise ValueError(f"not an http(s) URL: {controller_url}")


def encode_jpeg(image: ImageArray, max_width: int, quality: int) -> tuple[bytes, int, int, bytes]:
    """Scale a BGR screenshot down to `max_width` and JPEG-encode it.

    Returns:
        (jpeg, width, height, digest of the scaled pixels).
    """
    height, width = image.shape[:2]
    if width > max_width:
        scaled_h = max(1, round(height * max_width / width))
        image = cv2.resize(image, (max_width, scaled_h), interpolation=cv2.INTER_AREA)
    image = np.ascontiguousarray(image)
    digest = hashlib.blake2b(image.data, digest_size=16).digest()
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes(), int(image.shape[1]), int(image.shape[0]), digest


class FrameOutbox:
    """What waits to be sent: command results in order, and the newest frame per stream."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._texts: deque[str] = deque()
        self._frames: dict[StreamKey, bytes] = {}
        self._closed = False

    def put_text(self, text: str) -> None:
        """Queue a text message (never dropped)."""
        with self._cond:
            self._texts.append(text)
            self._cond.notify_all()

    def put_frame(self, key: StreamKey, data: bytes) -> None:
        """Queue a frame; an older frame of the same stream still waiting is dropped."""
        with self._cond:
            self._frames[key] = data
            self._cond.notify_all()

    def pending(self, key: StreamKey) -> bool:
        """True while a frame of this stream waits to be sent."""
        with self._cond:
            return key in self._frames

    def take(self, timeout: float) -> tuple[list[str], list[bytes]] | None:
        """Everything waiting (texts first); None when closed. Waits up to `timeout`."""
        with self._cond:
            if not self._texts and not self._frames and not self._closed:
                self._cond.wait(timeout)
            if self._closed:
                return None
            texts = list(self._texts)
            frames = list(self._frames.values())
            self._texts.clear()
            self._frames.clear()
            return texts, frames

    def close(self) -> None:
        """Wake the sender for good."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class StreamPump:
    """Captures one phone's screen for the tiers somebody watches, in its own thread.

    Args:
        device: the phone.
        outbox: where frames go.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        device: Device,
        outbox: FrameOutbox,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = device
        self.serial = device.serial
        self.outbox = outbox
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._specs: dict[StreamTier, StreamSpec] = {}
        self._due: dict[StreamTier, float] = {}
        self._last_sent: dict[StreamTier, float] = {}
        self._last_digest: dict[StreamTier, bytes] = {}
        self._seq = 0
        self._stopped = False
        self.frames_sent = 0
        self._thread = threading.Thread(target=self._run, name=f"screen-{self.serial}", daemon=True)

    def start(self) -> StreamPump:
        """Start capturing."""
        self._thread.start()
        return self

    def set(self, tier: StreamTier, spec: StreamSpec | None) -> bool:
        """Stream `tier` with `spec` (None: stop it). Returns False once no tier is left."""
        with self._lock:
            if spec is None:
                self._specs.pop(tier, None)
                self._last_digest.pop(tier, None)
            else:
                self._specs[tier] = spec
                self._due[tier] = self._clock()
                self._last_digest.pop(tier, None)  # a new watcher needs a first frame
            alive = bool(self._specs)
            if not alive:
                self._stopped = True
        self._wake.set()
        return alive

    def poke(self) -> None:
        """The screen probably changed (an input): capture the fastest tier now."""
        with self._lock:
            if self._specs:
                fastest = max(self._specs, key=lambda tier: self._specs[tier].fps)
                self._due[fastest] = self._clock()
        self._wake.set()

    def stop(self) -> None:
        """Stop capturing (the thread ends after its current frame)."""
        with self._lock:
            self._stopped = True
            self._specs.clear()
        self._wake.set()

    def join(self, timeout: float) -> None:
        """Wait for the thread to end."""
        self._thread.join(timeout)

    def _plan(self) -> tuple[list[tuple[StreamTier, StreamSpec]], float] | None:
        """(tiers due now, seconds until the next one) — None once stopped."""
        with self._lock:
            if self._stopped:
                return None
            now = self._clock()
            due = []
            wait = 0.5
            for tier, spec in self._specs.items():
                at = self._due.get(tier, now)
                if at <= now and not self.outbox.pending((self.serial, tier)):
                    due.append((tier, spec))
                    period = 1.0 / spec.fps
                    # Keep the rate without bursting to catch up after a pause.
                    at = at + period if at + period > now else now + period / 2
                    self._due[tier] = at
                wait = min(wait, max(0.01, at - now))
            return due, wait

    def _run(self) -> None:
        while True:
            plan = self._plan()
            if plan is None:
                return
            due, wait = plan
            if due:
                try:
                    self._capture(due)
                    continue
                except DeviceError as exc:
                    log.debug("%s: no screenshot for the live view (%s)", self.serial, exc)
                except Exception:
                    log.exception("%s: live view capture failed", self.serial)
                wait = 1.0
            self._wake.wait(wait)
            self._wake.clear()

    def _capture(self, due: Sequence[tuple[StreamTier, StreamSpec]]) -> None:
        image = self.device.screenshot()
        screen_h, screen_w = image.shape[:2]
        captured_ms = time.time() * 1000.0
        now = self._clock()
        for tier, spec in due:
            jpeg, width, height, digest = encode_jpeg(image, spec.max_width, spec.quality)
            with self._lock:
                same = self._last_digest.get(tier) == digest
                fresh = now - self._last_sent.get(tier, -1e9) < spec.keyframe_s
                if spec.keyframe_s > 0 and same and fresh:
                    continue
                if tier not in self._specs:
                    continue
                self._last_digest[tier] = digest
                self._last_sent[tier] = now
                self._seq += 1
                seq = self._seq
            header = FrameHeader(
                serial=self.serial,
                tier=tier,
                seq=seq,
                width=width,
                height=height,
                screen_width=int(screen_w),
                screen_height=int(screen_h),
                captured_ms=captured_ms,
            )
            self.outbox.put_frame((self.serial, tier), encode_frame(header, jpeg))
            self.frames_sent += 1


class ScreenLink:
    """Keeps the screen link to the controller up and serves what it asks for.

    Args:
        settings: the agent's settings (controller URL, token, host, backoff).
        phones: the workers of the phones now (their device and control gate); called
            again for every command, so phones plugged in later are served too.
        stop: set when the agent shuts down.
        connect_timeout: seconds to open the WebSocket.
    """

    def __init__(
        self,
        settings: AgentSettings,
        phones: Callable[[], Sequence[ControlledPhone]],
        stop: threading.Event,
        *,
        connect_timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self.url = ws_url(settings.controller_url)
        self._phones = phones
        self.stop = stop
        self.connect_timeout = connect_timeout
        self.connected = threading.Event()
        self.sessions = 0
        self.take_wait = TAKE_WAIT_S
        self._pumps: dict[str, StreamPump] = {}
        self._pumps_lock = threading.Lock()
        self._outbox = FrameOutbox()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="remote")
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        self._running: set[str] = set()
        self._queue_lock = threading.Lock()
        self._warned = False

    # -- the connection -------------------------------------------------------------------

    def run(self) -> None:
        """Connect and serve until `stop` is set; reconnect with backoff after a drop."""
        backoff = Backoff(initial=self.settings.backoff_initial, cap=self.settings.backoff_cap)
        token = self.settings.token.get_secret_value()
        try:
            while not self.stop.is_set():
                try:
                    with connect(
                        self.url,
                        additional_headers={"Authorization": f"Bearer {token}"},
                        open_timeout=self.connect_timeout,
                        compression=None,  # JPEG does not deflate
                        max_size=1 << 20,
                    ) as ws:
                        backoff.reset()
                        self._warned = False
                        try:
                            self._session(ws)
                        finally:
                            self._reset()
                except (OSError, TimeoutError, WebSocketException) as exc:
                    delay = backoff.next()
                    self._warn(exc, delay)
                    self.stop.wait(delay)
                    continue
                if not self.stop.is_set():
                    self.stop.wait(backoff.next())
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _warn(self, exc: Exception, delay: float) -> None:
        refused = isinstance(exc, InvalidStatus)
        level = logging.DEBUG if self._warned else logging.WARNING
        log.log(
            level,
            "screen link to %s %s (%s); retry in %.1f s",
            self.url,
            "refused" if refused else "unavailable",
            exc,
            delay,
        )
        self._warned = True

    def _session(self, ws: ClientConnection) -> None:
        self.sessions += 1
        self._outbox = FrameOutbox()
        outbox = self._outbox
        hello = AgentHello(host=self.settings.host, serials=sorted(self._by_serial()))
        ws.send(hello.model_dump_json())
        sender = threading.Thread(target=self._send_loop, args=(ws, outbox), daemon=True)
        sender.start()
        self.connected.set()
        log.info("screen link to %s up", self.url)
        try:
            while not self.stop.is_set() and sender.is_alive():
                try:
                    raw = ws.recv(timeout=0.5)
                except TimeoutError:
                    continue
                if isinstance(raw, str):
                    self._dispatch(raw)
        except ConnectionClosed:
            log.info("screen link to %s closed", self.url)
        finally:
            self.connected.clear()
            outbox.close()
            sender.join(5.0)

    def _send_loop(self, ws: ClientConnection, outbox: FrameOutbox) -> None:
        try:
            while True:
                batch = outbox.take(0.5)
                if batch is None:
                    return
                texts, frames = batch
                for text in texts:
                    ws.send(text)
                for frame in frames:
                    ws.send(frame)
        except (ConnectionClosed, OSError):
            return

    def _reset(self) -> None:
        """The link dropped: stop every stream and release every hold."""
        with self._pumps_lock:
            pumps = list(self._pumps.values())
            self._pumps.clear()
        for pump in pumps:
            pump.stop()
        for phone in self._by_serial().values():
            if phone.control.state().holder is not None:
                log.info("%s: remote control released (screen link down)", phone.serial)
            phone.control.release()

    def close(self) -> None:
        """Stop every stream (the supervisor sets `stop` first)."""
        self._reset()

    def _by_serial(self) -> dict[str, ControlledPhone]:
        return {phone.serial: phone for phone in self._phones()}

    def phone(self, serial: str) -> ControlledPhone | None:
        """The phone `serial` of this host (None: no such phone)."""
        return next((p for p in self._phones() if p.serial == serial), None)

    # -- messages -------------------------------------------------------------------------

    def _dispatch(self, raw: str) -> None:
        try:
            message = CONTROLLER_MESSAGE.validate_json(raw)
        except ValidationError as exc:
            log.warning("screen link: ignoring a message the agent does not understand (%s)", exc)
            return
        if isinstance(message, WatchCommand):
            self.watch(message)
        elif isinstance(message, ControlCommand):
            self._in_order(message.serial, lambda: self._reply(self.control(message)))
        else:
            self._in_order(message.serial, lambda: self._reply(self.remote_input(message)))

    def _reply(self, result: CommandResult) -> None:
        self._outbox.put_text(result.model_dump_json())

    def _in_order(self, serial: str, task: Callable[[], None]) -> None:
        """Run `task` on the pool after the earlier tasks of the same phone."""
        with self._queue_lock:
            self._queues.setdefault(serial, deque()).append(task)
            if serial in self._running:
                return
            self._running.add(serial)
        try:
            self._pool.submit(self._drain, serial)
        except RuntimeError:  # shutting down
            with self._queue_lock:
                self._running.discard(serial)

    def _drain(self, serial: str) -> None:
        while True:
            with self._queue_lock:
                queue = self._queues.get(serial)
                if not queue:
                    self._running.discard(serial)
                    return
                task = queue.popleft()
            try:
                task()
            except Exception:
                log.exception("%s: a remote command failed", serial)

    def watch(self, command: WatchCommand) -> None:
        """Start, change or stop a stream."""
        phone = self.phone(command.serial)
        if phone is None:
            log.warning("screen link: asked to stream unknown phone %s", command.serial)
            return
        with self._pumps_lock:
            pump = self._pumps.get(command.serial)
            if pump is None:
                if command.spec is None:
                    return
                pump = StreamPump(phone.device, self._outbox).start()
                self._pumps[command.serial] = pump
            if not pump.set(command.tier, command.spec):
                del self._pumps[command.serial]

    def streaming(self) -> dict[str, int]:
        """Frames sent so far by each phone being streamed now."""
        with self._pumps_lock:
            return {serial: pump.frames_sent for serial, pump in self._pumps.items()}

    def control(self, command: ControlCommand) -> CommandResult:
        """Take or release a phone for a person."""
        started = time.monotonic()
        phone = self.phone(command.serial)
        if phone is None:
            return _refused(command.id, CommandError.UNKNOWN_DEVICE, "no such phone on this host")
        try:
            if command.action == "take":
                state = phone.control.take(command.user, command.hold_seconds, self.take_wait)
                log.info("%s: remote control taken by %s", command.serial, command.user)
            else:
                state = phone.control.release(None)
                log.info("%s: remote control released by %s", command.serial, command.user)
        except ControlRefused as exc:
            return _refused(command.id, exc.code, str(exc), phone.control)
        return CommandResult(id=command.id, ok=True, control=state, took_ms=_ms_since(started))

    def remote_input(self, command: InputCommand) -> CommandResult:
        """Carry out one input for the person holding the phone."""
        started = time.monotonic()
        phone = self.phone(command.serial)
        if phone is None:
            return _refused(command.id, CommandError.UNKNOWN_DEVICE, "no such phone on this host")
        try:
            phone.control.check_input(command.user)
            apply_input(phone.device, command.input)
        except ControlRefused as exc:
            return _refused(command.id, exc.code, str(exc), phone.control)
        except DeviceOfflineError as exc:
            return _refused(command.id, CommandError.OFFLINE, str(exc), phone.control)
        except DeviceError as exc:
            return _refused(command.id, CommandError.FAILED, str(exc), phone.control)
        with self._pumps_lock:
            pump = self._pumps.get(command.serial)
        if pump is not None:
            pump.poke()
        return CommandResult(
            id=command.id, ok=True, control=phone.control.state(), took_ms=_ms_since(started)
        )


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000.0, 1)


def _refused(
    command_id: str, code: CommandError, message: str, gate: ControlGate | None = None
) -> CommandResult:
    return CommandResult(
        id=command_id,
        ok=False,
        error=code,
        message=message,
        control=gate.state() if gate is not None else None,
    )
