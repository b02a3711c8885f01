"""A small cost model with round numbers (so scenarios can be computed by hand), and two
municipalities whose settlement pattern is known: a small one with three villages far apart and
one library, and a large compact city without one."""

import copy
from datetime import date

import pytest

from clb.costmodel import definitions, loader, schema
from clb.network.models import Branch, Municipality, Organisation, PostcodeArea, Province


def p(value, unit="", *, name="x", estimate=False, minimum=0, maximum=None):
    out = {
        "name": name,
        "group": "test",
        "value": value,
        "unit": unit,
        "year": 2025,
        "estimate": estimate,
        "source": "Schatting: testwaarde" if estimate else "testbron",
        "min": minimum,
    }
    if maximum is not None:
        out["max"] = maximum
    return out


def code_variables() -> dict:
    out = {}
    for kind, names in definitions.CODE_KINDS.items():
        for name in names:
            out[name] = {"kind": kind, "name": name, "source": "CLB"}
    return out


TEST_MODEL = {
    "format": 1,
    "version": "2099.1",
    "title": "testmodel",
    "parameters": {
        "uurkosten_personeel": p(50, "€/uur"),
        "weken_per_jaar": p(50, "weken", minimum=1, maximum=53),
        "huisvesting_per_m2": p(100, "€/m²"),
        "m2_per_vestiging": p(200, "m²"),
        "m2_per_inwoner": p(0.01, "m²"),
        "uren_per_week_basis": p(20, "uur", name="bemande uren basis", maximum=168),
        "uren_per_week_ruim": p(40, "uur", maximum=168),
        "collectie_per_inwoner": p(1, "exemplaren"),
        "vervangingsgraad": p(0.1, "aandeel", maximum=1),
        "prijs_boek": p(20, "€"),
        "omloopsnelheid": p(3, "uitleningen/exemplaar"),
        "ido_uren_per_week": p(4, "uur", maximum=168),
        "ido_uitkering_per_inwoner": p(1, "€"),
        "bus_per_halte": p(1000, "€", estimate=True),
        "bereik_km": p(5, "km", minimum=0.5),
        "inwoners_per_vestiging": p(20000, "inwoners", minimum=1000),
        "drempel_inwoners_servicepunt": p(2000, "inwoners"),
        "drempel_inwoners_bushalte": p(500, "inwoners"),
        "subsidie_per_inwoner": p(25, "€"),
        "lasten_per_inwoner": p(35, "€"),
        "spuk_nieuwe_vestiging": p(400000, "€"),
        "spuk_min_extra_uren": p(10, "uur"),
        "spuk_dekking": p(0.8, "aandeel", maximum=1),
    },
    "variables": {
        **code_variables(),
        "vestigingen": {"kind": "scenario", "name": "vestigingen", "default": []},
        "uren_per_week": {"kind": "scenario", "name": "uren per week", "default": []},
        "buiten_bereik": {"kind": "scenario", "name": "buiten bereik", "default": [["1"]]},
        "collectie": {"kind": "scenario", "name": "collectie", "default": []},
        "haltes": {"kind": "scenario", "name": "haltes", "default": []},
    },
    "indicators": {
        "vestigingen": {"name": "vestigingen", "unit": "vestigingen"},
        "bemande_uren_week": {"name": "bemande uren per week", "unit": "uur"},
        "uitleningen": {
            "name": "uitleningen per jaar",
            "unit": "uitleningen",
            "people": True,
            "cockpit": {"formula": "loans / period_years / inhabitants", "scale": "inwoners"},
        },
        "ido_contacten": {"name": "IDO-contacten", "unit": "contacten", "people": True},
    },
    "blocks": [
        {
            "code": "vestigingen",
            "name": "Vestigingen",
            "function": "Wsob",
            "priority": 1,
            "active_if": "vestigingen",
            "drivers": [
                {
                    "label": "huisvesting",
                    "kind": "ruimte",
                    "unit": "m²",
                    "quantity": [
                        ["vestigingen", "m2_per_vestiging"],
                        ["inwoners", "m2_per_inwoner"],
                    ],
                    "price": ["huisvesting_per_m2"],
                }
            ],
            "yields": [{"indicator": "vestigingen", "quantity": [["vestigingen"]]}],
            "levels": [
                {"code": "geen", "name": "geen", "tier": 0, "off": True},
                {
                    "code": "huidig",
                    "name": "zoals nu",
                    "current": True,
                    "sets": {"vestigingen": [["vestigingen_nu"]]},
                },
                {
                    "code": "minimaal",
                    "name": "één per gemeente",
                    "tier": 1,
                    "sets": {"vestigingen": [["gemeenten"]]},
                },
                {
                    "code": "bereik",
                    "name": "iedereen binnen bereik",
                    "tier": 2,
                    "sets": {"vestigingen": [["vestigingen_nodig"]], "buiten_bereik": []},
                },
            ],
        },
        {
            "code": "openingsuren",
            "name": "Openingsuren",
            "function": "Wsob",
            "priority": 2,
            "active_if": "vestigingen",
            "drivers": [
                {
                    "label": "bemande uren",
                    "kind": "personeel",
                    "unit": "uur",
                    "quantity": [["vestigingen", "uren_per_week", "weken_per_jaar"]],
                    "price": ["uurkosten_personeel"],
                }
            ],
            "yields": [
                {"indicator": "bemande_uren_week", "quantity": [["vestigingen", "uren_per_week"]]}
            ],
            "levels": [
                {
                    "code": "huidig",
                    "name": "zoals nu",
                    "current": True,
                    "sets": {"uren_per_week": [["bemande_uren_vestigingen_nu", "/vestigingen_nu"]]},
                },
                {
                    "code": "basis",
                    "name": "20 uur",
                    "tier": 1,
                    "sets": {"uren_per_week": [["uren_per_week_basis"]]},
                },
                {
                    "code": "ruim",
                    "name": "40 uur",
                    "tier": 2,
                    "sets": {"uren_per_week": [["uren_per_week_ruim"]]},
                },
            ],
        },
        {
            "code": "collectie",
            "name": "Collectie",
            "function": "Wsob",
            "priority": 3,
            "drivers": [
                {
                    "label": "aanschaf",
                    "kind": "collectie",
                    "unit": "exemplaren",
                    "quantity": [["collectie", "vervangingsgraad"]],
                    "price": ["prijs_boek"],
                }
            ],
            "yields": [{"indicator": "uitleningen", "quantity": [["collectie", "omloopsnelheid"]]}],
            "levels": [
                {
                    "code": "huidig",
                    "name": "zoals nu",
                    "current": True,
                    "sets": {"collectie": [["collectie_nu"]]},
                    "yields": [{"indicator": "uitleningen", "quantity": [["uitleningen_12m"]]}],
                },
                {
                    "code": "basis",
                    "name": "één per inwoner",
                    "tier": 1,
                    "sets": {"collectie": [["inwoners", "collectie_per_inwoner"]]},
                },
            ],
        },
        {
            "code": "ido",
            "name": "IDO",
            "function": "convenant",
            "priority": 4,
            "active_if": "vestigingen",
            "drivers": [
                {
                    "label": "uitkering",
                    "kind": "inkomsten",
                    "unit": "inwoners",
                    "quantity": [["inwoners"]],
                    "price": ["ido_uitkering_per_inwoner"],
                }
            ],
            "levels": [
                {"code": "geen", "name": "geen", "tier": 0, "off": True},
                {
                    "code": "huidig",
                    "name": "zoals nu",
                    "current": True,
                    "yields": [{"indicator": "ido_contacten", "quantity": [["ido_contacten_12m"]]}],
                },
                {
                    "code": "basis",
                    "name": "4 uur per vestiging",
                    "tier": 1,
                    "drivers": [
                        {
                            "label": "spreekuren",
                            "kind": "personeel",
                            "unit": "uur",
                            "quantity": [["vestigingen", "ido_uren_per_week", "weken_per_jaar"]],
                            "price": ["uurkosten_personeel"],
                        }
                    ],
                },
            ],
        },
        {
            "code": "bibliobus",
            "name": "Bibliobus",
            "function": "convenant",
            "priority": 5,
            "levels": [
                {"code": "geen", "name": "geen", "tier": 0, "off": True},
                {
                    "code": "basis",
                    "name": "halte in elke kleine kern buiten bereik",
                    "tier": 1,
                    "sets": {"haltes": [["kernen_bushalte", "buiten_bereik"]]},
                    "drivers": [
                        {
                            "label": "bus",
                            "kind": "vast",
                            "unit": "haltes",
                            "quantity": [["haltes"]],
                            "price": ["bus_per_halte"],
                        }
                    ],
                },
            ],
        },
    ],
    "one_off": [
        {
            "label": "nieuwe vestigingen",
            "unit": "vestigingen",
            "quantity": [["vestigingen_nieuw"]],
            "price": ["spuk_nieuwe_vestiging"],
        }
    ],
    "size_classes": {
        "source": "test",
        "classes": [
            {"min": 0, "max": 20000, "name": "klein"},
            {"min": 20000, "max": None, "name": "groot"},
        ],
    },
    "rules": {
        "onderdrukken_onder": {"value": 10, "unit": "", "year": 2026, "source": "test"},
        "live_dagen": {"value": 365, "unit": "dagen", "year": 2026, "source": "test"},
        "volledig_vanaf": {"value": 0.5, "unit": "aandeel", "year": 2026, "source": "test"},
        "gevoeligheid_marge": {"value": 0.2, "unit": "aandeel", "year": 2026, "source": "test"},
    },
    "presets": {
        "basis": {
            "name": "basis",
            "description": "iedereen binnen bereik, 20 uur, collectie",
            "levels": {"vestigingen": "bereik", "openingsuren": "basis", "collectie": "basis",
                       "ido": "geen", "bibliobus": "geen"},
        },
        "ambitie": {
            "name": "ambitie",
            "description": "basis met IDO en 40 uur",
            "levels": {"vestigingen": "bereik", "openingsuren": "ruim", "collectie": "basis",
                       "ido": "basis", "bibliobus": "geen"},
        },
        "huidig": {
            "name": "zoals nu",
            "description": "wat het gebied nu heeft",
            "levels": {"vestigingen": ["huidig", "geen"], "openingsuren": ["huidig", "basis"],
                       "collectie": ["huidig", "basis"], "ido": ["huidig", "geen"],
                       "bibliobus": "geen"},
        },
    },
}  # fmt: skip


@pytest.fixture
def test_document():
    return copy.deepcopy(TEST_MODEL)


@pytest.fixture
def test_model(db):
    """The test model installed as a version (not the one in use); pass version="2099.1"."""
    return loader.install(schema.parse(copy.deepcopy(TEST_MODEL)), activate=False)


@pytest.fixture
def towns(db):
    """Kleindorp: 8,000 inhabitants in three villages about 11–14 km apart (6,000 / 1,500 / 500),
    one open vestiging (30 h) in the largest. Grootstad: 250,000 inhabitants in four PC4 areas
    within 1.5 km of each other, no library location."""
    province = Province.objects.create(code="PV99", name="Testprovincie")
    small = Municipality.objects.create(
        code="GM9001", name="Kleindorp", province=province, inhabitants=8000,
        inhabitants_0_17=1600, area_km2=40, reference_date=date(2024, 1, 1),
    )  # fmt: skip
    large = Municipality.objects.create(
        code="GM9002", name="Grootstad", province=province, inhabitants=250000,
        inhabitants_0_17=45000, area_km2=60, reference_date=date(2024, 1, 1),
    )  # fmt: skip
    for pc4, lat, lon, n, m in [
        ("9001", 52.00, 5.00, 6000, small),
        ("9002", 52.00, 5.20, 1500, small),  # ~13.7 km east
        ("9003", 52.10, 5.00, 500, small),  # ~11.1 km north
        ("9101", 52.30, 4.90, 100000, large),
        ("9102", 52.31, 4.90, 50000, large),
        ("9103", 52.29, 4.90, 50000, large),
        ("9104", 52.30, 4.92, 50000, large),
    ]:
        PostcodeArea.objects.create(pc4=pc4, lat=lat, lon=lon, inhabitants=n, municipality=m)
    org = Organisation.objects.create(code="bibliotheek-kleindorp", name="Bibliotheek Kleindorp")
    org.municipalities.add(small)
    Branch.objects.create(
        organisation=org, code="kd-centrum", name="Kleindorp Centrum", staffed_hours_week=30,
        municipality=small, lat=52.0, lon=5.0,
    )  # fmt: skip
    return small, large
