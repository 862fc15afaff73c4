from . import test_install
from . import test_pos_tour
from . import test_ledger
from . import test_wallet_concurrency
