"""The ``jiceng`` console script: Django's manage commands plus Jiceng's own verbs.

jiceng demo                     create the database, load the demo county, serve on 127.0.0.1:8000
jiceng units --user NAME --json the units NAME may see
jiceng rules check FILE...      run rules case files
jiceng <any Django command>     e.g. migrate, createuser, changepassword, axes_reset
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiceng", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
