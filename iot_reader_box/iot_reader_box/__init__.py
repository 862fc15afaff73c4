"""iot_reader_box: relay membership card reads from shop readers to an Odoo POS."""

__version__ = "0.1.0"
