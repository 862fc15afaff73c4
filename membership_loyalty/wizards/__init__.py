from . import membership_wizard_journal_mixin  # the mixins first: the wizards below inherit them
from . import membership_wizard_blank_card_mixin
from . import membership_card_issue_wizard
from . import membership_card_replace_wizard
from . import membership_card_return_wizard
from . import membership_sms_campaign
from . import membership_summary_wizard
from . import membership_wallet_settle
from . import membership_wallet_pin
from . import membership_balance_wizard
from . import membership_tier_change_wizard
from . import membership_sms_compose
from . import membership_card_state_wizard
from . import membership_opening_wizard_mixin
from . import membership_import_issue
from . import membership_import_wizard
from . import membership_loyalty_migrate_line
from . import membership_loyalty_migrate
