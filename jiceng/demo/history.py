"""Register history for the demo county (collections, follow-ups, stock, reports).

Each programme area adds its history here as it is built.
"""

from __future__ import annotations


def load_demo_history(stdout=None) -> None:
    return None
