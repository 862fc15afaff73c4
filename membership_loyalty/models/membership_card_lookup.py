from odoo import api, models
from odoo.tools import SQL

from ..tools import card_codes
from .membership_card import LIVE_STATES, normalise_uid


class MembershipCard(models.Model):
    """Finding the card a reader read: number, chip UID in its printed forms, the UID
    ending a wedge reader types, magnetic-stripe swipes read with each card type's layout,
    and what to tell the cashier when a swipe names no card."""

    _inherit = "membership.card"

    @api.model
    def _find_by_code(self, code, typed=True):
        """Card matching what a reader read: its number (printed, barcode, QR or a
        magnetic-stripe swipe, read with the stripe layout of its card type) or its chip
        UID in any printed form (hex, reversed bytes, 10 decimal digits, Wiegand-26). A
        swipe that carries no number where a card type keeps it finds nothing
        (``_membership_swipe_refusal`` says why).

        ``typed``: the code may be a tag number typed by a wedge reader, which holds only
        the UID's last bytes. A reader box knows the whole UID: its reads pass False, so a
        stranger's chip that merely ends like a member's finds no one."""
        code = (code or "").strip()
        if not card_codes.is_swipe(code):
            return self._find_by_read(code, typed) if code else self.browse()
        # Each layout's number names only cards of the types read that way; when two card
        # types read two numbers that both name a card, the type higher in the list wins.
        for number, card_types in self._membership_read_swipe(code)[0]:
            card = self._find_by_read(number, typed, card_types)
            if card:
                return card
        return self.browse()

    @api.model
    def _find_by_read(self, code, typed, card_types=None):
        """The card of a number or chip UID (see ``_find_by_code``), among the cards of
        ``card_types`` when given."""
        domain = [
            *self._membership_code_domain(code, typed, card_types),
            ("company_id", "in", self.env.companies.ids),
        ]
        # One query: the state (to prefer a live card) and what a caller reads next.
        cards = self.search_fetch(domain, ["state", "partner_id", "number", "company_id"])
        # Prefer a live card when an old, returned card carried the same code.
        live = cards.filtered(lambda c: c.state in LIVE_STATES)
        if cards or not typed:
            return (live or cards)[:1]
        return self._find_by_uid_ending(card_codes.uid_endings(code), card_types)

    @api.model
    def _membership_code_domain(self, code, typed, card_types=None):
        """Domain of the cards whose number or chip UID is ``code`` (any company): see
        ``_find_by_code`` for ``typed``."""
        # A box sends the printed forms of its UID itself; a typed code gets them here.
        uids = {normalise_uid(code), *(card_codes.aliases(code) if typed else ())} - {False}
        domain = ["|", ("number", "=", code), ("chip_uid", "in", list(uids))]
        if card_types is not None:
            domain.append(("card_type_id", "in", card_types.ids))
        return domain

    @api.model
    def _find_by_uid_ending(self, endings, card_types=None):
        """The one live card whose chip UID ends with one of ``endings`` (a tag typed as
        decimal or Wiegand-26 holds only the UID's last bytes); none when several do."""
        if not endings:
            return self.browse()
        self.flush_model(["chip_uid"])
        # Served by the index on reverse(chip_uid): the ending becomes a prefix.
        matches = SQL(" OR ").join(
            SQL("reverse(chip_uid) LIKE %s", ending[::-1] + "%") for ending in endings
        )
        rows = self.env.execute_query(
            SQL("SELECT id FROM membership_card WHERE chip_uid IS NOT NULL AND (%s)", matches)
        )
        # The search applies the access rules and the companies the raw query did not.
        domain = [
            ("id", "in", [row[0] for row in rows]),
            ("company_id", "in", self.env.companies.ids),
        ]
        if card_types is not None:
            domain.append(("card_type_id", "in", card_types.ids))
        live = self.search(domain).filtered(lambda c: c.state in LIVE_STATES)
        return live if len(live) == 1 else self.browse()

    @api.model
    def _membership_stripe_layouts(self):
        """[(stripe layout, card types read with it)] of the companies in use, in the
        order of the card types. Archived types count: their cards are still in wallets."""
        card_types = (
            self.env["membership.card.type"]
            .with_context(active_test=False)
            .search([("company_id", "in", [False, *self.env.companies.ids])])
        )
        layouts = {}
        for card_type in card_types:
            layout = card_type._membership_stripe_layout()
            layouts[layout] = layouts.get(layout, card_type.browse()) | card_type
        return list(layouts.items()) or [(card_codes.DEFAULT_LAYOUT, card_types)]

    @api.model
    def _membership_read_swipe(self, swipe):
        """What the card types make of a swipe: ([(number, card types)], [CardCodeError])
        - the number each stripe layout in use reads, and why the others read none."""
        numbers, errors = [], []
        for layout, card_types in self._membership_stripe_layouts():
            try:
                numbers.append((card_codes.swipe_number(swipe, layout), card_types))
            except card_codes.CardCodeError as error:
                errors.append(error)
        return numbers, errors

    @api.model
    def _membership_code_label(self, code):
        """How to name a code to the cashier: a swipe by the number read from it."""
        if not card_codes.is_swipe(code):
            return (code or "").strip()
        numbers = self._membership_read_swipe(code.strip())[0]
        return numbers[0][0] if numbers else ""

    @api.model
    def _membership_swipe_refusal(self, code):
        """Why a magnetic-stripe swipe identifies no card, for the cashier; False when it
        is no swipe or a card type reads a number from it."""
        if not card_codes.is_swipe(code):
            return False
        numbers, errors = self._membership_read_swipe(code.strip())
        if numbers:
            return False
        reasons = {(error.reason, error.track) for error in errors}
        if any(reason == "unreadable" for reason, _track in reasons):
            return self.env._("The card's stripe could not be read: swipe it again.")
        if len(reasons) > 1:
            return self.env._(
                "This card's stripe carries no card number where its card type keeps it."
            )
        reason, track = reasons.pop()
        if reason == "disagree":
            return self.env._(
                "The tracks of this card carry different numbers: it was badly encoded."
            )
        if reason == "no_track":
            return self.env._(
                "This card's stripe has no track %s, where its card type keeps the number.",
                track,
            )
        return self.env._("This card's stripe carries no card number.")
