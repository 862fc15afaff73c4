"""The base class every reader family implements."""

import logging

_logger = logging.getLogger(__name__)


class Reader:
    """A source of card reads.

    ``supported()`` says whether the device (or stack) is there now; the supervisor asks it
    every period and starts ``run(stop_event)`` in a thread of its own when it is. ``run``
    calls ``self.emit(CardRead(...))`` for each read and returns when ``stop_event`` is set;
    an exception it raises makes the supervisor restart it after a pause.
    """

    name = "reader"

    def __init__(self, emit, debouncer=None):
        self.emit = emit
        self.debouncer = debouncer

    def supported(self):
        raise NotImplementedError

    def run(self, stop_event):
        raise NotImplementedError

    def _emit_debounced(self, read):
        if self.debouncer is not None and not self.debouncer.accept(read.reader, read.uid):
            _logger.debug("%s: repeat of the card still present, ignored", read.reader)
            return False
        self.emit(read)
        return True
