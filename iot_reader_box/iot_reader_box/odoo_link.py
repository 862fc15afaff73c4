"""The link to Odoo: pairing over HTTP, then card reads over a paced websocket.

Odoo's websocket (``bus/websocket.py``) closes a connection that sends more than 10
frames in 2 seconds (close code 1013, pings included). The sender therefore batches every
read waiting in the queue into one frame and never sends more than ``frames_per_window``
frames (default 5) per ``window`` seconds (default 2). It sends no pings of its own: Odoo
pings the client and websocket-client answers.

Each frame is an Odoo websocket event ``{"event_name": "membership_reader_reads",
"data": {"token": ..., "events": [...]}}``. Odoo answers nothing on success (the daemon
receives no member data); it closes the socket with code 1008 when the token is refused.
"""

import collections
import json
import logging
import os
import random
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import requests
import websocket

_logger = logging.getLogger(__name__)

READS_EVENT = "membership_reader_reads"
HELLO_EVENT = "membership_reader_hello"
POLICY_VIOLATION = 1008
PAIR_ROUTE = "/membership/reader/pair"


class PairingError(Exception):
    pass


def pair(base_url, code, timeout=10.0):
    """Exchange a one-time pairing code for this box's device token."""
    reply = requests.post(
        f"{base_url}{PAIR_ROUTE}",
        json={"jsonrpc": "2.0", "method": "call", "params": {"code": code}},
        timeout=timeout,
    )
    reply.raise_for_status()
    body = reply.json()
    if "error" in body:
        message = body["error"].get("data", {}).get("message") or body["error"].get("message")
        raise PairingError(message)
    return body["result"]


def save_token(path, token):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token.strip() + "\n")


def read_token(path):
    with open(path, encoding="ascii") as handle:
        return handle.read().strip()


def websocket_url(base_url):
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/websocket", "", ""))


class FramePacer:
    """Sliding window: at most ``frames`` sends per ``window`` seconds."""

    def __init__(self, frames=5, window=2.0, clock=time.monotonic):
        self.frames = frames
        self.window = window
        self._clock = clock
        self._sent = collections.deque()

    def delay(self):
        now = self._clock()
        while self._sent and now - self._sent[0] >= self.window:
            self._sent.popleft()
        if len(self._sent) < self.frames:
            return 0.0
        return self.window - (now - self._sent[0])

    def record(self):
        self._sent.append(self._clock())


class TokenRefused(Exception):
    pass


class OdooLink:
    """Queue of reads -> Odoo, with reconnects and backoff. ``submit`` is thread-safe."""

    def __init__(
        self,
        base_url,
        token,
        max_age=5.0,
        timeout=10.0,
        frames_per_window=5,
        window=2.0,
        max_batch=50,
        max_backoff=30.0,
    ):
        self.url = websocket_url(base_url)
        self.token = token
        self.max_age = max_age
        self.timeout = timeout
        self.pacer = FramePacer(frames_per_window, window)
        self.max_batch = max_batch
        self.max_backoff = max_backoff
        self._queue = collections.deque()
        self._wake = threading.Condition()
        self.connected = threading.Event()
        self.frames_sent = 0
        self.connections = 0
        self.close_codes = []  # close codes received from Odoo, for diagnostics and tests

    def submit(self, read):
        with self._wake:
            self._queue.append(read)
            self._wake.notify()

    def _take_batch(self, wait):
        with self._wake:
            if not self._queue:
                self._wake.wait(wait)
            batch = []
            while self._queue and len(batch) < self.max_batch:
                batch.append(self._queue.popleft())
        fresh = [read for read in batch if not read.is_stale(self.max_age)]
        for read in batch:
            if read not in fresh:
                _logger.warning(
                    "read %s from %s is %.1fs old: dropped, it must not reach a later customer",
                    read.event_id,
                    read.reader,
                    read.age(),
                )
        return fresh

    def _requeue(self, batch):
        with self._wake:
            self._queue.extendleft(reversed(batch))

    def run(self, stop_event):
        """Outer loop: connect, send until the connection fails, wait, reconnect."""
        failures = 0
        while not stop_event.is_set():
            try:
                self._serve_connection(stop_event)
                failures = 0
            except TokenRefused:
                failures = max(failures, 5)
                _logger.error("Odoo refused this box's device token: pair the box again")
            except (OSError, websocket.WebSocketException) as error:
                _logger.warning("Odoo link lost: %s", error)
            finally:
                self.connected.clear()
            if stop_event.is_set():
                break
            failures += 1
            delay = min(self.max_backoff, 0.5 * 2 ** (failures - 1))
            delay *= random.uniform(0.8, 1.2)
            _logger.info("reconnecting to Odoo in %.1fs", delay)
            stop_event.wait(delay)

    def _send(self, ws, event_name, data, stop_event):
        wait = self.pacer.delay()
        while wait > 0 and not stop_event.is_set():
            stop_event.wait(wait)
            wait = self.pacer.delay()
        ws.send(json.dumps({"event_name": event_name, "data": data}))
        self.pacer.record()
        self.frames_sent += 1

    def _serve_connection(self, stop_event):
        ws = websocket.create_connection(self.url, timeout=self.timeout)
        closed = threading.Event()
        refused = threading.Event()

        def receive():
            # Answers Odoo's pings (websocket-client does it inside recv) and notices a close.
            while not closed.is_set():
                try:
                    opcode, frame = ws.recv_data_frame(control_frame=False)
                except websocket.WebSocketTimeoutException:
                    continue
                except Exception:  # socket gone: the sender notices on its next send
                    break
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    code = int.from_bytes(frame.data[:2], "big") if len(frame.data) >= 2 else None
                    self.close_codes.append(code)
                    if code == POLICY_VIOLATION:
                        refused.set()
                    _logger.info("Odoo closed the websocket (code %s)", code)
                    break
            closed.set()

        self.connections += 1
        receiver = threading.Thread(target=receive, name="odoo-link-recv", daemon=True)
        receiver.start()
        batch = []
        try:
            self._send(ws, HELLO_EVENT, {"token": self.token}, stop_event)
            self.connected.set()
            _logger.info("connected to %s", self.url)
            while not stop_event.is_set() and not closed.is_set():
                batch = self._take_batch(wait=0.2)
                if not batch:
                    continue
                self._send(
                    ws,
                    READS_EVENT,
                    {"token": self.token, "events": [read.as_message() for read in batch]},
                    stop_event,
                )
                batch = []
        except Exception:
            if batch:
                self._requeue(batch)  # same event ids: Odoo drops any it already has
            raise
        finally:
            closed.set()
            try:
                ws.close(timeout=1)
            except Exception:  # already closed by the peer
                _logger.debug("websocket already closed")
            receiver.join(2)
        if refused.is_set():
            raise TokenRefused()
        if not stop_event.is_set():
            raise websocket.WebSocketConnectionClosedException("closed by Odoo")
