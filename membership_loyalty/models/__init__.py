from . import res_company
from . import res_config_settings
from . import membership_reader_device
from . import membership_reader_event
from . import ir_websocket
