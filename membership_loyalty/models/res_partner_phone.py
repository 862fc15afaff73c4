from odoo import fields, models
from odoo.exceptions import UserError, ValidationError


class ResPartner(models.Model):
    """Member phone numbers, stored as E.164 so the till finds a member by the number typed
    at the counter."""

    _inherit = "res.partner"

    member_phone_invalid = fields.Boolean(
        string="Invalid Phone",
        copy=False,
        help="Set when an imported phone number could not be read as an international number.",
    )

    # The till finds a member by the phone typed at the counter (E.164, see the POS lookup).
    _member_phone_idx = models.Index("(phone_sanitized) WHERE is_member IS TRUE")

    def _membership_phone_country(self):
        """Country that reads a national phone number of the member, and where it comes
        from: the member's country, else the country of the shop that enrolled them, else
        the company's."""
        self.ensure_one()
        if self.country_id:
            return self.country_id, self.env._("the member's country")
        shop_country = self.member_enrol_config_id.company_id.country_id
        if shop_country:
            return shop_country, self.env._("the member has no country: the shop's country")
        company_country = (self.company_id or self.env.company).country_id
        return company_country, self.env._("the member has no country: the company's country")

    def _membership_normalise_phone(self):
        """Store member phones as E.164. A wrong number is refused at enrolment; during an
        import the row is kept and the number flagged, so no member is lost."""
        importing = self.env.context.get("import_file")
        for partner in self:
            if not partner.phone:
                if partner.member_phone_invalid:
                    partner.with_context(
                        membership_phone_normalised=True
                    ).member_phone_invalid = False
                continue
            country, origin = partner._membership_phone_country()
            try:
                formatted = partner._phone_format(
                    number=partner.phone, country=country, raise_exception=True
                )
            except UserError as error:
                if importing:
                    partner.with_context(
                        membership_phone_normalised=True
                    ).member_phone_invalid = True
                    continue
                raise ValidationError(
                    self.env._(
                        "Phone: %(number)s is not a valid phone number in %(country)s "
                        "(%(origin)s) for %(member)s. Set the member's Country, or type the "
                        "number with its international prefix: + and the country code, "
                        "e.g. +86 138 0013 8000 for China.",
                        number=partner.phone,
                        country=country.name or self.env._("no country"),
                        origin=origin,
                        member=partner.display_name,
                    )
                ) from error
            vals = {}
            if formatted != partner.phone:
                vals["phone"] = formatted
            if partner.member_phone_invalid:
                vals["member_phone_invalid"] = False
            if vals:
                partner.with_context(membership_phone_normalised=True).write(vals)
