"""The registration pages in English: Dutch by default, English after switching language."""

import re

import pytest
from django.test import Client
from django.utils import translation

from clb.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _dutch_afterwards():
    """The language middleware leaves English active in this thread; later tests expect Dutch."""
    yield
    translation.deactivate()


def test_the_registration_pages_switch_to_english(net):
    client = Client()
    client.force_login(
        User.objects.create_user(
            "balie", password="x", role="desk", organisation=net.org_a, branch=net.a1
        )
    )
    assert "<h1>IDO-contact registreren</h1>" in client.get("/registratie/ido/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/registratie/ido/"})
    page = client.get("/registratie/ido/").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Register an IDO contact</h1>" in page
    assert re.search(r'<label for="id_quick">Quick code</label>', page)
    assert "0 contacts registered today." in page
    assert (
        "<h1>Staff and volunteers per year</h1>"
        in client.get("/registratie/personeel/").content.decode()
    )
    activities = client.get("/registratie/activiteiten/").content.decode()
    assert "<h1>Register an activity or course</h1>" in activities
