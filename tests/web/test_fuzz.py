"""Fuzzing every page: any value in any query or form parameter, and in the URL's own parts, never
gives HTTP 500.

The pages come from the URL resolver (as the desk isolation test walks it), so a new page is
fuzzed without anyone listing it. Which parameters a page reads is learnt by watching it: every
key a view or its form looks up in request.GET or request.POST is recorded, first with nothing
sent, then with every learnt key set, until nothing new turns up. Hypothesis then sends those keys
(and the URL's parts) with values chosen to break parsers: huge and negative numbers, digits that
are not ASCII, NUL characters, long text, dates that do not exist, ids of real rows. Each request
runs as one of five people: a visitor, a logged-in member, an organisation administrator at a
desk, a national administrator, and another organisation's desk that scanned the member's card.

The Django admin is not walked (Django's own pages); the desk's fixed attack table lives in
test_scope.py. Examples per page: CLB_FUZZ_EXAMPLES (default 3, which keeps the run near a
minute on CI); CLB_FUZZ_RANDOM=1 draws new inputs on every run instead of the fixed ones."""

import os
import re
from dataclasses import dataclass

import pytest
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.urls.resolvers import RegexPattern
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clb.accounts.models import User
from clb.circulation import services as circ
from clb.services import services as registration
from clb.web import members_session
from tests.factories import make_item, make_patron, make_record
from tests.web.conftest import desk_user

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("CLB_FUZZ_EXAMPLES", "3"))
RANDOM = os.environ.get("CLB_FUZZ_RANDOM") == "1"
SKIPPED_PREFIXES = ("admin/",)
SEED = "fuzz"


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, for reverse()
    route: str
    parts: dict  # URL keyword → regex its value must match


def all_routes() -> list[Route]:
    found = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                route = prefix + str(p.pattern)
                if route.startswith(SKIPPED_PREFIXES):
                    continue
                found.append(Route(f"{namespace}{p.name}", route, _parts(p.pattern)))

    walk(get_resolver().url_patterns, "", "")
    return found


def _parts(pattern) -> dict:
    if isinstance(pattern, RegexPattern):
        return dict(re.findall(r"\(\?P<(\w+)>([^)]*)\)", str(pattern)))
    return {name: conv.regex for name, conv in pattern.converters.items()}


ROUTES = all_routes()
GROUPS = sorted({r.route.split("/")[0] for r in ROUTES})


# --- the people -----------------------------------------------------------------------------------


@pytest.fixture
def world(net, earlier):
    """Rows for the URLs to name: a patron with a loan, a hold and a fee, a transit, IDO contacts
    and an activity, a saved cost-model scenario is left to the fuzzing itself."""
    anna = make_patron(net.org_a, at=earlier, first_name="Anna", last_name="Fuzz")
    loaned = make_item(net.a1, make_record(title="Geleend"))
    circ.checkout(item_barcode=loaned.barcode, card_number=anna.card_number, branch=net.a1)
    wanted = make_record(title="Gewild")
    make_item(net.a2, wanted)
    hold = circ.place_hold(card_number=anna.card_number, record=wanted, pickup_branch=net.a1).hold
    travelling = make_item(net.a2, make_record(title="Reisboek"))
    circ.checkin(item_barcode=travelling.barcode, branch=net.a1)
    registration.register_quick_contact("12", branch=net.a1)
    national = User.objects.create_user(
        "landelijk", role=User.Role.NATIONAL_ADMIN, is_superuser=True, branch=net.a1
    )
    admin = desk_user("beheer-fuzz", net.a1, role=User.Role.ORG_ADMIN)
    foreign = desk_user("balie-elders", net.b1)
    lines = list(anna.ledger_lines.values_list("pk", flat=True))  # receipts
    return {
        "patron": anna,
        "users": {"national": national, "org_admin": admin, "network": foreign},
        "ids": sorted(
            {anna.pk, hold.pk, wanted.pk, loaned.pk, travelling.pk, net.org_a.pk, net.a1.pk, 1}
            | {admin.pk, *lines}
        ),
        "words": [
            anna.card_number,
            loaned.barcode,
            net.org_a.code,
            net.a1.code,
            net.gm_a.code,
            "NL",
            "PV26",
            f"ORG:{net.org_a.code}",
            "2026-H1",
            "2026",
            "csv",
            "xlsx",
            "pdf",
            "komma",
        ],
    }


# "network": another organisation's desk that scanned the patron's card (network access: lending
# and returning only, every other patron page refuses).
IDENTITIES = ("visitor", "member", "org_admin", "national", "network")


def client_as(identity: str, world) -> Client:
    client = Client()
    if identity == "member":
        request = RequestFactory().get("/")
        request.session = client.session
        members_session.log_in(request, world["patron"])
        request.session.save()
        client.cookies["sessionid"] = request.session.session_key
    elif identity != "visitor":
        client.force_login(world["users"][identity])
    if identity == "network":
        client.post("/balie/", {"card_number": world["patron"].card_number})
    return client


# --- which parameters a page reads ----------------------------------------------------------------


class Recorder:
    """Records every key looked up in a QueryDict (request.GET, request.POST) while active; the
    URL resolver's own MultiValueDicts are not QueryDicts and stay out of it."""

    def __init__(self, monkeypatch):
        self.keys: set[str] = set()
        for method in ("get", "getlist", "__getitem__", "__contains__"):
            original = getattr(MultiValueDict, method)
            monkeypatch.setattr(MultiValueDict, method, self._wrap(original))

    def _wrap(self, original):
        keys = self.keys

        def recording(store, key, *args, **kwargs):
            if isinstance(store, QueryDict) and isinstance(key, str):
                keys.add(key)
            return original(store, key, *args, **kwargs)

        return recording


def url_of(route: Route, world) -> str | None:
    values = {name: str(world["ids"][0]) for name in route.parts}
    for name, regex in route.parts.items():
        if not re.fullmatch(regex, values[name]):
            values[name] = "csv" if re.fullmatch(regex, "csv") else "x"
    try:
        return reverse(route.name, kwargs=values)
    except NoReverseMatch:
        return None


def learn_parameters(routes, world, monkeypatch) -> dict[str, list[str]]:
    recorder = Recorder(monkeypatch)
    learnt = {}
    for route in routes:
        url = url_of(route, world)
        known: set[str] = set()
        for _round in range(3):
            recorder.keys.clear()
            # A key of our own, so that a form bound to request.POST "or None" is bound.
            data = {**dict.fromkeys(sorted(known), "1"), SEED: "1"}
            # Fresh logins each time: a logout page met along the way logs a client out.
            for client in [client_as(identity, world) for identity in IDENTITIES]:
                client.get(url, data)
                client.post(url, data)
            new = {k for k in recorder.keys if k != SEED and not k.startswith("csrf")} - known
            if not new:
                break
            known |= new
        learnt[route.name] = sorted(known)
    monkeypatch.undo()
    return learnt


# --- values that break parsers --------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "007",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "-99999999999999999999",
    "1e309",
    "nan",
    "inf",
    "1.5",
    "1,5",
    "²",
    "١٢٣",
    "\x00",
    "a\x00b",
    "0" * 40,
    "x" * 3000,
    "2026-13-45",
    "31-02-2026",
    "9999-12-31",
    "0001-01-01",
    "99999",
    "%",
    "'\"<>",
    "../../etc/passwd",
    "GM0000",
    "PV99",
    "ORG:nope",
    "2026-H3",
    "🙂",
]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def values(world):
    return st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(world["words"]),
        st.sampled_from([str(i) for i in world["ids"]]),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        TEXT,
    )


def url_part(regex: str, world):
    candidates = [str(i) for i in world["ids"]] + world["words"] + NASTY
    fitting = [c for c in candidates if c and re.fullmatch(regex, c)]
    generated = st.from_regex(regex, fullmatch=True).filter(lambda v: "/" not in v)
    return st.one_of(st.sampled_from(fitting), generated) if fitting else generated


# --- the fuzzing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("group", GROUPS)
def test_no_input_gives_a_server_error(group, world, monkeypatch):
    routes = [r for r in ROUTES if r.route.split("/")[0] == group]
    learnt = learn_parameters(routes, world, monkeypatch)
    everywhere = sorted({name for names in learnt.values() for name in names} | {SEED})
    clients = {}

    @settings(
        max_examples=EXAMPLES * len(routes) * 2,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def fuzz(data):
        route = data.draw(st.sampled_from(routes), label="route")
        parts = {
            name: data.draw(url_part(rx, world), label=name) for name, rx in route.parts.items()
        }
        try:
            url = reverse(route.name, kwargs=parts)
        except NoReverseMatch:
            assume(False)
        # The page's own keys, and now and then one another page reads (a key a page only
        # reads once an earlier one was right is learnt from its neighbours).
        keys = st.sampled_from(learnt[route.name] or everywhere)
        keys = st.one_of(keys, keys, st.sampled_from(everywhere))
        params = data.draw(st.dictionaries(keys, values(world), max_size=8), label="params")
        identity = data.draw(st.sampled_from(IDENTITIES), label="as")
        method = data.draw(st.sampled_from(["get", "post"]), label="method")
        client = clients.get(identity) or clients.setdefault(identity, client_as(identity, world))
        response = getattr(client, method)(url, params)  # an exception here is the 500
        assert response.status_code < 500, (method, url, params, response.status_code)
        if response.status_code in (301, 302) and identity != "visitor":
            clients.pop(identity)  # a logout or a redirect away: log in again next time

    fuzz()


def test_every_page_is_fuzzed():
    """The resolver's pages are all in a group, and the groups cover the site's sections."""
    assert {r.route.split("/")[0] for r in ROUTES} == set(GROUPS)
    assert {"balie", "mijn", "cockpit", "registratie", "zoeken", "accounts"} <= set(GROUPS)
    assert len(ROUTES) >= 60
