"""Create many records of one model with one INSERT per batch, the ORM finishing the rest.

``Model.create`` does per-record work that dominates a load of 100,000 members: defaults,
precomputations, related values and company checks record by record, each value put in
the cache. For records whose given values are already checked and column-ready (an
import's dry run has validated every row), ``bulk_create`` inserts the rows in one
statement (``unnest`` of one array per column, defaults and audit columns as constants),
then lets the ORM do what ``Model._create`` does after its INSERT, in batch: every stored
computed field of the new records (and of records depending on them) is marked to be
recomputed at the next flush, the given values protected from it, and the Python
constraints of the given fields are checked.

What it does not do: call ``create`` overrides (mail logging and followers, welcome
messages...), which is the point, so the caller decides what of them its records need.
"""

from odoo.tools import SQL

AUDIT = ("create_uid", "create_date", "write_uid", "write_date")


def _constants(Model, given):
    """{column: (column value, cache value)} of the defaults of the stored columns not
    given, the same for every row (``default_get`` once instead of once per record). As in
    ``create``, a computed field that has a default (a contact's language) takes it."""
    wanted = [
        name
        for name, field in Model._fields.items()
        if field.store
        and field.column_type
        and not field.company_dependent
        and field.type != "properties"
        and name not in given
        and name not in AUDIT
        and name != "id"
    ]
    defaults = Model.default_get(wanted)
    return {
        name: (
            Model._fields[name].convert_to_column_insert(defaults[name], Model, defaults),
            Model._fields[name].convert_to_cache(defaults[name], Model),
        )
        for name in wanted
        if name in defaults
    }


def bulk_create(Model, columns, rows):
    """Insert ``rows`` (tuples of column-ready values, in the order of ``columns``) as new
    records of ``Model``; return them, in the order of ``rows``.

    Values are plain Python (str, int, float, bool, date, datetime, None) as the column
    takes them: many2one as ids, selections as keys, no translated (jsonb) field.
    """
    if not rows:
        return Model.browse()
    env = Model.env
    fields_ = [Model._fields[name] for name in columns]
    constants = _constants(Model, set(columns))
    env.flush_all()
    names = [*columns, *constants, *AUDIT]
    values = [
        *(SQL("v.%s", SQL.identifier(f"c{index}")) for index in range(len(columns))),
        *(
            SQL("%s::%s", value, SQL(Model._fields[name].column_type[1]))
            for name, (value, _cached) in constants.items()
        ),
        SQL("%s", env.uid),
        SQL("now() AT TIME ZONE 'UTC'"),
        SQL("%s", env.uid),
        SQL("now() AT TIME ZONE 'UTC'"),
    ]
    arrays = SQL(", ").join(
        SQL("%s::%s[]", [row[index] for row in rows], SQL(field.column_type[1]))
        for index, field in enumerate(fields_)
    )
    aliases = SQL(", ").join(SQL.identifier(f"c{index}") for index in range(len(columns)))
    # Rows are inserted, and their ids returned, in the SELECT's order (what Odoo's own
    # INSERT ... VALUES ... RETURNING relies on as well); a test checks it.
    ids = [
        row[0]
        for row in env.execute_query(
            SQL(
                """INSERT INTO %s (%s)
                   SELECT %s FROM unnest(%s) WITH ORDINALITY AS v(%s, ord)
                    ORDER BY v.ord
                RETURNING id""",
                SQL.identifier(Model._table),
                SQL(", ").join(SQL.identifier(name) for name in names),
                SQL(", ").join(values),
                arrays,
                aliases,
            )
        )
    ]
    records = Model.browse(ids)
    _fill_cache(records, columns, rows, constants)
    given = [Model._fields[name] for name in names if name in Model._fields]
    given += _empty_related(Model, set(names))
    # New records have no history to track (mail.thread's create tracks no initial value).
    records = records.with_context(tracking_disable=True)
    with env.protecting(given, records):
        # What Model._create does after its INSERT: whatever depends on the new records
        # (their own stored computed fields, totals of other models) is marked to be
        # recomputed; the records' own fields are computed now.
        records.modified(list(Model._fields), create=True)
    records._recompute_recordset()
    records._validate_fields([*columns, *constants])
    return records.with_env(env)


def _empty_related(Model, names):
    """The stored related fields that are empty on the new records because the field they
    follow first is neither given nor computed (a contact's resized images when no image
    is given): left empty instead of computed record by record."""
    empty = []
    for field in Model._fields.values():
        if not (field.store and field.related) or field.name in names:
            continue
        source = Model._fields[field.related.split(".")[0]]
        if source.store and not source.compute and source.name not in names:
            empty.append(field)
    return empty


def _fill_cache(records, columns, rows, constants):
    """Put the inserted values in the cache, as ``Model._create`` does: the given ones,
    the defaults, and None (nothing) for every other stored field, so that computing a
    field does not read each record back, and a computed value equal to nothing (an
    empty image) writes nothing. Caches of the other side of the given many2one fields
    (a partner's cards) are dropped."""
    Model = records.browse()
    for index, name in enumerate(columns):
        field = Model._fields[name]
        field._insert_cache(records, [field.convert_to_cache(row[index], Model) for row in rows])
        for inverse in Model.pool.field_inverses[field]:
            Model.env[inverse.model_name].invalidate_model([inverse.name])
    for name, (_value, cached) in constants.items():
        Model._fields[name]._update_cache(records, cached)
    for field in Model._fields.values():
        if (
            not field.store
            or field.company_dependent  # read through the company's fallback, not None
            or field.name in columns
            or field.name in constants
        ):
            continue
        if field.type in ("one2many", "many2many"):
            field._update_cache(records, ())
        elif field.name not in AUDIT and field.name != "id":
            field._update_cache(records, None)
