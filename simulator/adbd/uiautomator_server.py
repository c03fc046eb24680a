"""The uiautomator2 server of a virtual phone: HTTP JSON-RPC, started like the real one.

uiautomator2 3.x pushes `u2.jar` to /data/local/tmp and runs
`CLASSPATH=/data/local/tmp/u2.jar app_process / com.wetest.uia2.Main -p 9008` in a shell
it keeps open; the server lives as long as that shell. The `app_process` command here
does the same: it starts an HTTP server on a loopback port, registers it as the phone's
port 9008 (reachable through the adb `tcp:9008` service), and stops it when the shell
closes. It answers `GET /ping` with `pong` and `POST /jsonrpc/0` with JSON-RPC 2.0;
connections are kept alive and Nagle is off, as a latency-minded server should.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from simulator.adbd.handset import Handset
from simulator.adbd.shell import Invocation, Outcome, fail
from simulator.adbd.uiautomator_rpc import RpcError, UiautomatorRpc

MAIN_CLASS = "com.wetest.uia2.Main"
DEFAULT_PORT = 9008


class _RpcHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, rpc: UiautomatorRpc) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.rpc = rpc


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _RpcHttpServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no per-request log lines."""

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        """/ping → pong."""
        if self.path == "/ping":
            self._reply(200, b"pong", "text/plain")
        else:
            self._reply(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        """/jsonrpc/0 → a JSON-RPC answer."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if not self.path.startswith("/jsonrpc/"):
            self._reply(404, b"not found", "text/plain")
            return
        try:
            request = json.loads(body)
        except ValueError:
            self._reply(400, b"bad json", "text/plain")
            return
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            answer["result"] = self.server.rpc.call(
                request.get("method", ""), request.get("params")
            )
        except RpcError as exc:
            answer["error"] = {"code": exc.code, "message": exc.message, "data": exc.message}
        self._reply(200, json.dumps(answer).encode(), "application/json")


class UiautomatorServer:
    """The HTTP JSON-RPC server for one handset.

    Args:
        handset: the phone.
    """

    def __init__(self, handset: Handset) -> None:
        self.handset = handset
        self._http = _RpcHttpServer(UiautomatorRpc(handset))
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="u2-server", daemon=True
        )

    @property
    def port(self) -> int:
        """The loopback port it listens on."""
        return int(self._http.server_address[1])

    def start(self) -> None:
        """Serve requests on a thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._http.shutdown()
        self._http.server_close()


def app_process(inv: Invocation) -> Outcome:
    """`CLASSPATH=JAR app_process / com.wetest.uia2.Main -p PORT`: runs the u2 server."""
    args = inv.argv[1:]
    classpath = inv.env.get("CLASSPATH", "")
    if MAIN_CLASS not in args:
        return fail("Error: no main class given\n", 1)
    if not classpath or inv.handset.files.stat(classpath) is None:
        return fail(f"Error: Could not find or load main class {MAIN_CLASS}\n", 1)
    port = int(args[args.index("-p") + 1]) if "-p" in args else DEFAULT_PORT
    handset = inv.handset
    if handset.port(port) is not None:
        return fail(
            "java.lang.IllegalStateException: UiAutomationService "
            "android.accessibilityservice.IAccessibilityServiceClient$Stub$Proxy@5deffd5"
            "already registered!\n",
            1,
        )
    server = UiautomatorServer(handset)
    server.start()
    handset.listen(port, server.port)
    try:
        inv.cancelled.wait()
    finally:
        handset.unlisten(port)
        server.stop()
    return Outcome(b"[server] INFO: [UiAutomator2Server] Starting Server\n")
