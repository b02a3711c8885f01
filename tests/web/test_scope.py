"""Every staff URL, tried by staff of another organisation: refused, and nothing changed.

The URL list comes from the resolver itself, so a new desk page is covered (or this test fails
until someone says how to attack it). Each route is tried with organisation A's patron, hold,
item, transit and slip in its URL or form, by a desk of organisation B; then, as a control, the
same URL by A's own desk works, so a refusal is the scope check and not a broken page."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from clb.accounts.models import User
from clb.catalogue.models import ItemStatus
from clb.circulation import services as circ
from clb.circulation.models import Hold, HoldStatus, Loan, Transit
from clb.members import services as members
from clb.web.models import AuditEntry
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import CHILD, page

pytestmark = pytest.mark.django_db

REFUSED = {403, 404}


def desk_routes() -> dict[str, str]:
    """name → route of every URL under /balie/, read from the resolver."""
    found = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("balie/"):
                    found[f"{namespace}{p.name}"] = route

    walk(get_resolver().url_patterns, "", "")
    return found


@pytest.fixture
def world(net, earlier):
    """Organisation A's data: a patron with a loan, a waiting hold and an open fee; another with a
    copy on A's hold shelf; a transit between A's branches; a slip in A's desk session."""
    anna = make_patron(
        net.org_a, at=earlier, first_name="Anna", last_name="Geheim", street="Verborgenlaan 7"
    )
    loaned = make_item(net.a1, make_record(title="Geleend boek"))
    circ.checkout(item_barcode=loaned.barcode, card_number=anna.card_number, branch=net.a1)
    wanted = make_record(title="Gewild boek")
    make_item(net.a2, wanted)
    hold = circ.place_hold(card_number=anna.card_number, record=wanted, pickup_branch=net.a1).hold
    kid = make_patron(net.org_a, birth_date=CHILD, first_name="Kim", last_name="Plankkind")
    shelf_item = make_item(net.a1, make_record(title="Plankboek"))
    circ.place_hold(card_number=kid.card_number, record=shelf_item.record, pickup_branch=net.a1)
    circ.checkin(item_barcode=shelf_item.barcode, branch=net.a1)
    travelling = make_item(net.a2, make_record(title="Reisboek"))
    circ.checkin(item_barcode=travelling.barcode, branch=net.a1)  # home is a2: a transit
    free = make_item(net.a1, make_record(title="Vrij boek"))
    colleague = User.objects.create_user(
        "collega-a", role=User.Role.DESK, organisation=net.org_a, branch=net.a1
    )
    return {
        "colleague": colleague,
        "patron": anna,
        "kid": kid,
        "loaned": loaned,
        "hold": hold,
        "free": free,
        "transit": Transit.objects.get(item=travelling),
        "balance": anna.balance(),
        "payment": anna.ledger_lines.get(amount__lt=0),
    }


def attack(world) -> dict[str, tuple[dict, dict]]:
    """How to aim each desk URL at organisation A's data: (URL kwargs, POST data)."""
    pk = world["patron"].pk
    return {
        "web:desk-home": ({}, {}),  # scanning a card is network lending: see its own test
        "web:desk-branch": ({}, {"branch": world["free"].home_branch_id}),
        "web:desk-search": ({}, {"q": "eheim"}),  # would find her, echoes no secret
        "web:desk-patron": ({"pk": pk}, {}),
        "web:desk-checkout": ({"pk": pk}, {"item_barcode": world["free"].barcode}),
        "web:desk-renew": ({"pk": pk}, {"item_barcode": world["loaned"].barcode}),
        "web:desk-lost": ({"pk": pk}, {"item_barcode": world["loaned"].barcode}),
        "web:desk-cancel-hold": ({"pk": pk, "hold_id": world["hold"].pk}, {}),
        "web:desk-payment": ({"pk": pk}, {"amount": "0,50", "method": "cash"}),
        "web:desk-receipt": ({"pk": pk, "line_id": world["payment"].pk}, {}),
        "web:desk-membership": ({"pk": pk}, {}),
        "web:desk-pin": ({"pk": pk}, {"pin": "9999"}),
        "web:desk-done": ({"pk": pk}, {}),
        "web:desk-checkin": ({}, {}),  # any desk takes any copy back: see its own test
        "web:desk-slip": ({"n": 1}, {}),
        "web:desk-hold-shelf": ({}, {}),
        "web:desk-expire": ({}, {}),
        "web:desk-transits": ({}, {}),
        "web:desk-sent": ({"pk": world["transit"].pk}, {}),
        "web:desk-transits-bulk": ({}, {"action": "send", "transit": world["transit"].pk}),
        "web:desk-item-lookup": ({}, {"item_barcode": world["free"].barcode}),
        "web:desk-item": ({"barcode": world["free"].barcode}, {"action": "missing"}),
        "web:desk-register": ({}, {}),
        "web:desk-audit": ({}, {}),
        "web:desk-copy-history": ({"barcode": world["loaned"].barcode}, {}),
        "web:desk-edit-patron": ({"pk": pk}, {"street": "Gestolen 1", "postcode": "3811 AB"}),
        "web:desk-staff": (
            {},
            {"username": "indringer", "role": "org_admin", "password": "x" * 12},
        ),
        "web:desk-staff-member": (
            {"pk": world["colleague"].pk},
            {"role": "org_admin", "is_active": "", "password": "overgenomen-1"},
        ),
    }


def url_for(route: str, kwargs: dict) -> str:
    path = "/" + route
    for key, value in kwargs.items():
        path = path.replace(f"<int:{key}>", str(value)).replace(f"<str:{key}>", str(value))
    assert "<" not in path, path
    return path


def secrets_of(world) -> list[str]:
    return [
        world["patron"].card_number,
        "Geheim",
        world["kid"].card_number,
        "Plankkind",
        "Geleend boek",
        "Reisboek",
        "Verborgenlaan",
    ]


def assert_untouched(world):
    assert Loan.objects.filter(item=world["loaned"], returned_at__isnull=True).get().renewals == 0
    assert Hold.objects.get(pk=world["hold"].pk).status == world["hold"].status
    assert world["patron"].balance() == world["balance"]
    assert members.verify_pin(world["patron"].card_number, "1234") == world["patron"]
    world["free"].refresh_from_db()
    assert world["free"].status == ItemStatus.AVAILABLE
    transit = Transit.objects.get(pk=world["transit"].pk)
    assert transit.sent_at is None and transit.received_at is None
    assert Hold.objects.filter(patron=world["kid"], status=HoldStatus.READY).exists()
    world["patron"].refresh_from_db()
    assert world["patron"].street == "Verborgenlaan 7"
    colleague = User.objects.get(pk=world["colleague"].pk)
    assert colleague.role == User.Role.DESK and colleague.is_active
    assert not colleague.check_password("overgenomen-1")
    assert not User.objects.filter(username="indringer").exists()


def test_every_desk_url_is_in_the_attack_table(world):
    assert set(desk_routes()) == set(attack(world)), "a new desk URL needs a scope test"


def test_staff_of_another_organisation_are_refused_everywhere(net, world, client, desk_b):
    """Organisation B's desk aims every desk URL at A's data: refused or shown nothing of it."""
    # A's own desk session holds a routing slip, a patron and audit entries.
    own = Client()
    own.force_login(
        User.objects.create_user("balie-a", role="desk", organisation=net.org_a, branch=net.a1)
    )
    own.post("/balie/", {"card_number": world["patron"].card_number})
    audit_before = AuditEntry.objects.count()

    client.force_login(desk_b)
    routes = desk_routes()
    for name, (kwargs, data) in attack(world).items():
        url = url_for(routes[name], kwargs)
        got = client.get(url, data if not kwargs else {})
        posted = client.post(url, data)
        for response in (got, posted):
            body = page(response) if response.status_code not in (301, 302) else ""
            for secret in secrets_of(world):
                assert secret not in body, (name, response.status_code, secret)
        if kwargs:
            assert got.status_code in REFUSED | {405}, (name, got.status_code)
            assert posted.status_code in REFUSED | {405}, (name, posted.status_code)
            assert REFUSED & {got.status_code, posted.status_code}, name
    assert_untouched(world)
    assert not AuditEntry.objects.filter(user=desk_b, patron__isnull=False).exists()
    assert AuditEntry.objects.filter(user=desk_b).count() == 1  # the (empty) member search
    assert AuditEntry.objects.count() == audit_before + 1


def test_the_same_urls_work_for_the_own_organisation(net, world, client, admin_a):
    """The control: A's desk reaches every one of those URLs, so the refusals above are scope."""
    client.force_login(admin_a)
    client.post("/balie/innemen/", {"item_barcode": make_item(net.a1).barcode})  # slip no. 1
    routes = desk_routes()
    for name, (kwargs, data) in attack(world).items():
        url = url_for(routes[name], kwargs)
        if name in (
            "web:desk-done",
            "web:desk-cancel-hold",
            "web:desk-lost",
            "web:desk-expire",
            "web:desk-sent",
            "web:desk-branch",
        ):
            continue  # changing actions, exercised in their own tests
        response = client.get(url, data if not kwargs else {})
        assert response.status_code in (200, 302, 405), (name, response.status_code)
        if response.status_code == 405:
            response = client.post(url, data)
            assert response.status_code in (200, 302, 422), (name, response.status_code)
    response = client.get(url_for(routes["web:desk-patron"], {"pk": world["patron"].pk}))
    assert "Geheim" in page(response) and "Geleend boek" in page(response)
    response = client.get(url_for(routes["web:desk-hold-shelf"], {}))
    assert "Plankkind" in page(response)
    assert "Geheim" in page(client.get(url_for(routes["web:desk-search"], {}), {"q": "eheim"}))


def test_scanning_the_card_opens_a_patron_of_another_organisation_for_this_transaction(
    net, world, client, desk_b
):
    anna = world["patron"]
    client.force_login(desk_b)
    assert client.get(f"/balie/lener/{anna.pk}/").status_code == 404
    response = client.post("/balie/", {"card_number": anna.card_number})
    assert response.url == f"/balie/lener/{anna.pk}/"
    html = page(client.get(response.url))
    assert "netwerkpas" in html and "1 uitlening bij een andere bibliotheek" in html
    assert "Verborgenlaan" not in html  # her address stays with her own organisation
    assert "Geleend boek" not in html  # and so does what she reads there
    entry = AuditEntry.objects.get(user=desk_b, patron=anna)
    assert entry.network_access and entry.organisation == net.org_b
    # She borrows here, under B's rules, and B takes nothing from A's ledger.
    item_b = make_item(net.b1)
    client.post(f"/balie/lener/{anna.pk}/uitlenen/", {"item_barcode": item_b.barcode})
    assert Loan.objects.get(item=item_b).organisation == net.org_b
    response = client.post(f"/balie/lener/{anna.pk}/betalen/", {"amount": "0,50"})
    assert response.status_code == 422 and anna.balance(net.org_a) == Decimal("0.50")
    # Her loan from A can only be reported lost by A, whose ledger carries the replacement.
    response = client.post(
        f"/balie/lener/{anna.pk}/verloren/", {"item_barcode": world["loaned"].barcode}
    )
    assert response.status_code == 404
    assert Loan.objects.filter(item=world["loaned"], returned_at__isnull=True).exists()
    # When the desk is done with her, the door closes again.
    client.post(f"/balie/lener/{anna.pk}/klaar/")
    assert client.get(f"/balie/lener/{anna.pk}/").status_code == 404
    # Scanning another card also ends her transaction.
    client.post("/balie/", {"card_number": anna.card_number})
    client.post("/balie/", {"card_number": make_patron(net.org_b, postcode="3811 AB").card_number})
    assert client.get(f"/balie/lener/{anna.pk}/").status_code == 404


# A card scanned at a foreign desk opens its holder for lending and returning only (issue 12 item
# 1): these patron pages serve that (each still limited to this organisation's loans and ledger);
# every other patron page refuses. A new patron page must be placed in one of the two.
NETWORK_LENDING = {
    "web:desk-patron",
    "web:desk-checkout",
    "web:desk-renew",  # loans lent here only
    "web:desk-lost",  # loans lent here only
    "web:desk-payment",  # onto this organisation's ledger only; no write-off
    "web:desk-receipt",  # of this organisation's ledger only
    "web:desk-done",
}
NETWORK_REFUSED = {
    "web:desk-pin",
    "web:desk-edit-patron",
    "web:desk-membership",
    "web:desk-cancel-hold",
}


def test_network_access_reaches_the_lending_pages_only(net, world, client, desk_b):
    """B's desk scans A's member's card, then aims every patron page at her: the pages that are
    not for lending refuse with the reason (403), on GET and POST; the lending pages answer but
    touch none of A's loans, holds, ledger or data."""
    patron_routes = {
        name for name, route in desk_routes().items() if route.startswith("balie/lener/<int:pk>/")
    }
    assert patron_routes == NETWORK_LENDING | NETWORK_REFUSED, "place a new patron page"
    client.force_login(desk_b)
    routes = desk_routes()
    for name, (kwargs, data) in attack(world).items():
        if name not in patron_routes:
            continue
        client.post("/balie/", {"card_number": world["patron"].card_number})
        url = url_for(routes[name], kwargs)
        got, posted = client.get(url), client.post(url, data)
        if name in NETWORK_REFUSED:
            for response in (got, posted):
                assert response.status_code == 403, (name, response.status_code)
                assert "alleen lenen en inleveren" in page(response), name
        else:
            for response in (got, posted):
                assert response.status_code != 403, (name, response.status_code)
                body = page(response) if response.status_code not in (301, 302) else ""
                for secret in ("Verborgenlaan", "Geleend boek", world["kid"].card_number):
                    assert secret not in body, (name, secret)
    assert_untouched(world)
    # Every one of those actions is in the home organisation's log, marked as network access.
    assert AuditEntry.objects.filter(user=desk_b, network_access=True).exists()
    assert not AuditEntry.objects.filter(user=desk_b, network_access=False, patron__isnull=False)


def test_an_idle_desk_transaction_closes(net, world, client, desk_b):
    from datetime import timedelta

    from django.utils import timezone

    anna = world["patron"]
    client.force_login(desk_b)
    client.post("/balie/", {"card_number": anna.card_number})
    session = client.session
    state = session["clb_desk"]
    state["touched"] = (timezone.now() - timedelta(minutes=21)).isoformat()
    session["clb_desk"] = state
    session.save()
    assert client.get(f"/balie/lener/{anna.pk}/").status_code == 404


def test_any_desk_takes_any_copy_back(net, world, client, desk_b):
    client.force_login(desk_b)
    response = client.post("/balie/innemen/", {"item_barcode": world["loaned"].barcode})
    assert response.status_code == 302
    assert "Transport → Centrale Bibliotheek" in page(client.get("/balie/innemen/"))
    assert "Geheim" not in page(client.get("/balie/innemen/"))


def test_who_may_use_the_desk_at_all(net, world, client):
    anonymous = client.get("/balie/innemen/")
    assert anonymous.status_code == 302
    assert anonymous.url == "/accounts/login/?next=/balie/innemen/"
    posted = client.post(f"/balie/lener/{world['patron'].pk}/uitlenen/", {"item_barcode": "x"})
    assert posted.url == "/accounts/login/?next=/balie/"  # an action is not replayed after login
    for role in (User.Role.COCKPIT, User.Role.CATALOGUER):
        user = User.objects.create_user(
            f"u-{role}", role=role, organisation=net.org_a, branch=net.a1
        )
        client.force_login(user)
        routes = desk_routes()
        for name, (kwargs, data) in attack(world).items():
            url = url_for(routes[name], kwargs)
            assert client.get(url).status_code == 403, (role, name)
            assert client.post(url, data).status_code == 403, (role, name)
    assert_untouched(world)


def test_every_desk_form_needs_its_csrf_token(net, world, desk_a):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(desk_a)
    routes = desk_routes()
    for name, (kwargs, data) in attack(world).items():
        response = strict.post(url_for(routes[name], kwargs), data)
        assert response.status_code == 403, name
    assert_untouched(world)


def test_staff_login_lands_on_the_page_of_the_role(net, client):
    for username, role, landing in (
        ("balie-x", User.Role.DESK, "/balie/"),
        ("kb-x", User.Role.COCKPIT, "/cockpit/"),
    ):
        User.objects.create_user(
            username, password="lang-genoeg-1", role=role, organisation=net.org_a, branch=net.a1
        )
        form = page(client.get("/accounts/login/"))
        assert 'name="next" value="/medewerkers/verder/"' in form
        response = client.post(
            "/accounts/login/",
            {"username": username, "password": "lang-genoeg-1", "next": "/medewerkers/verder/"},
        )
        assert response.url == "/medewerkers/verder/"
        assert client.get(response.url).url == landing, username
        client.post("/accounts/logout/", {"next": "/accounts/login/"})
    wrong = client.post("/accounts/login/", {"username": "balie-x", "password": "fout"})
    assert "Gebruikersnaam of wachtwoord klopt niet" in page(wrong)
