"""Shared pieces of the page tests. The pages run on the real clock (a desk works "now"), so
patrons and history are made relative to now, in the past, through the services."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from clb.accounts.models import User
from tests.factories import make_item, make_patron, make_record

ADULT = date(1980, 5, 17)
CHILD = date.today().replace(year=date.today().year - 9, month=3, day=1)


@pytest.fixture
def earlier():
    """A moment safely in the past for setting up history through the services."""
    return timezone.now() - timedelta(days=40)


def desk_user(username, branch, role=User.Role.DESK):
    return User.objects.create_user(
        username,
        password="geheim-wachtwoord",
        role=role,
        organisation=branch.organisation,
        branch=branch,
    )


@pytest.fixture
def desk_a(net):
    return desk_user("balie-a", net.a1)


@pytest.fixture
def desk_b(net):
    return desk_user("balie-b", net.b1)


@pytest.fixture
def admin_a(net):
    return desk_user("beheer-a", net.a1, role=User.Role.ORG_ADMIN)


@pytest.fixture
def desk(client, desk_a):
    """A client logged in at the desk of org A's main branch."""
    client.force_login(desk_a)
    return client


@pytest.fixture
def patron_a(net, earlier):
    return make_patron(net.org_a, at=earlier, first_name="Anna", last_name="Utrechts")


@pytest.fixture
def patron_b(net, earlier):
    return make_patron(
        net.org_b, at=earlier, first_name="Bram", last_name="Amersfoorts", postcode="3811 AB"
    )


@pytest.fixture
def books(net):
    """Three copies of three titles at org A's main branch."""
    titles = ["De avonden", "Max Havelaar", "Het achterhuis"]
    return [make_item(net.a1, make_record(title=t)) for t in titles]


def page(response) -> str:
    return response.content.decode()


def eur(amount: str) -> str:
    """Money as the pages show it in Dutch: € 2,50 with a no-break space."""
    return f"€\u00a0{amount}"
