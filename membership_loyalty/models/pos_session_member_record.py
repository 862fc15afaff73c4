import copy

from odoo import api, models, tools
from odoo.tools import SQL

# Where Odoo decides a partner's automatic fiscal position. While these are the stock
# methods (no installed module changes the rules), the till's member lookup applies the
# same rules in its own query instead of searching and reading the fiscal positions.
STOCK_FISCAL_RULES = {
    "account.fiscal.position": (
        ("_get_fiscal_position", "odoo.addons.account.models.partner"),
        ("_get_first_matching_fpos", "odoo.addons.account.models.partner"),
        ("_get_fpos_validation_functions", "odoo.addons.account.models.partner"),
    ),
    "res.partner": (
        ("_compute_fiscal_position_id", "odoo.addons.point_of_sale.models.res_partner"),
    ),
}
# The same for the partner's pricelist (its country's, else the shop's fallback).
STOCK_PRICELIST_RULES = {
    "product.pricelist": tuple(
        (name, "odoo.addons.product.models.product_pricelist")
        for name in (
            "_get_partner_pricelist_multi",
            "_get_country_pricelist_multi",
            "_get_partner_pricelist_multi_search_domain_hook",
            "_get_partner_pricelist_multi_filter_hook",
        )
    ),
    "res.partner": (("_compute_product_pricelist", "odoo.addons.product.models.res_partner"),),
}


# What the member's address on the till's record reads besides the partner: its country
# and state, selected by the lookup's own query (aliases in it: the column prefix).
ADDRESS_MODELS = (
    ("res.country", "pcountry", "country_id"),
    ("res.country.state", "pstate", "state_id"),
)


class PosSession(models.Model):
    """What the till's record of a member needs besides the partner's own columns, in
    the lookup's own query: the fiscal position the member gets (and that position as the
    till loads it, read once per change) and the country and state of their address."""

    _inherit = "pos.session"

    @api.private
    def _membership_pos_record_sql(self):
        """(columns, joins) ``_membership_pos_member_row`` adds for the member's record at
        the till: fiscal position, pricelist and address (see the methods below). Built
        once per language and pricelist setting: the same for every lookup."""
        pricelists = self.env["res.groups"]._is_feature_enabled("product.group_product_pricelist")
        if self.env.context.get("country_code"):
            pricelists = None  # the ORM decides (see _membership_pos_pricelist_sql)
        return self._membership_pos_record_sql_cached(self.env.lang, pricelists)

    @api.model
    @api.private
    @tools.ormcache("lang", "pricelists")
    def _membership_pos_record_sql_cached(self, lang, pricelists):
        """Body of ``_membership_pos_record_sql`` (``self.env.lang`` is ``lang``)."""
        parts = [
            self._membership_pos_fiscal_sql(),
            self._membership_pos_pricelist_sql(pricelists),
            self._membership_pos_address_sql(),
        ]
        return (
            SQL(", ").join(columns for columns, _joins in parts),
            SQL(" ").join(joins for _columns, joins in parts),
        )

    @api.private
    def _membership_pos_cache_record(self, partner, found):
        """Cache what the member's row says of the partner's record at the till (never
        over a value in cache): their address's country and state and their pricelist."""
        self._membership_pos_cache_address(partner, found)
        self._membership_pos_cache_pricelist(partner, found)

    @api.model
    @api.private
    def _membership_pos_rules_are_stock(self, rules):
        """Whether each method of ``rules`` ({model: ((method, module), ...)}) is the one
        of the module named: no installed module changes what they decide."""
        for model, methods in rules.items():
            model_class = type(self.env[model])
            for name, module in methods:
                owner = next(cls for cls in model_class.mro() if name in vars(cls))
                if owner.__module__ != module:
                    return False
        return True

    @api.private
    def _membership_pos_pricelist_sql(self, pricelists):
        """(columns, joins) of ``_membership_pos_member_row`` for the member's pricelist
        when the partner has none of their own, as ``product.pricelist`` finds it: the
        first pricelist of the till's company for the member's country
        (``country_pricelist_id``), else the first one without countries
        (``fallback_pricelist_id``), else the first one (``first_pricelist_id``);
        ``pricelist_mode`` says how to read them: 'sql', 'off' (``pricelists`` is False:
        no pricelist) or NULL when a module changes these rules or ``pricelists`` is None
        (the context names a country): the ORM decides then. Needs the aliases ``p`` and
        ``till``."""
        stock = self._membership_pos_rules_are_stock(STOCK_PRICELIST_RULES)
        if pricelists is None or not stock or not pricelists:
            # Pricelists off: the partner has none (as the ORM says, without a query).
            mode = "'off'" if stock and pricelists is False else "NULL"
            return (
                SQL(
                    "NULL::int AS country_pricelist_id, NULL::int AS fallback_pricelist_id, "
                    "NULL::int AS first_pricelist_id, %s::varchar AS pricelist_mode",
                    SQL(mode),
                ),
                SQL(),
            )
        groups = self.env["product.pricelist"]._fields["country_group_ids"]
        countries = self.env["res.country.group"]._fields["country_ids"]
        pricelists = SQL(
            """SELECT pl.id FROM product_pricelist pl
                WHERE pl.active AND (pl.company_id IS NULL OR pl.company_id = till.company_id)"""
        )
        order = SQL("ORDER BY pl.sequence, pl.id LIMIT 1")
        joins = SQL(
            """LEFT JOIN LATERAL (
                   %(pricelists)s AND EXISTS (
                       SELECT 1 FROM %(groups)s r JOIN %(countries)s g
                                  ON g.%(countries_group)s = r.%(groups_group)s
                        WHERE r.%(groups_pricelist)s = pl.id
                          AND g.%(countries_country)s = p.country_id)
                   %(order)s
               ) country_pl ON p.country_id IS NOT NULL
               LEFT JOIN LATERAL (
                   %(pricelists)s AND NOT EXISTS (
                       SELECT 1 FROM %(groups)s r WHERE r.%(groups_pricelist)s = pl.id)
                   %(order)s
               ) fallback_pl ON p.id IS NOT NULL
               LEFT JOIN LATERAL (%(pricelists)s %(order)s) first_pl ON p.id IS NOT NULL""",
            pricelists=pricelists,
            order=order,
            groups=SQL.identifier(groups.relation),
            groups_pricelist=SQL.identifier(groups.column1),
            groups_group=SQL.identifier(groups.column2),
            countries=SQL.identifier(countries.relation),
            countries_group=SQL.identifier(countries.column1),
            countries_country=SQL.identifier(countries.column2),
        )
        columns = SQL(
            """country_pl.id AS country_pricelist_id, fallback_pl.id AS fallback_pricelist_id,
               first_pl.id AS first_pricelist_id, 'sql'::varchar AS pricelist_mode"""
        )
        return columns, joins

    @api.private
    def _membership_pos_cache_pricelist(self, partner, found):
        """The partner's computed pricelist from the member's row (see
        ``_membership_pos_pricelist_sql``) when the row has it: the partner's own pricelist
        wins, as in ``product.pricelist._get_partner_pricelist_multi``."""
        mode = found.get("pricelist_mode")
        if not mode:
            return
        field = partner._fields["property_product_pricelist"]
        if mode == "off":
            field._insert_cache(partner, [None])
            return
        Pricelist = partner.env["product.pricelist"]
        pricelist = (
            partner.specific_property_product_pricelist._get_partner_pricelist_multi_filter_hook()
        )
        if not pricelist:
            config = Pricelist.env["ir.config_parameter"].sudo()
            fallback = Pricelist.browse(found["fallback_pricelist_id"] or ())
            for key in (
                f"res.partner.property_product_pricelist_{partner.env.company.id}",
                "res.partner.property_product_pricelist",
            ):
                if not fallback:
                    value = config.get_param(key, False)
                    fallback = Pricelist.browse(int(value) if str(value).isdigit() else ())
            fallback = fallback or Pricelist.browse(found["first_pricelist_id"] or ())
            country = Pricelist.browse(found["country_pricelist_id"] or ())
            pricelist = (country if partner.country_id else Pricelist) or fallback
        field._insert_cache(partner, [pricelist.id or None])

    @api.private
    def _membership_pos_address_sql(self):
        """(columns, joins) of ``_membership_pos_member_row`` for the member's country and
        state: the columns a fetch of each reads, named ``<alias>__<field>``. Needs the
        alias ``p`` (the partner)."""
        columns, joins = [], []
        for model_name, alias, fname in ADDRESS_MODELS:
            model = self.env[model_name].sudo()
            columns.append(
                SQL("%s AS %s", SQL.identifier(alias, "id"), SQL.identifier(f"{alias}__id"))
            )
            for field in self._membership_pos_fetched_fields(model):
                columns.append(
                    SQL(
                        "%s AS %s",
                        model._field_to_sql(alias, field.name),
                        SQL.identifier(f"{alias}__{field.name}"),
                    )
                )
            joins.append(
                SQL(
                    "LEFT JOIN %s %s ON %s = p.%s",
                    SQL.identifier(model._table),
                    SQL.identifier(alias),
                    SQL.identifier(alias, "id"),
                    SQL.identifier(fname),
                )
            )
        return SQL(", ").join(columns), SQL(" ").join(joins)

    @api.model
    @api.private
    def _membership_pos_fetched_fields(self, model):
        """The fields a fetch of ``model`` reads (its prefetched columns)."""
        return [
            field
            for field in model._fields.values()
            if field.store and field.column_type and field.prefetch is True and field.name != "id"
        ]

    @api.private
    def _membership_pos_cache_address(self, partner, found):
        """Cache the member's country and state from their row, as a fetch would (never
        over a value in cache): the address on the till's record reads them."""
        for model_name, alias, _fname in ADDRESS_MODELS:
            record_id = found[f"{alias}__id"]
            if not record_id:
                continue
            record = partner.env[model_name].browse(record_id)
            for field in self._membership_pos_fetched_fields(record):
                field._insert_cache(record, [found[f"{alias}__{field.name}"]])

    @api.private
    def _membership_pos_fiscal_sql(self):
        """The columns and joins ``_membership_pos_member_row`` adds: the fiscal position
        the member gets in the till's company (``fiscal_position_id``; the manual one of
        the partner in that company, else the first automatic one whose rules match, as
        ``account.fiscal.position._get_fiscal_position`` orders and checks them) and
        ``fiscal_position_stamp``, which changes whenever the fiscal position as the till
        loads it changes (its name, its taxes and what they replace). Partners with a
        VAT number (the VAT rule may call VIES) and databases whose modules change the
        rules get NULL: the ORM decides for them.

        Needs the aliases ``p`` (the partner) and ``till`` (the session's row)."""
        if not self._membership_pos_rules_are_stock(STOCK_FISCAL_RULES):
            return SQL("NULL::int AS fiscal_position_id, NULL AS fiscal_position_stamp"), SQL()
        Fpos = self.env["account.fiscal.position"]
        states = Fpos._fields["state_ids"]
        taxes = Fpos._fields["tax_ids"]
        replaced = self.env["account.tax"]._fields["original_tax_ids"]
        group = self.env["res.country.group"]
        countries, excluded = group._fields["country_ids"], group._fields["exclude_state_ids"]
        joins = SQL(
            """LEFT JOIN LATERAL (
                   SELECT f.id
                     FROM account_fiscal_position f
                LEFT JOIN res_company fc ON fc.id = f.company_id
                    WHERE f.active AND f.auto_apply AND p.country_id IS NOT NULL
                      AND (f.company_id IS NULL OR f.company_id = ANY(
                              string_to_array(rtrim(till.parent_path, '/'), '/')::int[]))
                      AND f.vat_required IS NOT TRUE
                      AND (COALESCE(f.zip_from, '') = '' OR COALESCE(f.zip_to, '') = ''
                           OR (COALESCE(p.zip, '') != ''
                               AND f.zip_from COLLATE "C" <= p.zip COLLATE "C"
                               AND p.zip COLLATE "C" <= f.zip_to COLLATE "C"))
                      AND (NOT EXISTS (SELECT 1 FROM %(states)s s WHERE s.%(states_fpos)s = f.id)
                           OR EXISTS (SELECT 1 FROM %(states)s s WHERE s.%(states_fpos)s = f.id
                                         AND s.%(states_state)s = p.state_id))
                      AND (f.country_id IS NULL OR f.country_id = p.country_id)
                      AND (f.country_group_id IS NULL OR (
                           EXISTS (SELECT 1 FROM %(countries)s g
                                    WHERE g.%(countries_group)s = f.country_group_id
                                      AND g.%(countries_country)s = p.country_id)
                           AND (p.state_id IS NULL OR NOT EXISTS (
                                SELECT 1 FROM %(excluded)s x
                                 WHERE x.%(excluded_group)s = f.country_group_id
                                   AND x.%(excluded_state)s = p.state_id))))
                 -- the fiscal positions of the company itself first, then its parents'
                 ORDER BY length(fc.parent_path) DESC NULLS LAST, f.sequence, f.id
                    LIMIT 1
               ) auto_fpos ON COALESCE(p.vat, '') = ''
               LEFT JOIN LATERAL (
                   SELECT f.id, ARRAY[
                              f.write_date::text,
                              f.name::text,
                              -- the taxes and their mapping (tax_map), archived ones marked
                              (SELECT string_agg(
                                          t.id::text || CASE WHEN t.active THEN '' ELSE '-' END
                                          || ':' || COALESCE((
                                              SELECT string_agg(
                                                         s.id::text
                                                         || CASE WHEN s.active THEN '' ELSE '-' END,
                                                         ',' ORDER BY s.id)
                                                FROM %(alternatives)s a
                                                JOIN account_tax s ON s.id = a.%(alternatives_src)s
                                               WHERE a.%(alternatives_dest)s = t.id), ''),
                                          ';' ORDER BY t.id)
                                 FROM %(taxes)s ft JOIN account_tax t ON t.id = ft.%(taxes_tax)s
                                WHERE ft.%(taxes_fpos)s = f.id)
                          ] AS stamp
                     FROM account_fiscal_position f
                    WHERE f.id = COALESCE(
                              (p.property_account_position_id ->> till.company_id::text)::int,
                              auto_fpos.id)
               ) fpos ON p.id IS NOT NULL""",
            states=SQL.identifier(states.relation),
            states_fpos=SQL.identifier(states.column1),
            states_state=SQL.identifier(states.column2),
            countries=SQL.identifier(countries.relation),
            countries_group=SQL.identifier(countries.column1),
            countries_country=SQL.identifier(countries.column2),
            excluded=SQL.identifier(excluded.relation),
            excluded_group=SQL.identifier(excluded.column1),
            excluded_state=SQL.identifier(excluded.column2),
            taxes=SQL.identifier(taxes.relation),
            taxes_fpos=SQL.identifier(taxes.column1),
            taxes_tax=SQL.identifier(taxes.column2),
            alternatives=SQL.identifier(replaced.relation),
            alternatives_dest=SQL.identifier(replaced.column1),
            alternatives_src=SQL.identifier(replaced.column2),
        )
        columns = SQL(
            """CASE WHEN COALESCE(p.vat, '') = '' THEN COALESCE(fpos.id, 0) END
                   AS fiscal_position_id,
               fpos.stamp AS fiscal_position_stamp"""
        )
        return columns, joins

    @api.private
    def _membership_pos_fiscal_position(self, partner, found, config):
        """The fiscal position of ``partner`` (sudo, in the session's company) as the till
        loads it, from the member's row ``found``: the row's fiscal position when the row
        has one that agrees with the partner's manual one, else the ORM's. The partner's
        computed fiscal position gets the same value, so that its record carries it."""
        Fpos = partner.env["account.fiscal.position"]
        fpos_id = found.get("fiscal_position_id")
        manual = partner.property_account_position_id
        if fpos_id is None or (manual and manual.id != fpos_id):
            return Fpos._load_pos_data_read(partner.fiscal_position_id, config)
        partner._fields["fiscal_position_id"]._insert_cache(partner, [fpos_id or None])
        if not fpos_id:
            return []
        stamp = tuple(found["fiscal_position_stamp"] or ())
        records = self._membership_pos_fiscal_position_records(fpos_id, config.id, stamp)
        return copy.deepcopy(records)

    @api.model
    @api.private
    @tools.ormcache("fpos_id", "config_id", "stamp", "self.env.lang")
    def _membership_pos_fiscal_position_records(self, fpos_id, config_id, stamp):
        """The fiscal position as the till loads it (name, taxes and their mapping), read
        once per ``stamp`` (its last change and its taxes'): every member of a shop shares
        a few fiscal positions. The caller copies the cached list before handing it out.

        sudo: the till loads the fiscal positions of its customers whoever sells."""
        fpos = self.env["account.fiscal.position"].sudo().browse(fpos_id)
        config = self.env["pos.config"].sudo().browse(config_id)
        # Its tax mapping is computed without dependencies: not from this transaction's
        # cache, which may predate the change the stamp saw.
        fpos.invalidate_recordset()
        return fpos._load_pos_data_read(fpos, config)
