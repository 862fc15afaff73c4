"""The addon speaks Simplified Chinese and French: its template lists every string a user
sees, both translations cover the whole template with the same placeholders, and a cashier
set to Chinese reads the back office and the till in Chinese."""

import re
from datetime import timedelta

import polib

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import level_users
from .pos_common import MembershipTillSetup

MODULE = "membership_loyalty"
LANGUAGES = {"zh_CN": "zh_CN", "fr": "fr_FR"}  # .po file -> language code it serves
# What a translation must keep: %-placeholders, {member.x} fields of the SMS templates,
# HTML/QWeb tags, and the line breaks of multi-line view texts.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|%%|\{[a-z_.]+\}|</?[a-z][^>]*>")
FILL_COMMAND = ".venv/bin/python scripts/i18n_missing.py --merge"


def _entries(name):
    return polib.pofile(file_path(f"{MODULE}/i18n/{name}"))


def _activate(env, code):
    """Activate ``code`` and load this addon's terms for it (not every module's: fast)."""
    env["res.lang"]._activate_lang(code)
    env["ir.module.module"].search([("name", "=", MODULE)])._update_translations([code])


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    def test_every_user_visible_string_is_in_the_template(self):
        """Odoo's own exporter (what `--i18n-export` writes) finds no string of the addon
        that the committed template lacks: a new label, message or till text without a
        template entry would stay English in every language."""
        exported = {
            source
            for module, _type, _name, _res_id, source, _value, _comments in (
                TranslationModuleReader(self.env.cr, modules=[MODULE])
            )
            if module == MODULE
        }
        template = {entry.msgid for entry in _entries(f"{MODULE}.pot")}
        missing = sorted(exported - template)
        self.assertFalse(
            missing,
            f"{len(missing)} string(s) of the addon are missing from i18n/{MODULE}.pot; "
            "regenerate it (scripts/odoo-bin i18n export -d DB membership_loyalty), "
            f"then run {FILL_COMMAND}:\n" + "\n".join(missing),
        )

    def test_both_translations_cover_the_template(self):
        """Every template entry has a translation in zh_CN.po and fr.po, keeping the
        placeholders, tags and line breaks its text is formatted or rendered with."""
        template = [entry.msgid for entry in _entries(f"{MODULE}.pot")]
        for name in LANGUAGES:
            with self.subTest(language=name):
                translated = {e.msgid: e.msgstr for e in _entries(f"{name}.po") if not e.obsolete}
                untranslated = [
                    msgid for msgid in template if not translated.get(msgid, "").strip()
                ]
                self.assertFalse(
                    untranslated,
                    f"{len(untranslated)} entries untranslated in {name}.po "
                    f"(list them: {FILL_COMMAND.replace(' --merge', '')}):\n"
                    + "\n".join(untranslated),
                )
                broken = [
                    msgid
                    for msgid in template
                    if sorted(PLACEHOLDER.findall(msgid))
                    != sorted(PLACEHOLDER.findall(translated[msgid]))
                    or msgid.count("\n") != translated[msgid].count("\n")
                ]
                self.assertFalse(
                    broken, f"placeholders changed in {name}.po:\n" + "\n".join(broken)
                )

    def test_chinese_text_is_not_left_in_english(self):
        """A zh_CN entry equal to its English source is only a code, a number or a URL."""
        left = [
            entry.msgid
            for entry in _entries("zh_CN.po")
            if entry.msgstr == entry.msgid
            and re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", entry.msgid))
            and not re.match(r"^(https?://|credit=|(GET|POST|JSON|URL|RFM)$)", entry.msgid)
        ]
        self.assertFalse(left, "zh_CN.po entries still in English:\n" + "\n".join(left))

    def test_the_server_answers_in_the_member_language(self):
        """With the languages loaded, views, fields, selections and the server's own error
        messages come out translated."""
        for code in LANGUAGES.values():
            _activate(self.env, code)
        action = self.env.ref(f"{MODULE}.membership_member_action")
        self.assertEqual(action.with_context(lang="zh_CN").name, "会员")
        self.assertEqual(action.with_context(lang="fr_FR").name, "Membres")
        Card = self.env["membership.card"]
        self.assertEqual(
            Card.with_context(lang="zh_CN").fields_get(["state"])["state"]["string"], "状态"
        )
        states = dict(Card.with_context(lang="fr_FR").fields_get(["state"])["state"]["selection"])
        self.assertEqual(states["lost"], "Perdue")
        future = fields.Date.context_today(Card) + timedelta(days=3)
        with self.assertRaisesRegex(ValidationError, "的出生日期不能在未来"):
            self.env["res.partner"].with_context(lang="zh_CN").create(
                {"name": "Lin Future", "is_member": True, "member_birthdate": future}
            )


@tagged("post_install", "-at_install")
class TestChineseBackOffice(HttpCase):
    def test_cashier_reads_the_member_form_in_chinese_and_switches_in_one_click(self):
        """A cashier whose language is Chinese sees the member form in Chinese; the
        systray's language buttons bring the page back in English with one click."""
        for code in LANGUAGES.values():
            _activate(self.env, code)
        cashier = level_users(self.env, "ml_i18n", ("cashier",))["cashier"]
        cashier.lang = "zh_CN"
        member = self.env["res.partner"].create({"name": "Lin Mei", "is_member": True})
        self.start_tour(
            f"/odoo/action-{MODULE}.membership_member_action/{member.id}",
            "membership_loyalty_i18n_backend_zh",
            login=cashier.login,
        )
        self.assertEqual(cashier.lang, "en_US")


@tagged("post_install", "-at_install")
class TestChineseTill(MembershipTillSetup, TestPointOfSaleHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(su=True)  # fixtures: the admin of the POS tests is no Membership manager
        _activate(env, "zh_CN")
        cls.pos_user.write(
            {
                "group_ids": [(4, env.ref(f"{MODULE}.membership_loyalty_group_cashier").id)],
                "lang": "zh_CN",
            }
        )
        company = cls.main_pos_config.company_id
        member = env["res.partner"].create(
            {"name": "Wang Fang", "is_member": True, "company_id": company.id}
        )
        cls._membership_active_card(member, "900000000027", company)  # Luhn-valid

    def test_cashier_reads_the_till_in_chinese(self):
        """The till's own texts (member search, enrol button, member panel) come from the
        addon's zh_CN translations, proving they reach the JavaScript."""
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("membership_loyalty_i18n_till_zh")
