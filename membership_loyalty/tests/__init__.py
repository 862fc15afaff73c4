from . import test_install
from . import test_pos_tour
from . import test_sms_gateway
from . import test_sms_notify
from . import test_sms_birthday
from . import test_sms_campaign
