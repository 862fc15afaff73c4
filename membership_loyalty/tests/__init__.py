from . import test_install
from . import test_pos_tour
from . import test_ledger
from . import test_wallet_concurrency
from . import test_points_earn
from . import test_points_expiry
from . import test_pos_order_ledger
