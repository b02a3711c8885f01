"""No developer words on pages (issue 11, item 10): model class names and `Model.field` never
reach a page, and what the admin shows staff — names of tables, columns, fields and sections —
is said in Dutch, not derived from code."""

import re

import pytest
from django.apps import apps
from django.contrib import admin

from clb.accounts.models import User
from tests.web.conftest import page

pytestmark = pytest.mark.django_db

OURS = {
    "accounts",
    "network",
    "catalogue",
    "members",
    "circulation",
    "cockpit",
    "selfservice",
    "services",
    "costmodel",
    "exchange",
    "web",
}


# Model names that are Dutch words as well ("Scenario" is what the cost-model page offers).
DUTCH_TOO = {"Scenario"}


def our_models():
    return [m for m in apps.get_models() if m._meta.app_label in OURS]


def code_words(text: str) -> list[str]:
    """Model class names as words (CirculationEvent, Branch) and Model.field references."""
    names = {m.__name__ for m in our_models()} - DUTCH_TOO
    found = re.findall(r"\b[A-Z][A-Za-z]+\.[a-z][a-z0-9_]+\b", text)
    found += [w for w in re.findall(r"\b[A-Z][A-Za-z]+\b", text) if w in names]
    return found


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_cost_model_page_names_its_sources_in_words(client, net):
    national = User.objects.create_user("kb", role=User.Role.COCKPIT, region_code="NL")
    client.force_login(national)
    html = page(client.get("/cockpit/kostenmodel/bouwstenen/"))
    assert "bemande uren" in html
    assert code_words(visible_text(html)) == []


def test_admin_names_every_table_and_field_in_dutch():
    registered = [m for m in admin.site._registry if m._meta.app_label in OURS]
    assert registered
    unnamed = []
    for model in registered:
        meta = model._meta
        if "verbose_name" not in meta.original_attrs:
            unnamed.append(meta.label)
        for field in meta.concrete_fields:
            if field.name != "id" and field._verbose_name is None:
                unnamed.append(f"{meta.label}.{field.name}")
        for field in meta.many_to_many:
            if field._verbose_name is None:
                unnamed.append(f"{meta.label}.{field.name}")
    assert unnamed == []


def test_admin_sections_have_dutch_names():
    for label in OURS:
        config = apps.get_app_config(label)
        assert str(config.verbose_name) not in (label, "Accounts"), label


def test_the_admin_index_shows_no_code_words(client, net):
    client.force_login(User.objects.create_superuser("root", password="x" * 12))
    html = visible_text(page(client.get("/admin/")))
    assert code_words(html) == []
    for path in ("/admin/circulation/loan/", "/admin/catalogue/item/", "/admin/members/patron/"):
        text = visible_text(page(client.get(path)))
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", text.split("Filter")[0]), path
