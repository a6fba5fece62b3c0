"""`garant users …` and `garant webhooks …`: accounts and the endpoints told of changes."""

from __future__ import annotations

from enum import StrEnum

import typer

from garant.cli._base import app, fail, find_user, open_garant, sub_app
from garant.domain.transitions import Role
from garant.services import users

users_app = sub_app("User accounts and their bearer tokens.")
webhooks_app = sub_app("Webhook endpoints that receive signed order events.")
app.add_typer(users_app, name="users")
app.add_typer(webhooks_app, name="webhooks")


class RoleChoice(StrEnum):
    buyer = "buyer"
    seller = "seller"
    agent = "agent"
    operator = "operator"


@users_app.command("create")
def users_create(
    name: str = typer.Option(..., "--name", help="Full name, e.g. 'Camille Martin'."),
    email: str = typer.Option(..., "--email", help="Unique; used by --as and `users token`."),
    role: RoleChoice = typer.Option(..., "--role", case_sensitive=False),
    locale: str = typer.Option("fr", "--locale", help="fr or en: the language of messages."),
    return_address: str = typer.Option(
        "", "--return-address", help="A seller's return address; lines separated by '|'."
    ),
) -> None:
    """Create a user and print its id (alone on stdout, for scripts)."""
    with open_garant() as garant:
        user = users.create_user(garant, name=name, email=email, role=role.value, locale=locale)
        if return_address:
            users.set_return_address(
                garant,
                actor_role=Role.OPERATOR,
                actor_id=None,
                seller_id=user.id,
                address="\n".join(return_address.split("|")),
            )
    typer.echo(user.id)


@users_app.command("token")
def users_token(
    email_or_id: str = typer.Argument(..., metavar="EMAIL_OR_ID"),
) -> None:
    """Print a fresh bearer token for the user; the previous one stops working."""
    with open_garant() as garant:
        user = find_user(garant, email_or_id)
        token = users.issue_token(garant, user.id)
    typer.echo(token)


@webhooks_app.command("add")
def webhooks_add(url: str = typer.Argument(..., help="http(s) URL that receives POSTs.")) -> None:
    """Register an endpoint; print its id and signing secret (shown this once only)."""
    from garant.services.webhooks import add_endpoint

    with open_garant() as garant:
        try:
            endpoint_id, secret = add_endpoint(garant, url)
        except ValueError as exc:
            fail(str(exc))
    typer.echo(f"id: {endpoint_id}")
    typer.echo(f"secret: {secret}")
    typer.echo("Keep the secret now: Garant stores it for signing and never shows it again.")
