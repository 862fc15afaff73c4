from . import membership_sms_campaign
