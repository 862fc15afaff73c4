def migrate(cr, version):
    """The addon's page of the partner form is named ``membership_loyalty`` now (OCA's
    ``membership`` adds a page named ``membership`` too). The update loads the partner form
    with the new name before the views that place themselves after that page, and Odoo then
    validates those children with their stored arch still looking for the old name, which
    fails the whole update. Renaming the page in the stored arches first keeps every view
    valid at each step; the files then overwrite them with their own arch."""
    cr.execute(
        r"""UPDATE ir_ui_view v
               SET arch_db = replace(
                       v.arch_db::text, 'name=\"membership\"', 'name=\"membership_loyalty\"'
                   )::jsonb
              FROM ir_model_data d
             WHERE d.model = 'ir.ui.view'
               AND d.res_id = v.id
               AND d.module = 'membership_loyalty'
               AND v.model = 'res.partner'
               AND v.arch_db::text LIKE '%name=\\"membership\\"%'"""
    )
