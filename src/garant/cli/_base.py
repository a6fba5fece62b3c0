"""What every `garant` command shares: the root command, error reporting, opening Garant.

Errors are reported in one place (``GarantGroup.invoke``): a DomainError is an anticipated
refusal, so the user gets its message and the allowed actions on stderr with exit code 2,
never a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from typer.core import TyperGroup

from garant.app import Garant
from garant.domain.errors import DomainError, NotFound
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services import users

USAGE_ERROR = 2  # refused: the same code click uses for a bad command line


def fail(message: str, *, code: int = USAGE_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _report_domain_error(exc: DomainError) -> NoReturn:
    allowed = exc.context.get("allowed_actions")
    message = exc.message
    # IllegalTransition already names them in its message; others (Conflict) only carry them.
    if allowed is not None and "Allowed now" not in message:
        message += f"\nallowed actions now: {', '.join(allowed) or 'none'}"
    fail(message)


class GarantGroup(TyperGroup):
    """The root command: sub-commands' anticipated errors surface here as one clean line."""

    # Typer vendors click privately (typer._click), so its Context type is not importable
    # as public API; the argument is passed through untouched.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            _report_domain_error(exc)
        except (OperationalError, ProgrammingError) as exc:
            first = str(exc.orig or exc).strip().splitlines()[0]
            fail(
                f"database error: {first}\n"
                "Is the database reachable (GARANT_DATABASE_URL) and its schema current? "
                "Run `garant db upgrade`.",
                code=1,
            )


app = typer.Typer(
    cls=GarantGroup,
    no_args_is_help=True,
    add_completion=False,
    help="Garant: orders, cancellations and buyer protection for marketplaces.\n\n"
    "Settings come from the environment: GARANT_DATABASE_URL (default sqlite:///garant.db), "
    "GARANT_SANDBOX, GARANT_HOST, GARANT_PORT…",
)


def sub_app(help_text: str) -> typer.Typer:
    return typer.Typer(no_args_is_help=True, add_completion=False, help=help_text)


@contextmanager
def open_garant() -> Iterator[Garant]:
    """The installation described by the environment; its connections closed afterwards."""
    try:
        garant = Garant.from_settings()
    except ValidationError as exc:
        fail(f"invalid GARANT_ settings in the environment:\n{exc}")
    try:
        yield garant
    finally:
        garant.engine.dispose()


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def schema_status(engine: Engine) -> tuple[set[str], set[str]]:
    """(revisions the database is at, revisions this code expects)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from garant.store.migrate import alembic_config

    expected = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current, expected


def require_current_schema(garant: Garant) -> None:
    current, expected = schema_status(garant.engine)
    if current != expected:
        at = f"at revision {', '.join(sorted(current))}" if current else "empty (no schema)"
        fail(
            f"the database {safe_url(garant.settings.database_url)} is {at}; this version "
            f"of Garant needs revision {', '.join(sorted(expected))}. "
            "Run `garant db upgrade` first."
        )


def find_user(garant: Garant, email_or_id: str) -> users.User:
    """A user named by email address or numeric id, as typed on the command line."""
    if email_or_id.isdigit():
        return users.get_user(garant, int(email_or_id))
    user = users.find_by_email(garant, email_or_id)
    if user is None:
        raise NotFound(f"no user with the email {email_or_id}")
    return user


def actor_for(garant: Garant, email_or_id: str | None) -> Actor:
    """``--as``: act as that user; without it, as the installation's operator (sees all)."""
    if email_or_id is None:
        return Actor(Role.OPERATOR, None)
    user = find_user(garant, email_or_id)
    return Actor(user.role, user.id)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
