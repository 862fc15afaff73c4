from . import test_install
from . import test_pos_tour
from . import test_members
from . import test_cards
from . import test_tiers
from . import test_rpc_rights
