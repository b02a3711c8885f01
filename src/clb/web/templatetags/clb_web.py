"""Template helpers of the pages: form widgets wired to their help and error text for screen
readers, and money the Dutch way."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.simple_tag
def field_widget(field):
    """The widget with aria-describedby pointing at its help and error text, and aria-invalid."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs = {}
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required and field.field.widget.input_type != "checkbox":
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def euro(value) -> str:
    """€ 2,50 in Dutch, € 2.50 in English: the number follows the active language."""
    if value in (None, ""):
        return ""
    return f"€\u00a0{floatformat(Decimal(value), '2g' if abs(Decimal(value)) >= 1000 else 2)}"
