"""Small template helpers for the cost-model pages."""

from django import template

from clb import formatting
from clb.costmodel import definitions as d

register = template.Library()


@register.filter
def formula(expr) -> str:
    """An expression or a term as readable text: "vestigingen × m2_per_vestiging"."""
    if isinstance(expr, d.Term):
        return expr.text()
    return d.expression_text(expr or ())


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def kind_label(kind: str) -> str:
    from clb.costmodel.presentation import KIND_LABELS

    return KIND_LABELS.get(kind, kind)


@register.filter
def count(value, decimals: int = 0):
    """A number in the page's locale with thousands separators; text ("< 10") as it is; None
    as "onbekend"."""
    from django.template.defaultfilters import floatformat
    from django.utils.translation import gettext

    if value is None:
        return gettext("onbekend")
    if isinstance(value, str):
        return value
    return floatformat(value, f"{decimals}g")


@register.filter
def euro(value):
    return formatting.money(value)


@register.filter
def percent(value, decimals: int = 0):
    """A share (0.93) as a percentage ("93%"; with decimals=1 "93,0%")."""
    from django.template.defaultfilters import floatformat

    if value is None:
        return ""
    return floatformat(value * 100, f"{decimals}g") + "%"
