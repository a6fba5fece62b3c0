"""The web pages' foundation on both databases: sign-in with a token and sessions, CSRF on
every form, French by default and English by choice, formatting per locale, refusals in
words, the stylesheet and the security headers. The API beside it is untouched."""

from __future__ import annotations

import base64
import json
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from fastapi import APIRouter, Request

from garant.app import Garant
from garant.domain.errors import CancellationImpossible, IllegalTransition, NotFound
from garant.services import users
from garant.settings import Settings
from garant.store.db import make_engine
from garant.web import i18n
from garant.web.refusals import Problem
from garant.web.rendering import Page, env, page_context
from garant.web.session import SESSION_COOKIE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NBSP = "\u00a0"
NNBSP = "\u202f"


def plain(text: str) -> str:
    """Babel's no-break spaces as plain ones, HTML's apostrophe as typed."""
    return text.replace(NBSP, " ").replace(NNBSP, " ").replace("&#39;", "'")


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def main_of(html: str) -> str:
    return plain(html[html.index("<main") : html.index("</main>")])


class Browser:
    def __init__(self, http: TestClient) -> None:
        self.http = http

    def csrf(self, path: str = "/connexion") -> str:
        return csrf_of(self.http.get(path).text)

    def sign_in(self, token: str, next_url: str = "") -> str:
        r = self.http.post(
            "/connexion",
            data={"token": token, "next": next_url, "csrf_token": self.csrf()},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return r.headers["location"]

    def location(self, path: str) -> str:
        r = self.http.get(path, follow_redirects=False)
        assert r.status_code in (302, 303, 307), (r.status_code, r.text[:300])
        return r.headers["location"]


def _person(app: Garant, role: str, *, locale: str = "fr", email: str | None = None) -> str:
    user = users.create_user(
        app, name=f"{role.title()} Test", email=email or f"{role}@t.test", role=role,
        locale=locale,
    )  # fmt: skip
    return users.issue_token(app, user.id)


@pytest.fixture
def browser(app: Garant) -> Iterator[Browser]:
    with TestClient(create_app(app)) as http:
        yield Browser(http)


# ------------------------------------------------------------------ sign-in and sessions


@pytest.mark.parametrize(
    ("role", "home"),
    [("buyer", "/commandes"), ("seller", "/vendeur"), ("agent", "/agent"), ("operator", "/agent")],
)
def test_sign_in_with_token_then_home_leads_to_the_role_area(
    app: Garant, browser: Browser, role: str, home: str
) -> None:
    token = _person(app, role)
    assert browser.location("/") == "/suivi"  # signed out: public tracking
    assert browser.sign_in(token) == home
    assert browser.location("/") == home
    page = browser.http.get(home)
    assert page.status_code == 200
    assert f"{role.title()} Test" in page.text  # the header says who is signed in


def test_signed_in_page_shows_the_flash_once_and_the_role_nav_in_french(
    app: Garant, browser: Browser
) -> None:
    browser.sign_in(_person(app, "buyer"))
    first = main_of(browser.http.get("/commandes").text)
    assert "Connecté en tant que Buyer Test." in first
    assert "Mes commandes" in first
    assert "Connecté en tant que" not in main_of(browser.http.get("/commandes").text)
    page = browser.http.get("/commandes").text
    assert '<a href="/commandes" aria-current="page">Mes commandes</a>' in page
    assert "Espace vendeur" not in page and "Console agent" not in page
    assert "Suivi de colis" in page


def test_wrong_token_shows_the_form_again_with_a_clear_french_error(
    app: Garant, browser: Browser
) -> None:
    _person(app, "buyer")
    r = browser.http.post(
        "/connexion", data={"token": "gar_not-a-real-one", "csrf_token": browser.csrf()}
    )
    assert r.status_code == 400
    body = main_of(r.text)
    assert "Ce jeton d'accès n'est pas reconnu." in body
    assert 'aria-invalid="true"' in body and 'id="f-token-error"' in body
    assert 'name="token"' in body  # the form again
    assert "gar_not-a-real-one" not in r.text  # a token is never echoed back
    assert browser.location("/commandes").startswith("/connexion")  # still signed out


def test_an_empty_token_is_asked_for(browser: Browser) -> None:
    r = browser.http.post("/connexion", data={"token": "  ", "csrf_token": browser.csrf()})
    assert r.status_code == 400
    assert "Collez votre jeton d'accès." in main_of(r.text)


def test_the_sign_in_page_says_the_token_is_the_only_credential(browser: Browser) -> None:
    body = main_of(browser.http.get("/connexion").text)
    assert "votre jeton d'accès personnel est votre seul identifiant" in body
    english = main_of(browser.http.get("/sign-in?lang=en").text)
    assert "your personal access token is your only credential" in english


def test_the_session_holds_the_user_id_never_the_token(app: Garant, browser: Browser) -> None:
    token = _person(app, "buyer")
    browser.csrf()
    r = browser.http.post(
        "/connexion",
        data={"token": token, "csrf_token": browser.csrf()},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http here; Secure with an https public URL
    payload = cookie.split("=", 1)[1].split(".", 1)[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(data["user_id"], int)
    assert token not in json.dumps(data) and token not in cookie


def test_a_tampered_session_cookie_is_ignored(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "buyer"))
    forged = base64.b64encode(json.dumps({"user_id": 1}).encode()).decode() + ".x.y"
    browser.http.cookies.set(SESSION_COOKIE, forged)
    assert browser.location("/commandes").startswith("/connexion")


def test_sign_out_ends_the_session(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "seller"))
    csrf = browser.csrf("/vendeur")
    r = browser.http.post("/deconnexion", data={"csrf_token": csrf}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/connexion")
    assert "Vous êtes déconnecté." in main_of(browser.http.get("/connexion").text)
    assert browser.location("/vendeur") == "/connexion?next=%2Fvendeur"
    assert browser.location("/") == "/suivi"


def test_signed_out_visitors_come_back_to_the_page_they_asked_for(
    app: Garant, browser: Browser
) -> None:
    token = _person(app, "agent")
    target = browser.location("/agent?tri=echeance")
    assert target.startswith("/connexion?next=")
    next_url = unquote(target.split("next=", 1)[1])
    assert next_url == "/agent?tri=echeance"
    assert f'name="next" value="{next_url}"' in browser.http.get(target).text
    assert browser.sign_in(token, next_url) == "/agent?tri=echeance"


@pytest.mark.parametrize("evil", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_next_never_leads_off_site(app: Garant, browser: Browser, evil: str) -> None:
    assert browser.sign_in(_person(app, "buyer"), evil) == "/commandes"


def test_another_role_s_page_is_refused_in_plain_words(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "buyer"))
    r = browser.http.get("/vendeur")
    assert r.status_code == 403
    assert "Cette page est réservée à un autre type de compte." in main_of(r.text)


def test_a_deleted_user_is_signed_out(app: Garant, browser: Browser) -> None:
    from sqlalchemy import delete

    from garant.store.schema import users as users_table

    browser.sign_in(_person(app, "buyer"))
    with app.engine.begin() as conn:
        conn.execute(delete(users_table))
    assert browser.location("/commandes").startswith("/connexion")


# ------------------------------------------------------------------ CSRF


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    app: Garant, browser: Browser
) -> None:
    browser.sign_in(_person(app, "buyer"))
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
        r = browser.http.post("/deconnexion", data=data, follow_redirects=False)
        assert r.status_code == 403
        body = main_of(r.text)
        assert "Ce formulaire n'a pas pu être accepté" in body
        assert "Rien n'a été modifié." in body
        assert browser.http.get("/commandes", follow_redirects=False).status_code == 200


def test_signing_in_needs_the_form_s_csrf_token(app: Garant, browser: Browser) -> None:
    token = _person(app, "buyer")
    r = browser.http.post("/connexion", data={"token": token}, follow_redirects=False)
    assert r.status_code == 403
    assert "cookie" in main_of(r.text)  # no session at all: the browser sent no cookie
    browser.csrf()
    r = browser.http.post(
        "/connexion", data={"token": token, "csrf_token": "x"}, follow_redirects=False
    )
    assert r.status_code == 403
    assert browser.location("/") == "/suivi"  # not signed in


def test_the_csrf_token_may_come_in_a_header_for_scripts(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "buyer"))
    csrf = browser.csrf("/commandes")
    r = browser.http.post("/deconnexion", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert r.status_code == 303


def test_signing_in_renews_the_csrf_token(app: Garant, browser: Browser) -> None:
    before = browser.csrf()
    browser.sign_in(_person(app, "buyer"))
    after = browser.csrf("/commandes")
    assert before != after
    r = browser.http.post("/deconnexion", data={"csrf_token": before}, follow_redirects=False)
    assert r.status_code == 403


def test_the_api_keeps_bearer_tokens_and_no_csrf(app: Garant, browser: Browser) -> None:
    op = _person(app, "operator")
    buyer = users.create_user(app, name="B", email="b@t.test", role="buyer")
    seller = users.create_user(app, name="S", email="s@t.test", role="seller")
    browser.sign_in(op)  # a session cookie is present too: the API ignores it
    r = browser.http.post(
        "/api/v1/orders",
        headers={"Authorization": f"Bearer {op}"},
        json={"buyer_id": buyer.id, "seller_id": seller.id, "total": "30.00",
              "shipping_method": "ems",
              "items": [{"title": "Montre", "quantity": 1, "unit_price": "30.00"}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    r = browser.http.get("/api/v1/orders")  # the cookie alone is no credential
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert "content-security-policy" not in r.headers


# ------------------------------------------------------------------ languages


def test_french_is_the_default_and_lang_en_switches_and_sticks(browser: Browser) -> None:
    page = browser.http.get("/suivi").text
    assert '<html lang="fr">' in page and "Suivi de colis" in page and "Se connecter" in page
    page = browser.http.get("/suivi?lang=en").text
    assert '<html lang="en">' in page and "Parcel tracking" in page and "Sign in" in page
    page = browser.http.get("/connexion").text  # the choice is kept in the session
    assert '<html lang="en">' in page and "Access token" in page
    page = browser.http.get("/connexion?lang=fr").text
    assert '<html lang="fr">' in page and "Jeton d'accès" in plain(page)


def test_the_language_switch_links_to_the_same_page(browser: Browser) -> None:
    page = browser.http.get("/suivi?numero=LX1").text
    assert 'href="/suivi?numero=LX1&amp;lang=en" lang="en" hreflang="en"' in page
    assert (
        'href="/suivi?numero=LX1&amp;lang=fr" lang="fr" hreflang="fr" aria-current="true"' in page
    )


def test_the_user_s_own_locale_applies_until_they_choose(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "buyer", locale="en"))
    page = browser.http.get("/commandes").text
    assert '<html lang="en">' in page and "My orders" in page and "Signed in as" in page
    page = browser.http.get("/commandes?lang=fr").text
    assert "Mes commandes" in page
    assert "Mes commandes" in browser.http.get("/commandes").text


def test_every_marked_string_has_a_french_translation() -> None:
    missing = i18n.untranslated("fr")
    assert not missing, (
        "add these to translations/fr/LC_MESSAGES/*.po (python -m garant.web.i18n lists them):\n"
        + "\n".join(f"{m!r} ({', '.join(w)})" for m, w in sorted(missing.items()))
    )


# ------------------------------------------------------------------ formatting per locale


def _render(source: str, locale: str, now: datetime | None = None, **context: object) -> str:
    with page_context(Page(locale=locale, fixed_now=now)):
        return plain(env.from_string(source).render(**context))


def test_money_per_locale() -> None:
    assert _render("{{ '24.90'|money }}", "fr") == "24,90 €"
    assert _render("{{ '24.90'|money }}", "en") == "€24.90"
    assert _render("{{ 1234567|money_cents }}", "fr") == "12 345,67 €"
    assert _render("{{ 1234567|money_cents }}", "en") == "€12,345.67"
    assert _render("{{ None|money }}", "fr") == ""


def test_dates_are_shown_in_paris_time_with_the_zone_said() -> None:
    winter = "2026-11-22T09:05:00+00:00"  # UTC+1
    assert _render("{{ d|datetime }}", "fr", d=winter) == "22 nov. 2026, 10:05 (heure de Paris)"
    assert _render("{{ d|datetime }}", "en", d=winter) == "Nov 22, 2026, 10:05 (Paris time)"
    summer = datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # UTC+2: already the next day
    assert _render("{{ d|datetime }}", "fr", d=summer) == "1 juil. 2026, 23:30 (heure de Paris)"
    assert _render("{{ d|date }} {{ d|time }}", "fr", d=summer) == "1 juil. 2026 23:30"
    naive = datetime(2026, 11, 22, 9, 5)  # the database's UTC
    assert _render("{{ d|datetime(zone=False) }}", "fr", d=naive) == "22 nov. 2026, 10:05"


def test_relative_durations_per_locale() -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    later = now + timedelta(days=2, hours=5, minutes=12)
    assert _render("{{ d|relative }}", "fr", now, d=later) == "dans 2 j 5 h"
    assert _render("{{ d|relative }}", "en", now, d=later) == "in 2 d 5 h"
    earlier = now - timedelta(hours=3, minutes=4)
    assert _render("{{ d|relative }}", "fr", now, d=earlier) == "il y a 3 h 4 min"
    assert _render("{{ d|relative }}", "en", now, d=earlier) == "3 h 4 min ago"
    assert _render("{{ d|relative }}", "fr", now, d=now + timedelta(seconds=20)) == (
        "dans moins d'une minute"
    )
    assert _render("{{ s|duration }}", "fr", s=72 * 3600) == "3 j"


def test_the_deadline_chip_has_a_machine_date_and_a_relative_text() -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    due = (now + timedelta(hours=20)).isoformat()
    html = _render(
        '{% import "macros.html" as m %}{{ m.deadline(d, "Réponse du vendeur") }}', "fr", now,
        d=due,
    )  # fmt: skip
    assert 'class="chip chip--urgent"' in html
    assert f'<time datetime="{due}"' in html
    assert ">dans 20 h</time>" in html
    assert "3 nov. 2026, 06:00 (heure de Paris)" in html


def test_status_badges_take_the_services_bilingual_labels() -> None:
    status = {"code": "delivered", "fr": "Arrivée à destination", "en": "Delivered"}
    source = '{% import "macros.html" as m %}{{ m.status_badge(s) }}'
    assert _render(source, "fr", s=status) == (
        '<span class="badge badge--success">Arrivée à destination</span>'
    )
    assert ">Delivered<" in _render(source, "en", s=status)
    assert ">payée, pas encore expédiée<" in _render(source, "fr", s="paid")


def test_templates_escape_what_they_show() -> None:
    html = _render("{{ x }}", "fr", x="<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html


# ------------------------------------------------------------------ refusals in words


def test_an_illegal_transition_is_told_in_french_with_the_api_s_facts() -> None:
    error = IllegalTransition("confirm_receipt", "paid", ["request_cancellation"])
    text = Problem.from_error(error).in_words("fr")
    assert text.title == "Cette action n'est pas possible à ce stade."
    assert text.state == "payée, pas encore expédiée"
    assert text.action == "Confirmer la réception"
    assert text.allowed == ["Demander l'annulation"]
    assert text.detail == error.message and text.code == "illegal_transition"
    html = _render('{% import "macros.html" as m %}{{ m.problem_box(p) }}', "fr", p=error)
    assert 'role="alert"' in html
    assert "<dt>État actuel</dt><dd>payée, pas encore expédiée</dd>" in html
    assert "<li>Demander l'annulation</li>" in html
    assert '<span lang="en">' in html  # the service's own sentence, marked as English


def test_a_problem_json_body_reads_like_the_error_it_came_from() -> None:
    error = CancellationImpossible("shipped", ["confirm_receipt"], ["contact_seller", "dispute"])
    body = {
        "type": "urn:garant:problem:x",
        "title": "Conflict",
        "status": 409,
        "code": error.code,
        "detail": error.message,
        "instance": "/x",
        **error.context,
    }
    assert Problem.from_dict(body) == Problem.from_error(error)
    text = Problem.from_dict(body).in_words("en")
    assert text.title == "The order has already been shipped: it can no longer be cancelled."
    assert text.remedies == ["Contact the seller", "Open a dispute"]


def test_a_service_refusal_escaping_a_page_becomes_a_page_in_its_language(
    app: Garant, browser: Browser
) -> None:
    # A page whose service refuses (a stand-in for a real one), added for this test only.
    router = APIRouter()

    @router.get("/essai-refus-de-service")
    def missing(request: Request) -> None:
        raise NotFound("no parcel LX1")

    web = create_app(app)
    web.include_router(router)
    with TestClient(web) as http:
        r = http.get("/essai-refus-de-service")
        assert r.status_code == 404
        assert "Nous n'avons pas trouvé ce que vous cherchez." in main_of(r.text)
        assert "no parcel LX1" in r.text
        r = http.get("/essai-refus-de-service?lang=en")
        assert "We could not find what you asked for." in r.text


def test_an_unexpected_failure_is_a_plain_page_and_the_api_keeps_its_problem(
    app: Garant, caplog: pytest.LogCaptureFixture
) -> None:
    router = APIRouter()

    @router.get("/essai-panne")
    def broken(request: Request) -> None:
        raise RuntimeError("boom")

    @router.get("/api/v1/essai-panne")
    def broken_api(request: Request) -> None:
        raise RuntimeError("boom")

    web = create_app(app)
    web.include_router(router)
    with TestClient(web, raise_server_exceptions=False) as http:
        r = http.get("/essai-panne")
        assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
        assert "Un problème est survenu de notre côté ; rien n'a été modifié." in main_of(r.text)
        assert "boom" not in r.text
        r = http.get("/api/v1/essai-panne")
        assert r.status_code == 500
        assert r.json()["code"] == "internal_error"


def test_unknown_pages_answer_a_french_page_and_the_api_keeps_problem_json(
    browser: Browser,
) -> None:
    r = browser.http.get("/nulle-part")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Nous n'avons pas trouvé ce que vous cherchez." in main_of(r.text)
    r = browser.http.get("/api/v1/nowhere")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


# ------------------------------------------------------------------ demo accounts


def _demo_people(app: Garant) -> None:
    users.create_user(app, name="Camille Martin", email="camille@demo.garant", role="buyer")
    users.create_user(app, name="Boutique Lumière", email="lumiere@demo.garant", role="seller")


def test_demo_accounts_sign_in_in_one_click_in_the_sandbox(app: Garant, browser: Browser) -> None:
    assert app.settings.sandbox
    _demo_people(app)
    page = browser.http.get("/connexion").text
    assert "Se connecter en tant que Camille Martin" in page
    assert "Se connecter en tant que Boutique Lumière" in page
    r = browser.http.post(
        "/connexion/demo",
        data={"email": "lumiere@demo.garant", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/vendeur")
    r = browser.http.post(
        "/connexion/demo",
        data={"email": "someone@t.test", "csrf_token": browser.csrf()},
        follow_redirects=False,
    )
    assert r.status_code == 404  # only the demo accounts


def test_no_demo_accounts_outside_the_sandbox(app: Garant, db_url: str) -> None:
    _demo_people(app)
    settings = Settings(database_url=db_url, sandbox=False, session_secret="s" * 40)
    production = Garant(settings=settings, engine=make_engine(db_url), clock=app.clock)
    try:
        with TestClient(create_app(production)) as http:
            page = http.get("/connexion").text
            assert "camille@demo.garant" not in page and "Comptes de démonstration" not in page
            assert "Bac à sable" not in page
            r = http.post(
                "/connexion/demo",
                data={"email": "camille@demo.garant", "csrf_token": csrf_of(page)},
                follow_redirects=False,
            )
            assert r.status_code == 404
            assert http.get("/", follow_redirects=False).headers["location"] == "/suivi"
    finally:
        production.engine.dispose()


# ------------------------------------------------------------------ secret, static, headers


def test_a_set_session_secret_keeps_sessions_across_restarts(
    app: Garant, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = _person(app, "buyer")
    settings = Settings(database_url=db_url, sandbox=True, session_secret="k" * 40)
    garant = Garant(settings=settings, engine=make_engine(db_url), clock=app.clock)
    try:
        with caplog.at_level(logging.WARNING, logger="garant.web.session"):
            first, second = create_app(garant), create_app(garant)
        assert "GARANT_SESSION_SECRET" not in caplog.text
        with TestClient(first) as a, TestClient(second) as b:
            Browser(a).sign_in(token)
            b.cookies = a.cookies
            assert b.get("/commandes", follow_redirects=False).status_code == 200
    finally:
        garant.engine.dispose()


def test_without_a_session_secret_a_random_one_is_used_and_said(
    app: Garant, caplog: pytest.LogCaptureFixture
) -> None:
    assert app.settings.session_secret == ""
    with caplog.at_level(logging.WARNING, logger="garant.web.session"):
        create_app(app)
    assert "GARANT_SESSION_SECRET is not set" in caplog.text


def test_the_stylesheet_is_served_and_linked(browser: Browser) -> None:
    page = browser.http.get("/suivi").text
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert href and href.group(1).startswith("/static/garant.css?v=")
    r = browser.http.get(href.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in r.text and ".badge--success" in r.text


def test_pages_carry_the_security_headers(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "buyer"))
    for path in ("/connexion", "/commandes", "/nulle-part", "/static/garant.css"):
        r = browser.http.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "style-src 'self'" in csp
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    assert browser.http.get("/commandes").headers["cache-control"] == "no-store"
    assert "no-store" not in browser.http.get("/static/garant.css").headers.get("cache-control", "")


def test_pages_have_no_inline_styles_or_scripts(app: Garant, browser: Browser) -> None:
    browser.sign_in(_person(app, "buyer"))
    for path in ("/connexion", "/commandes", "/suivi", "/nulle-part"):
        html = browser.http.get(path).text
        assert " style=" not in html and "<style" not in html
        assert "<script>" not in html and " onclick=" not in html


def test_the_web_pages_stay_out_of_the_api_description(browser: Browser) -> None:
    paths = browser.http.get("/api/openapi.json").json()["paths"]
    assert all(p.startswith("/api/") for p in paths)


def test_a_page_without_a_form_sets_no_cookie(browser: Browser) -> None:
    assert "set-cookie" not in browser.http.get("/suivi").headers
    assert SESSION_COOKIE in browser.http.get("/connexion").headers["set-cookie"]
