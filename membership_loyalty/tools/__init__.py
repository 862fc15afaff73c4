from . import campaign_stats
from . import input_checks
from . import member_file
