from . import membership_report_member
from . import membership_report_churn
from . import membership_report_sale
from . import membership_report_product
from . import membership_dashboard
from . import membership_management_summary
from . import membership_report_coupon
from . import membership_report_ledger
