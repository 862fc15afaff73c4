"""The project's own contactless card for vsmartcard's vpcd (a test double at the far edge).

vpcd (the pcscd driver of vsmartcard) listens on TCP; a virtual card "is in the field"
while it is connected. Every message both ways is a 2-byte big-endian length + payload.
One-byte payloads from vpcd are control messages (0 power off, 1 power on, 2 reset,
4 get ATR: answered with the ATR); anything longer is a C-APDU, answered with an R-APDU.
"""

import socket
import struct
import threading

# ATR of a PC/SC part 3 contactless storage card (what an ACR122U reports for MIFARE).
ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


class VirtualCard:
    """Answers GET DATA (``FF CA 00 00 Le``) with ``uid`` and the status words asked for.

    ``status`` is ``"9000"`` (UID + 90 00), ``"6282"`` (UID + 62 82), ``"6C"`` (6C <len>
    unless Le is the UID's length), ``"6300"`` or ``"6A81"``. ``files`` maps C-APDUs (hex)
    to R-APDUs (hex) for a card carrying an application file.
    """

    def __init__(self, port, uid, status="9000", host="127.0.0.1", files=None):
        self.address = (host, port)
        self.files = {bytes.fromhex(k): bytes.fromhex(v) for k, v in (files or {}).items()}
        self.uid = bytes.fromhex(uid)
        self.status = status
        self.apdus = []
        self._sock = None
        self._thread = None

    def answer(self, apdu):
        self.apdus.append(apdu)
        if self.files:  # an application card: answers its own commands, 6A 82 otherwise
            return self.files.get(apdu, b"\x6a\x82")
        if apdu[:4] != b"\xff\xca\x00\x00":
            return b"\x6d\x00"  # instruction not supported
        le = apdu[4] if len(apdu) > 4 else 0
        if self.status == "9000":
            return self.uid + b"\x90\x00"
        if self.status == "6282":
            return self.uid + b"\x62\x82"
        if self.status == "6C":
            if le == len(self.uid):
                return self.uid + b"\x90\x00"
            return bytes([0x6C, len(self.uid)])
        return bytes.fromhex(self.status)

    def insert(self, timeout=5.0):
        self._sock = socket.create_connection(self.address, timeout=timeout)
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._serve, args=(self._sock,), daemon=True)
        self._thread.start()
        return self

    def remove(self):
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None
        if self._thread is not None:
            self._thread.join(2)

    def _serve(self, sock):
        def recv_exact(count):
            data = b""
            while len(data) < count:
                chunk = sock.recv(count - len(data))
                if not chunk:
                    raise ConnectionError("vpcd closed the connection")
                data += chunk
            return data

        try:
            while True:
                (length,) = struct.unpack(">H", recv_exact(2))
                payload = recv_exact(length)
                if length == 1:
                    if payload[0] == GET_ATR:
                        reply = ATR
                    else:
                        continue  # power on/off and reset need no answer
                else:
                    reply = self.answer(payload)
                sock.sendall(struct.pack(">H", len(reply)) + reply)
        except (ConnectionError, OSError):
            return
