"""Aliases, configuration, debounce, stale reads, the supervisor and the frame pacer."""

import threading
import time

import pytest
from box_testing import wait_for
from iot_reader_box.card_codes import (
    StripeLayout,
    aliases,
    card_code,
    encode_stripe,
    normalise_hex,
    swipe_number,
    uid_endings,
)
from iot_reader_box.events import CardRead, Debouncer
from iot_reader_box.odoo_link import FramePacer, OdooLink, websocket_url
from iot_reader_box.reader import Reader
from iot_reader_box.supervisor import Supervisor

from iot_reader_box import config


def test_aliases_cover_the_printed_forms_of_a_125khz_tag():
    # EM4100 tag 1A 00 7B 9C 3D: low 32 bits 0x007B9C3D = 8100925; Wiegand-26 123,39997
    found = aliases("1a:00:7b:9c:3d")
    assert found[0] == "1A007B9C3D"
    assert "3D9C7B001A" in found
    assert "0008100925" in found
    assert f"{int.from_bytes(bytes.fromhex('007B9C3D')[::-1], 'big'):010d}" in found
    assert "12339997" in found and "123,39997" in found


@pytest.mark.parametrize("uid", ["1A007B9C3D", "04A21B3C5D6E80", "DEADBEEF"])
def test_every_decimal_form_of_a_uid_leads_back_to_it(uid):
    """What a wedge reader types (decimal, either byte order, Wiegand-26) gives an ending
    of the UID: Odoo finds the card enrolled with the hex UID from the typed form."""
    typed = [alias for alias in aliases(uid) if alias.replace(",", "").isdigit()]
    assert len(typed) == 4
    for code in typed:
        assert any(uid.endswith(ending) for ending in uid_endings(code)), code


@pytest.mark.parametrize(
    ("code", "endings"),
    [
        ("0008100925", ["007B9C3D", "3D9C7B00"]),
        ("123,39997", ["7B9C3D"]),
        ("12339997", ["7B9C3D"]),
        ("9999999999", []),  # above 32 bits: no tag's decimal form
        ("999,99999", []),  # facility above 255, number above 65535
        ("MBR-1", []),
    ],
)
def test_uid_endings_of_typed_tag_numbers(code, endings):
    assert uid_endings(code) == endings


def test_a_code_is_read_as_typed_unless_it_is_a_swipe():
    assert card_code("  900000000019\n") == "900000000019"
    assert card_code("%B900000000019^ADA/MEMBER^?;900000000019?") == "900000000019"
    assert card_code("") == ""
    assert card_code("+32 470 12 34 56") == "+32 470 12 34 56"  # a phone, not track 3
    assert card_code(";12345") == ";12345"  # no end sentinel: not a swipe


@pytest.mark.parametrize(
    ("layout", "encoded"),
    [
        (StripeLayout(), ";800000000011?"),
        (StripeLayout(track=1), "%800000000011?"),
        (StripeLayout(track=3, field=2), "+=800000000011?"),
        (StripeLayout(start=3, length=12), ";00800000000011?"),
        (StripeLayout(track=1, field=2, start=4), "%^000800000000011?"),
    ],
)
def test_what_the_encoder_writes_reads_back_with_the_same_layout(layout, encoded):
    assert encode_stripe("800000000011", layout) == encoded
    assert swipe_number(encoded, layout) == "800000000011"


def test_a_number_of_another_length_cannot_be_encoded_for_a_fixed_length_layout():
    assert encode_stripe("80000000001", StripeLayout(start=7, length=12)) is None
    assert encode_stripe("", StripeLayout()) is None


def test_non_hex_codes_are_their_own_alias():
    assert normalise_hex("MBR-1") is None
    assert aliases(" MBR-1 ") == ["MBR-1"]
    assert aliases("") == []


def test_config_file_then_environment_override(tmp_path):
    ini = tmp_path / "box.ini"
    ini.write_text(
        "[odoo]\nurl = http://shop.test:8069/\n[daemon]\nmax_age_seconds = 3\n"
        "[serial]\nports = /dev/ttyUSB0:em4100:9600, socket://127.0.0.1:7000:barcode\n"
    )
    cfg = config.load(
        str(ini), environ={"IOT_READER_BOX_ODOO_URL": "http://10.0.0.2:8069", "PATH": "/bin"}
    )
    assert cfg.odoo_url == "http://10.0.0.2:8069"
    assert cfg.max_age == 3
    assert cfg.frames_per_window == 5
    assert [(p.port, p.protocol, p.baudrate) for p in cfg.serial_ports] == [
        ("/dev/ttyUSB0", "em4100", 9600),
        ("socket://127.0.0.1:7000", "barcode", None),
    ]


def test_debounce_one_read_per_presence():
    now = [0.0]
    debouncer = Debouncer(window=1.0, clock=lambda: now[0])
    assert debouncer.accept("r", "A")
    for _ in range(10):  # repeats every 220 ms for two seconds: same presence
        now[0] += 0.22
        assert not debouncer.accept("r", "A")
    assert debouncer.accept("r", "B")  # another card is another presence
    now[0] += 1.5
    assert debouncer.accept("r", "B")  # the card left and came back
    debouncer.forget("r")
    assert debouncer.accept("r", "B")


def test_stale_reads_are_not_sent():
    link = OdooLink("http://127.0.0.1:1", "t", max_age=2.0)
    link.submit(CardRead(uid="OLD", reader="r", at=time.time() - 10))
    link.submit(CardRead(uid="NEW", reader="r"))
    assert [read.uid for read in link._take_batch(wait=0)] == ["NEW"]


def test_pacer_keeps_below_odoo_websocket_limit():
    now = [0.0]
    pacer = FramePacer(frames=5, window=2.0, clock=lambda: now[0])
    sent = []
    while now[0] < 10.0:  # a sender trying as fast as it can for 10 s
        if pacer.delay() == 0:
            pacer.record()
            sent.append(now[0])
        now[0] += 0.01
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 2.0) <= 5
    assert len(sent) >= 24


def test_websocket_url():
    assert websocket_url("https://shop.test/") == "wss://shop.test/websocket"
    assert websocket_url("http://127.0.0.1:8069") == "ws://127.0.0.1:8069/websocket"


class _Flaky(Reader):
    name = "flaky"

    def __init__(self):
        super().__init__(lambda read: None)
        self.starts = 0
        self.present = True

    def supported(self):
        return self.present

    def run(self, stop_event):
        self.starts += 1
        if self.starts < 3:
            raise OSError("device fell over")
        stop_event.wait()


def test_supervisor_restarts_a_failing_reader_and_survives():
    now = [0.0]
    reader = _Flaky()
    supervisor = Supervisor([reader], period=0.01, clock=lambda: now[0])
    for _ in range(3):
        supervisor.check()
        assert wait_for(lambda: not supervisor.slots[0].thread.is_alive() or reader.starts >= 3)
        now[0] += 60  # past any backoff
    assert reader.starts == 3
    assert supervisor.slots[0].thread.is_alive()
    reader.present = False  # unplugged: stopped
    supervisor.check()
    assert wait_for(lambda: not supervisor.slots[0].thread.is_alive())
    supervisor.stop_all()


def test_supervisor_waits_for_the_backoff():
    now = [0.0]
    reader = _Flaky()
    supervisor = Supervisor([reader], clock=lambda: now[0])
    supervisor.check()
    assert wait_for(lambda: not supervisor.slots[0].thread.is_alive())
    supervisor.check()  # still inside the 1 s backoff
    assert reader.starts == 1
    now[0] += 1.1
    supervisor.check()
    assert wait_for(lambda: reader.starts == 2)
    supervisor.stop_all()


def test_unknown_serial_protocol_is_a_clear_error(tmp_path):
    ini = tmp_path / "box.ini"
    ini.write_text("[serial]\nports = /dev/ttyUSB0:wiegand\n")
    with pytest.raises(ValueError, match="protocol among barcode, em4100, magstripe"):
        config.load(str(ini), environ={})


@pytest.mark.parametrize("name", ["iot-reader-box.service"])
def test_systemd_unit_is_shipped_hardened(name):
    from importlib.resources import files

    unit = files("iot_reader_box").joinpath("data", name).read_text()
    for line in (
        "User=iot-reader-box",
        "SupplementaryGroups=dialout",
        "After=network-online.target pcscd.socket",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
    ):
        assert line in unit


def test_no_thread_started_at_import():
    import importlib

    before = threading.active_count()
    for module in ("pcsc", "serial_frames", "odoo_link", "supervisor", "cli"):
        importlib.reload(importlib.import_module(f"iot_reader_box.{module}"))
    assert threading.active_count() == before


def test_pcsc_apdus_from_the_config(tmp_path):
    ini = tmp_path / "box.ini"
    ini.write_text("[pcsc]\napdus = 00A4040007F0535452454144, 00 B0 00 00 08\n")
    cfg = config.load(str(ini), environ={})
    assert [apdu.hex().upper() for apdu in cfg.pcsc_apdus] == [
        "00A4040007F0535452454144",
        "00B0000008",
    ]
    with pytest.raises(ValueError, match="not hexadecimal"):
        config.load(None, environ={"IOT_READER_BOX_PCSC_APDUS": "00A4ZZ"})


def test_event_message_carries_the_aliases_odoo_may_need():
    message = CardRead(uid="1A007B9C3D", reader="serial:/dev/ttyUSB0").as_message()
    assert message["code"] == "1A007B9C3D"
    assert "0008100925" in message["aliases"]
    assert "1A007B9C3D" not in message["aliases"]
