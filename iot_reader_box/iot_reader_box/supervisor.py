"""Start each reader when its device is there, restart it when it fails, never die of it."""

import logging
import threading
import time

_logger = logging.getLogger(__name__)


class _Slot:
    def __init__(self, reader):
        self.reader = reader
        self.thread = None
        self.stop = threading.Event()
        self.failures = 0
        self.not_before = 0.0


class Supervisor:
    """Every ``period`` seconds: start readers whose device is present, restart crashed ones
    after a growing pause (1 s, 2 s, 4 s... up to ``max_backoff``), stop those whose device
    went away."""

    def __init__(self, readers, period=2.0, max_backoff=30.0, clock=time.monotonic):
        self.slots = [_Slot(reader) for reader in readers]
        self.period = period
        self.max_backoff = max_backoff
        self._clock = clock
        self.restarts = 0

    def _target(self, slot):
        try:
            slot.reader.run(slot.stop)
        except Exception:
            slot.failures += 1
            delay = min(self.max_backoff, 2 ** (slot.failures - 1))
            slot.not_before = self._clock() + delay
            _logger.exception(
                "%s failed (%s in a row); restarting in %ss", slot.reader.name, slot.failures, delay
            )
        else:
            slot.failures = 0

    def check(self):
        """One supervision pass (public for tests and for ``run``)."""
        for slot in self.slots:
            alive = slot.thread is not None and slot.thread.is_alive()
            try:
                present = slot.reader.supported()
            except Exception:
                _logger.exception("%s: cannot tell whether the device is present", slot.reader.name)
                present = False
            if alive and not present:
                _logger.info("%s: device gone, stopping its reader", slot.reader.name)
                slot.stop.set()
            elif (
                not alive
                and present
                and not slot.stop.is_set()
                and self._clock() >= slot.not_before
            ):
                if slot.thread is not None:
                    self.restarts += 1
                slot.thread = threading.Thread(
                    target=self._target, args=(slot,), name=slot.reader.name, daemon=True
                )
                slot.thread.start()
            elif not alive and slot.stop.is_set():
                slot.stop = threading.Event()  # stopped because it went away: may come back

    def run(self, stop_event):
        while not stop_event.is_set():
            self.check()
            stop_event.wait(self.period)
        self.stop_all()

    def stop_all(self, timeout=2.0):
        for slot in self.slots:
            slot.stop.set()
        for slot in self.slots:
            if slot.thread is not None:
                slot.thread.join(timeout)
