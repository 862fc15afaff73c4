from . import campaign_stats
