"""Template helpers of the pages: form widgets wired to their help and error text for screen
readers. Money and dates: the built-in filters of clb.format_tags."""

from django import template

from clb import formatting

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


# Views of the pages import the money format from here; it is clb.formatting's.
euro = formatting.money
