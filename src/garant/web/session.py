"""Sign-in sessions for the web pages.

A person signs in once with their access token (the only credential Garant has); the
session cookie then carries their user id, never the token. The cookie is signed
(itsdangerous, through Starlette's ``SessionMiddleware``), HttpOnly, SameSite=Lax, Secure when
``GARANT_PUBLIC_URL`` is https, and lasts ``SESSION_HOURS``. The user is read again from the
database on every request, so a deleted user is signed out at once.

Page handlers take the user as a dependency::

    @router.get("/commandes")
    def orders(request: Request, user: BuyerDep) -> Response: ...

Signed out, they are redirected to /connexion (and brought back after signing in); signed in
with another role, they get a 403 page saying whose page it is.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

from garant.app import Garant
from garant.domain.errors import NotFound
from garant.domain.orders import Actor
from garant.domain.transitions import Role
from garant.services.users import User, get_user
from garant.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "garant_session"
SESSION_HOURS = 12
USER_KEY = "user_id"
LANG_KEY = "lang"
CSRF_KEY = "csrf"
FLASH_KEY = "flash"


def session_secret(settings: Settings) -> str:
    if settings.session_secret:
        return settings.session_secret
    log.warning(
        "GARANT_SESSION_SECRET is not set: a random key signs the web sessions, so everyone "
        "is signed out when the server restarts and several server processes do not share "
        "sessions. Set GARANT_SESSION_SECRET to a long random value to keep them."
    )
    return secrets.token_urlsafe(48)


def install_sessions(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )


class SignInRequired(Exception):
    """Raised by ``current_web_user``: the page answers with a redirect to /connexion."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class WrongRole(Exception):
    """Signed in, but this page belongs to another role: the page answers 403."""

    def __init__(self, user: User, roles: tuple[Role, ...]) -> None:
        super().__init__(user.role.value)
        self.user = user
        self.roles = roles


def garant_of(request: Request) -> Garant:
    garant: Garant = request.app.state.garant
    return garant


def web_user(request: Request) -> User | None:
    """The signed-in user, or None; read once per request."""
    if hasattr(request.state, "web_user"):
        cached: User | None = request.state.web_user
        return cached
    user: User | None = None
    user_id = request.session.get(USER_KEY)
    if isinstance(user_id, int):
        try:
            user = get_user(garant_of(request), user_id)
        except NotFound:
            sign_out(request)
    request.state.web_user = user
    return user


def current_web_user(request: Request) -> User:
    """Dependency: the signed-in user; signed out, a redirect to /connexion."""
    user = web_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else request.url.path)
    return user


def require_role(*roles: Role) -> Callable[[Request], User]:
    """Dependency factory: ``Depends(require_role(Role.SELLER))``."""

    def dependency(request: Request) -> User:
        user = current_web_user(request)
        if user.role not in roles:
            raise WrongRole(user, roles)
        return user

    return dependency


WebUserDep = Annotated[User, Depends(current_web_user)]
BuyerDep = Annotated[User, Depends(require_role(Role.BUYER))]
SellerDep = Annotated[User, Depends(require_role(Role.SELLER))]
StaffDep = Annotated[User, Depends(require_role(Role.AGENT, Role.OPERATOR))]


def actor_of(user: User) -> Actor:
    """What the services take as the caller."""
    return Actor(user.role, user.id)


def sign_in(request: Request, user: User) -> None:
    """A fresh session for this user (a new CSRF token too: nothing carries over from before
    signing in, except the language chosen)."""
    lang = request.session.get(LANG_KEY)
    request.session.clear()
    if lang:
        request.session[LANG_KEY] = lang
    request.session[USER_KEY] = user.id
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    request.state.web_user = user


def sign_out(request: Request) -> None:
    lang = request.session.get(LANG_KEY)
    request.session.clear()
    if lang:
        request.session[LANG_KEY] = lang
    request.state.web_user = None


def home_for(user: User | None) -> str:
    """Where '/' leads: each role's own area; signed out, public tracking."""
    if user is None:
        return "/suivi"
    return {
        Role.BUYER: "/commandes",
        Role.SELLER: "/vendeur",
        Role.AGENT: "/agent",
        Role.OPERATOR: "/agent",
    }.get(user.role, "/suivi")


def safe_next(url: Any) -> str | None:
    """Only a path of this site (never '//host' or 'https://…'): no open redirect."""
    if not isinstance(url, str) or not url.startswith("/") or url.startswith("//"):
        return None
    if "\\" in url or any(ord(c) < 32 for c in url):
        return None
    return url
