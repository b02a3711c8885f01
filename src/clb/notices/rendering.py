"""Turning a notice into its message: the template (organisation's, national, or shipped), the
context (only what is still true), and a template language without code.

Templates are Django templates on an engine of their own: no {% load %} of tag libraries (none
are registered), no {% include %} or {% extends %} (the loader tags are left out), no
{% debug %}; the context holds plain strings and numbers only, never model objects, so a
template cannot call into CLB. The HTML part is rendered with autoescape, the text part without
(plain text has no markup to inject)."""

import functools
from dataclasses import dataclass

from django.db.models import Q
from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.utils import translation
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from clb import formatting

from .models import Kind, NoticeTemplate
from .texts import DEFAULTS

ENGINE = Engine(
    dirs=[],
    app_dirs=False,
    autoescape=True,
    libraries={},
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
)


class TemplateError(ValueError):
    """A template that does not compile or render, with the reason in Dutch."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


@functools.lru_cache(maxsize=256)  # a run renders thousands of notices from a few templates
def compile_template(source: str, field: str):
    try:
        template = ENGINE.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(_("%(field)s: %(error)s") % {"field": field, "error": exc}) from None
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise TemplateError(_("%(field)s: {%% debug %%} is niet toegestaan.") % {"field": field})
    return template


def template_for(organisation_id, kind: str, language: str) -> tuple[str, str]:
    rows = NoticeTemplate.objects.filter(kind=kind, language=language).filter(
        Q(organisation_id=organisation_id) | Q(organisation__isnull=True)
    )
    row = max(rows, key=lambda r: r.organisation_id is not None, default=None)
    if row is not None:
        return row.subject, row.body
    return DEFAULTS.get((kind, language)) or DEFAULTS[(kind, "nl")]


def render(subject: str, body: str, context: dict, language: str) -> Message:
    subject_template = compile_template(subject, str(_("onderwerp")))
    body_template = compile_template(body, str(_("tekst")))
    with translation.override(language):
        try:
            line = subject_template.render(Context(context, autoescape=False))
            text = body_template.render(Context(context, autoescape=False))
            html = body_template.render(Context(context, autoescape=True))
        except Exception as exc:  # a template's own mistake, reported as such
            raise TemplateError(_("Sjabloon: %(error)s") % {"error": exc}) from None
    # One line however the template wraps it (a header may not hold a line break).
    return Message(" ".join(line.split())[:200], text.strip() + "\n", linebreaks(html.strip()))


def example_context(kind: str, language: str) -> dict:
    """Made-up data for the admin's preview: every variable a template of this kind may use."""
    with translation.override(language):
        from datetime import date
        from decimal import Decimal

        due = formatting.day(date(2026, 6, 12))
        items = [
            {"title": "De avonden", "author": "Reve, Gerard", "barcode": "3000000000017", "due": due},
            {"title": "Jip & Janneke", "author": "Schmidt, Annie M.G.", "barcode": "3000000000024", "due": due},
        ]  # fmt: skip
        return {
            "member": {"first_name": "Anna", "name": "Anna de Vries"},
            "library": "Bibliotheek Voorbeeld",
            "items": items,
            "due": due,
            "level": 2 if kind == Kind.OVERDUE else 0,
            "blocks": kind == Kind.OVERDUE,
            "reason": _("een andere lener heeft deze titel gereserveerd."),
            "hold": {
                "title": "De avonden",
                "author": "Reve, Gerard",
                "pickup": "Centrale Bibliotheek",
                "last_day": formatting.day(date(2026, 6, 9)),
            },
            "membership": {"name": "Volwassenen", "ends": formatting.day(date(2026, 7, 1))},
            "fee": {"amount": formatting.money(Decimal("1.50")), "description": "te-laat-geld"},
        }


def preview(kind: str, language: str, subject: str, body: str) -> Message:
    return render(subject, body, example_context(kind, language), language)
