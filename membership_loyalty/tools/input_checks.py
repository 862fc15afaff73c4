"""Checks of values that come from outside: the arguments of the till's RPC calls and the
configuration forms. Each check answers a UserError (or ValidationError) naming the value,
never a TypeError, OverflowError or KeyError from deeper down."""

import math

from odoo.exceptions import UserError, ValidationError

# No amount the addon handles comes near this (currency units, points or quantities).
MAX_AMOUNT = 1_000_000_000
# Ids are PostgreSQL integers.
MAX_ID = 2**31 - 1


def check_id(env, value, label, required=True):
    """A record id (an int > 0), or 0 when ``value`` is empty and not ``required``."""
    if not required and value in (None, False, 0):
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise UserError(env._("%s is not a valid record id.", label))
    return value


def check_int(env, value, label, minimum, maximum):
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise UserError(
            env._(
                "%(label)s must be a whole number from %(min)s to %(max)s.",
                label=label,
                min=minimum,
                max=maximum,
            )
        )
    return value


def check_number(env, value, label, minimum, maximum, above_minimum=False):
    """An int or float in [minimum, maximum] (]minimum, maximum] with ``above_minimum``)."""
    valid = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and (value > minimum if above_minimum else value >= minimum)
        and value <= maximum
    )
    if not valid:
        raise UserError(
            env._(
                "%(label)s must be a number %(above)s%(min)s and at most %(max)s.",
                label=label,
                above=env._("above ") if above_minimum else env._("from "),
                min=minimum,
                max=maximum,
            )
        )
    return float(value)


def check_text(env, value, label, max_length, required=False):
    """A string of at most ``max_length`` characters ("" for an empty optional value)."""
    if not required and value in (None, False):
        return ""
    if not isinstance(value, str) or len(value) > max_length or (required and not value):
        raise UserError(
            env._(
                "%(label)s must be a text of at most %(max)s characters.",
                label=label,
                max=max_length,
            )
        )
    return value


def check_bounds(records, bounds):
    """Raise a ValidationError when a field of ``records`` lies outside its bounds.

    ``bounds``: {field name: (minimum, maximum)}; the field's label names it."""
    for record in records:
        for name, (minimum, maximum) in bounds.items():
            value = record[name]
            if value is not False and not minimum <= value <= maximum:
                label = record._fields[name]._description_string(record.env)
                raise ValidationError(
                    record.env._(
                        "%(field)s must lie between %(min)s and %(max)s (not %(value)s).",
                        field=label,
                        min=minimum,
                        max=maximum,
                        value=value,
                    )
                )
