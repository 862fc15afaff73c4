"""The member's card type becomes a stored column of res_partner. Created here, empty, so
the upgrade does not compute it through the ORM for every partner (a million at the
largest shops); the post script fills it in one statement."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE res_partner ADD COLUMN IF NOT EXISTS member_card_type_id int4")
