"""A dated parameter for the throwaway pack of tests/reporting/test_pipeline.py."""

import datetime as dt


def quota(name: str, on: dt.date) -> int:
    """monthly_quota: 50 a month, 30 from October 2026."""
    if name != "monthly_quota":
        raise KeyError(name)
    return 50 if on < dt.date(2026, 10, 1) else 30
