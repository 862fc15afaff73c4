"""Card reads as the readers emit them, and the debounce that keeps one read per presence."""

import threading
import time
import uuid
from dataclasses import dataclass, field

from .card_codes import aliases


def new_event_id():
    """A random id per read: Odoo drops a second event carrying the same id."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class CardRead:
    """One card presented to one reader.

    ``uid`` is the code as the reader gives it (upper-case hex for chips and 125 kHz tags,
    the tracks of a magstripe swipe, the text for a barcode); ``at`` is a ``time.time()``
    stamp.
    """

    uid: str
    reader: str
    event_id: str = field(default_factory=new_event_id)
    at: float = field(default_factory=time.time)

    def age(self, now=None):
        return (time.time() if now is None else now) - self.at

    def is_stale(self, max_age, now=None):
        """A read older than ``max_age`` seconds must never reach a later customer."""
        return self.age(now) > max_age

    def as_message(self):
        """What Odoo receives; the aliases let it match a card however it was enrolled."""
        return {
            "id": self.event_id,
            "code": self.uid,
            "aliases": aliases(self.uid)[1:],
            "reader": self.reader,
            "at": self.at,
        }


class Debouncer:
    """One read per card presence.

    A 125 kHz reader repeats the tag's frame about every 220 ms while the tag stays in the
    field: a presence is a run of identical codes with gaps shorter than ``window`` seconds.
    The window slides with every repeat, so a card held still for a minute is one read.
    """

    def __init__(self, window=1.0, clock=time.monotonic):
        self.window = window
        self._clock = clock
        self._last = {}
        self._lock = threading.Lock()

    def accept(self, reader, code):
        now = self._clock()
        with self._lock:
            previous = self._last.get(reader)
            self._last[reader] = (code, now)
        if previous is None:
            return True
        last_code, last_seen = previous
        return last_code != code or now - last_seen > self.window

    def forget(self, reader):
        """The card left the field (PC/SC tells us): the next presence is a new read."""
        with self._lock:
            self._last.pop(reader, None)
