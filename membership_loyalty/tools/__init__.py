from . import campaign_stats
from . import input_checks
