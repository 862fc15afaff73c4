from . import campaign_stats
from . import input_checks
from . import replica_fallback
from . import member_file
from . import hot_members
