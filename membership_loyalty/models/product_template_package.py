from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    membership_package_type_id = fields.Many2one(
        "membership.package.type",
        string="Prepaid Package",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Selling this product at the till sells this package to the member.",
    )

    @api.model
    def _load_pos_data_fields(self, config):
        fields_list = super()._load_pos_data_fields(config)
        return [*fields_list, "membership_package_type_id"] if fields_list else fields_list
