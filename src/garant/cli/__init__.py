"""The `garant` command (console script ``garant = garant.cli:app``).

Commands are thin: parse, call one service, print. Each module below adds its commands to
the root ``app`` when imported.
"""

from garant.cli import bench, ops, orders, people, run, tracking  # noqa: F401  (they register their commands)
from garant.cli._base import app

__all__ = ["app"]
