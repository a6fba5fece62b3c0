"""Home, sign-in and sign-out (the foundation's own pages).

Garant has one credential: a personal access token (``garant users token EMAIL``). A person
pastes it once; the session then remembers who they are. In the sandbox only, the demo
accounts can be entered with one click.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from garant.services.users import User, authenticate, find_by_email
from garant.web.rendering import redirect, redirect_with_flash, render, translator
from garant.web.session import garant_of, home_for, safe_next, sign_in, sign_out, web_user

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    """Each role's own area; signed out, public parcel tracking."""
    return redirect(home_for(web_user(request)))


def demo_accounts(request: Request) -> list[User]:
    """The demo accounts (``garant demo``) that exist here; only ever in the sandbox."""
    garant = garant_of(request)
    if not garant.settings.sandbox:
        return []
    from garant.tools.demo import DEMO_PEOPLE

    found = (find_by_email(garant, email) for _key, _name, email, _role, _locale in DEMO_PEOPLE)
    return [user for user in found if user is not None]


def _sign_in_page(
    request: Request, next_url: str | None, error: str | None = None, status_code: int = 200
) -> Response:
    return render(
        request,
        "account/sign_in.html",
        {
            "next": safe_next(next_url) or "",
            "demo_accounts": demo_accounts(request),
            "field_errors": {"token": error} if error else {},
        },
        status_code=status_code,
    )


@router.get("/connexion")
@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return _sign_in_page(request, next)


@router.post("/connexion")
@router.post("/sign-in")
def sign_in_with_token(
    request: Request,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request)
    token = token.strip()
    if not token:
        return _sign_in_page(request, next, _("Paste your access token."), 400)
    user = authenticate(garant_of(request), token)
    if user is None:
        message = _(
            "This access token is not recognised. Check that you pasted all of it (it starts "
            "with gar_); if it still fails, it was replaced: ask for a new one."
        )
        return _sign_in_page(request, next, message, 400)
    return _signed_in(request, user, next)


@router.post("/connexion/demo")
def sign_in_as_demo_account(request: Request, email: Annotated[str, Form()] = "") -> Response:
    """Sandbox only: one click per demo account. Elsewhere this address does not exist."""
    account = next((u for u in demo_accounts(request) if u.email == email), None)
    if account is None:
        raise HTTPException(404, "No demo account here.")
    return _signed_in(request, account, "")


def _signed_in(request: Request, user: User, next_url: str) -> Response:
    sign_in(request, user)
    _ = translator(request)
    message = _("Signed in as %(name)s.", name=user.name)
    return redirect_with_flash(request, safe_next(next_url) or home_for(user), message)


@router.post("/deconnexion")
@router.post("/sign-out")
def sign_out_now(request: Request) -> Response:
    sign_out(request)
    _ = translator(request)
    return redirect_with_flash(request, "/connexion", _("You are signed out."), "info")
