"""Small pure functions behind campaign results (no Odoo imports, tested on known numbers)."""

import math
import random

# Two-sided 95 % normal quantile.
Z_95 = 1.959963984540054


def split_control(member_ids, control_percent, seed):
    """Hold out ``control_percent`` % of ``member_ids`` at random, reproducibly.

    The same ids, percentage and seed always give the same split, whatever the order of
    ``member_ids``. Returns ``(target_ids, control_ids)``, both sorted.
    """
    if not 0 <= control_percent < 100:
        raise ValueError("control_percent must be in [0, 100)")
    ids = sorted(set(member_ids))
    random.Random(seed).shuffle(ids)
    size = math.floor(len(ids) * control_percent / 100 + 0.5)
    return sorted(ids[size:]), sorted(ids[:size])


def mean_variance(values):
    """Mean and sample variance (n - 1); variance is None below two values."""
    n = len(values)
    if not n:
        return 0.0, None
    mean = sum(values) / n
    if n < 2:
        return mean, None
    return mean, sum((v - mean) ** 2 for v in values) / (n - 1)


def uplift(target, control, z=Z_95):
    """Difference of means per member (target - control) with a Welch confidence interval.

    Returns a dict: ``difference``, ``std_error``, ``low``, ``high``; the last three are
    None when either group has fewer than two members.
    """
    mean_t, var_t = mean_variance(target)
    mean_c, var_c = mean_variance(control)
    difference = mean_t - mean_c
    if var_t is None or var_c is None:
        return {"difference": difference, "std_error": None, "low": None, "high": None}
    std_error = math.sqrt(var_t / len(target) + var_c / len(control))
    return {
        "difference": difference,
        "std_error": std_error,
        "low": difference - z * std_error,
        "high": difference + z * std_error,
    }


def offer_return(incremental_revenue, cost):
    """Return on the offer: (incremental revenue - cost) / cost; None without a cost."""
    if not cost:
        return None
    return (incremental_revenue - cost) / cost
