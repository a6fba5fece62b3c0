"""Rendering pages: the Jinja environment, the page's language, flash messages, refusals.

A page handler parses its input, calls one service, and answers with one of::

    render(request, "buyer/order.html", {"order": view})
    render_with_problem(request, "buyer/cancel.html", ctx, error)   # a refusal, in words
    redirect_with_flash(request, "/commandes/12", _("Cancellation requested."))

While a template renders, the page (its request, language, CSRF token and "now") is held
in a context variable, so filters, ``_()`` and macros imported without context all use the
page's language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from garant.domain.errors import DomainError
from garant.services.users import User
from garant.web import formatting as fmt
from garant.web.i18n import LOCALE_NAMES, LOCALES, N_, WEB_DIR, Translator, choose_locale
from garant.web.i18n import translations as catalogue
from garant.web.labels import action_label, remedy_label, role_label, state_label
from garant.web.refusals import Problem, as_problem
from garant.web.security import CSRF_FIELD, csrf_token
from garant.web.session import FLASH_KEY, LANG_KEY, garant_of, web_user

TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


# ------------------------------------------------------------------ the page being rendered


@dataclass
class Page:
    locale: str
    request: Request | None = None
    fixed_now: datetime | None = None
    _now: datetime | None = field(default=None, repr=False)

    def csrf(self) -> str:
        """The session's CSRF token, made when a form first asks for it (a page without a
        form sets no cookie)."""
        return csrf_token(self.request) if self.request is not None else ""

    def now(self) -> datetime:
        """The installation's clock (the sandbox clock may be ahead), read once per page."""
        if self._now is None:
            if self.fixed_now is not None:
                self._now = self.fixed_now
            elif self.request is not None:
                self._now = garant_of(self.request).clock.now()
            else:
                self._now = datetime.now(UTC)
        return self._now


_page: ContextVar[Page | None] = ContextVar("garant_web_page", default=None)


def current_page() -> Page:
    return _page.get() or Page(locale="fr")


@contextmanager
def page_context(page: Page) -> Iterator[Page]:
    """Render with this page's language (also for tests and for rendering outside a
    request: ``with page_context(Page("en", fixed_now=now)): env.from_string(…).render()``)."""
    token = _page.set(page)
    try:
        yield page
    finally:
        _page.reset(token)


def page_locale(request: Request) -> str:
    """``?lang=`` of this request, else the choice kept in the session, else the signed-in
    user's own locale, else French."""
    user = web_user(request)
    return choose_locale(
        request.query_params.get("lang"),
        request.session.get(LANG_KEY),
        user.locale if user else None,
    )


def translator(request: Request) -> Translator:
    """``_ = translator(request)`` in a handler; then ``_("Order %(ref)s", ref=…)``."""
    return Translator(page_locale(request))


# ------------------------------------------------------------------ the Jinja environment


def _gettext(message: str) -> str:
    return str(catalogue(current_page().locale).gettext(message))


def _ngettext(singular: str, plural: str, n: int) -> str:
    return str(catalogue(current_page().locale).ngettext(singular, plural, n))


@cache
def _static_version(path: str) -> str:
    target = STATIC_DIR / path
    if not target.is_file():
        return "0"
    return hashlib.sha256(target.read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """'/static/garant.css?v=<content hash>': browsers may cache it, a change is seen."""
    return f"/static/{path}?v={_static_version(path)}"


def _loc() -> str:
    return current_page().locale


FILTERS: dict[str, Any] = {
    "money": lambda v, currency="EUR": fmt.format_money(v, currency, _loc()),
    "money_cents": lambda v, currency="EUR": fmt.format_money_cents(v, currency, _loc()),
    "number": lambda v: fmt.format_number(v, _loc()),
    "datetime": lambda v, zone=True: fmt.format_datetime(v, _loc(), zone=zone),
    "date": lambda v: fmt.format_date(v, _loc()),
    "time": lambda v: fmt.format_time(v, _loc()),
    "duration": lambda v: fmt.format_duration(v, _loc()),
    "relative": lambda v: fmt.format_relative(v, current_page().now(), _loc()),
    "deadline_tone": lambda v: fmt.deadline_tone(v, current_page().now()),
    "isotime": lambda v: d.isoformat() if (d := fmt.as_datetime(v)) else "",
    "label": lambda v, key=None: fmt.pick(v, _loc(), key),
    "action_label": lambda code: action_label(code, _loc()),
    "state_label": lambda code: state_label(code, _loc()),
    "remedy_label": lambda code: remedy_label(code, _loc()),
    "role_label": lambda code: role_label(code, _loc()),
    "status_tone": fmt.status_tone,
}


def _csrf_token() -> str:
    return current_page().csrf()


def _problem_text(problem: Problem | DomainError | Mapping[str, Any]) -> Any:
    return as_problem(problem).in_words(_loc())


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # No constant folding: `{{ "ship"|action_label }}` depends on the request's language,
        # and a folded filter would keep the language of the first page ever compiled.
        optimized=False,
    )
    # {% trans %} blocks are looked up with their whitespace trimmed, as they are extracted.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(FILTERS)
    env.globals.update(
        csrf_token=_csrf_token,
        csrf_field_name=CSRF_FIELD,
        static_url=static_url,
        problem_text=_problem_text,
        now=lambda: current_page().now(),
        current_locale=_loc,
        locale_names=LOCALE_NAMES,
    )
    return env


env = build_environment()


# ------------------------------------------------------------------ layout data


@dataclass(frozen=True)
class NavLink:
    href: str
    label: str  # msgid; the layout translates it
    current: bool


_AREAS = {
    "buyer": [("/commandes", N_("My orders"))],
    "seller": [("/vendeur", N_("Seller centre"))],
    "agent": [("/agent", N_("Agent console"))],
    "operator": [("/agent", N_("Agent console"))],
}
_PUBLIC = [("/suivi", N_("Parcel tracking"))]


def nav_links(user: User | None, path: str) -> list[NavLink]:
    """The header's links for this role (the public tracking page for everyone)."""
    items = (_AREAS.get(user.role.value, []) if user else []) + _PUBLIC
    return [
        NavLink(href, label, path == href or path.startswith(href + "/")) for href, label in items
    ]


def language_links(request: Request, locale: str) -> list[dict[str, Any]]:
    """The footer's language switch: this page in each language (``?lang=`` is kept in the
    session by ``page_guard``). A page reached by POST links to itself by GET: give each
    form a GET page at the same address."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return [
        {
            "code": code,
            "name": LOCALE_NAMES[code],
            "href": request.url.path + "?" + urlencode({**params, "lang": code}),
            "current": code == locale,
        }
        for code in LOCALES
    ]


# ------------------------------------------------------------------ responses


def flash(request: Request, message: str, kind: str = "success") -> None:
    """A message shown once, on the next page rendered (kind: success, info, warning,
    error). Pass it already translated: ``flash(request, _("Saved."))``."""
    request.session[FLASH_KEY] = [*request.session.get(FLASH_KEY, []), [kind, message]]


def _pop_flashes(request: Request) -> list[dict[str, str]]:
    if FLASH_KEY not in request.session:
        return []
    return [{"kind": k, "message": m} for k, m in request.session.pop(FLASH_KEY)]


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    """After a POST: 303, so reloading the next page never sends the form again."""
    return RedirectResponse(url, status_code=status_code)


def redirect_with_flash(
    request: Request, url: str, message: str, kind: str = "success"
) -> RedirectResponse:
    flash(request, message, kind)
    return redirect(url)


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page from a template extending base.html. The layout gets, besides ``context``:
    ``request``, ``user`` (or None), ``locale``, ``flashes``, ``nav``, ``languages``,
    ``sandbox``; and ``problem`` / ``field_errors`` when given in ``context``."""
    user = web_user(request)
    locale = page_locale(request)
    page = Page(locale=locale, request=request)
    data: dict[str, Any] = {
        "request": request,
        "user": user,
        "locale": locale,
        "flashes": _pop_flashes(request),
        "nav": nav_links(user, request.url.path),
        "languages": language_links(request, locale),
        "sandbox": garant_of(request).settings.sandbox,
        "field_errors": {},
        **(context or {}),
    }
    with page_context(page):
        html = env.get_template(template).render(data)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))


def render_with_problem(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None,
    error: DomainError | Problem | Mapping[str, Any],
    *,
    status_code: int | None = None,
) -> HTMLResponse:
    """The same page again, with the refusal in words above its content (base.html shows
    ``problem``) and the fields at fault marked (``field_errors``). The status is the API's
    for the same refusal (409, 422, 403…) unless given."""
    problem = as_problem(error)
    ctx = dict(context or {})
    ctx["problem"] = problem
    ctx["field_errors"] = {**problem.field_errors(), **ctx.get("field_errors", {})}
    return render(request, template, ctx, status_code=status_code or problem.status)


def error_page(
    request: Request, problem: DomainError | Problem | Mapping[str, Any], status_code: int
) -> HTMLResponse:
    """A whole page for a refusal with nothing else to show (error.html)."""
    return render(
        request,
        "error.html",
        {"problem": as_problem(problem), "status": status_code},
        status_code=status_code,
    )
