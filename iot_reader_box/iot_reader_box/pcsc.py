"""PC/SC contactless and contact readers through pcscd (pyscard's low-level ``scard`` API).

One ``PcscReader`` watches every reader pcscd knows: readers plugged in or pulled out are
noticed on the next pass, a card arriving on any of them is read once (GET DATA
``FF CA 00 00 00``) and removal re-arms that reader.
"""

import logging

from smartcard import scard

from .events import CardRead
from .reader import Reader

_logger = logging.getLogger(__name__)

GET_UID = [0xFF, 0xCA, 0x00, 0x00, 0x00]
PNP = "\\\\?PnP?\\Notification"


class UidError(Exception):
    """The card answered GET DATA with an error status word."""


def parse_get_uid(data, sw1, sw2):
    """Status words of the contactless GET DATA (PC/SC part 3).

    Returns the UID bytes, or ``("retry", le)`` when the reader asks for another Le;
    raises ``UidError`` for a failure.
    """
    if (sw1, sw2) == (0x90, 0x00):
        if not data:
            raise UidError("empty UID with 90 00")
        return bytes(data)
    if (sw1, sw2) == (0x62, 0x82):  # end of data reached before Le bytes: the UID is whole
        if not data:
            raise UidError("62 82 without data")
        return bytes(data)
    if sw1 == 0x6C:
        return ("retry", sw2)
    if (sw1, sw2) == (0x63, 0x00):
        raise UidError("63 00: the reader could not read the UID")
    if (sw1, sw2) == (0x6A, 0x81):
        raise UidError("6A 81: GET DATA not supported by this reader/card")
    raise UidError(f"unexpected status {sw1:02X} {sw2:02X}")


def is_random_uid(uid):
    """ISO 14443-3: a 4-byte UID starting with 08 is random per power-up: useless as an id."""
    return len(uid) == 4 and uid[0] == 0x08


class PcscReader(Reader):
    name = "pcsc"

    def __init__(self, emit, debouncer=None, poll_ms=250, apdus=()):
        """``apdus``: when given (bytes each, e.g. SELECT of the shop's application then
        READ BINARY), they are sent in order instead of GET DATA and the data of the last
        answer, in hex, is the card's code; every answer must end in 90 00."""
        super().__init__(emit, debouncer)
        self.poll_ms = poll_ms
        self.apdus = [bytes(apdu) for apdu in apdus]

    def supported(self):
        result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if result != scard.SCARD_S_SUCCESS:
            return False
        scard.SCardReleaseContext(context)
        return True

    def run(self, stop_event):
        result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if result != scard.SCARD_S_SUCCESS:
            raise RuntimeError(f"pcscd unreachable: {scard.SCardGetErrorMessage(result)}")
        try:
            self._watch(scard, context, stop_event)
        finally:
            scard.SCardReleaseContext(context)

    def _list_readers(self, scard, context):
        result, readers = scard.SCardListReaders(context, [])
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if result != scard.SCARD_S_SUCCESS:
            raise RuntimeError(f"cannot list readers: {scard.SCardGetErrorMessage(result)}")
        return list(readers)

    def _watch(self, scard, context, stop_event):
        states = {}  # reader name -> last event state
        use_pnp = True
        while not stop_event.is_set():
            present = self._list_readers(scard, context)
            for gone in set(states) - set(present):
                _logger.info("pcsc: reader %s disappeared", gone)
                states.pop(gone)
                if self.debouncer:
                    self.debouncer.forget(gone)
            for new in set(present) - set(states):
                _logger.info("pcsc: reader %s appeared", new)
                states[new] = scard.SCARD_STATE_UNAWARE
            watched = list(states.items())
            if use_pnp:
                # pcsc-lite wakes us when the reader count differs from the high word.
                watched.append((PNP, len(states) << 16))
            result, changes = scard.SCardGetStatusChange(context, self.poll_ms, watched)
            if result == scard.SCARD_E_TIMEOUT:
                continue
            if result == scard.SCARD_E_UNKNOWN_READER and use_pnp:
                use_pnp = False  # a pcscd without PnP notification: poll the list instead
                continue
            if result != scard.SCARD_S_SUCCESS:
                if result == scard.SCARD_E_UNKNOWN_READER:
                    continue  # a reader vanished between the list and the wait
                raise RuntimeError(f"status change: {scard.SCardGetErrorMessage(result)}")
            for name, event_state, _atr in changes:
                if name == PNP or name not in states:
                    continue
                before = states[name]
                states[name] = event_state & ~scard.SCARD_STATE_CHANGED
                was_present = bool(before & scard.SCARD_STATE_PRESENT)
                is_present = bool(event_state & scard.SCARD_STATE_PRESENT)
                if is_present and not was_present:
                    _logger.info("pcsc: card inserted on %s", name)
                    self._read_card(scard, context, name)
                elif was_present and not is_present:
                    _logger.info("pcsc: card removed from %s", name)
                    if self.debouncer:
                        self.debouncer.forget(name)

    def _read_card(self, scard, context, name):
        result, card, protocol = scard.SCardConnect(
            context,
            name,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if result != scard.SCARD_S_SUCCESS:
            _logger.warning(
                "pcsc: cannot connect to the card on %s: %s",
                name,
                scard.SCardGetErrorMessage(result),
            )
            return None
        try:
            if self.apdus:
                uid = self._read_application(scard, card, protocol, name)
            else:
                uid = self._get_uid(scard, card, protocol, name)
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        if uid is None:
            return None
        if not self.apdus and is_random_uid(uid):
            _logger.warning("pcsc: random UID on %s (changes at each tap): read ignored", name)
            return None
        read = CardRead(uid=uid.hex().upper(), reader=name)
        self._emit_debounced(read)
        return read

    def _get_uid(self, scard, card, protocol, name):
        apdu = list(GET_UID)
        for _attempt in range(2):
            result, response = scard.SCardTransmit(card, protocol, apdu)
            if result != scard.SCARD_S_SUCCESS or len(response) < 2:
                _logger.warning(
                    "pcsc: GET DATA failed on %s: %s", name, scard.SCardGetErrorMessage(result)
                )
                return None
            try:
                answer = parse_get_uid(response[:-2], response[-2], response[-1])
            except UidError as error:
                _logger.warning("pcsc: no UID from the card on %s: %s", name, error)
                return None
            if isinstance(answer, bytes):
                return answer
            apdu = [*GET_UID[:4], answer[1]]  # 6C XX: ask again with Le = XX
        _logger.warning("pcsc: the card on %s keeps asking for another Le", name)
        return None

    def _read_application(self, scard, card, protocol, name):
        data = b""
        for apdu in self.apdus:
            result, response = scard.SCardTransmit(card, protocol, list(apdu))
            if result != scard.SCARD_S_SUCCESS or len(response) < 2:
                _logger.warning(
                    "pcsc: APDU %s failed on %s: %s",
                    apdu.hex().upper(),
                    name,
                    scard.SCardGetErrorMessage(result),
                )
                return None
            if response[-2:] != [0x90, 0x00]:
                _logger.warning(
                    "pcsc: APDU %s on %s answered %02X %02X: no code read",
                    apdu.hex().upper(),
                    name,
                    response[-2],
                    response[-1],
                )
                return None
            data = bytes(response[:-2])
        if not data:
            _logger.warning("pcsc: the application file on %s is empty", name)
            return None
        return data
