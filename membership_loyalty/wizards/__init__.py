from . import membership_card_issue_wizard
from . import membership_card_lost_wizard
from . import membership_card_replace_wizard
from . import membership_card_return_wizard
from . import membership_card_reactivate_wizard
from . import membership_sms_campaign
from . import membership_summary_wizard
