"""Tables and choice lists of the cockpit, rendered in Python: a national dashboard has
thousands of cells, which Django's template loops render an order of magnitude slower."""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from clb.cockpit.tables import display

register = template.Library()


@register.simple_tag
def cockpit_table(table, query: str, extra: str = ""):
    esc = conditional_escape
    href = f"{reverse('cockpit:table-csv', args=[table.name])}?{query}" + (
        f"&{extra}" if extra else ""
    )
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in table.page_headers())
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in table.page_rows()
    )
    note = format_html('<p class="help">{}</p>', table.note) if table.note else ""
    return mark_safe(
        format_html(
            '<figure class="cockpit-table" id="tabel-{}"><figcaption><strong>{}</strong> '
            '<a class="csv" href="{}" download>{}<span class="visually-hidden"> {}</span></a>'
            "</figcaption>",
            table.name,
            table.title,
            href,
            _("CSV"),
            table.title,
        )
        + format_html(
            '<div class="scroll" tabindex="0" role="region" aria-label="{}">', table.title
        )
        + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        + note
        + "</figure>"
    )


@register.filter
def cockpit_value(value) -> str:
    """A figure in Dutch notation, as in the tables ("< 10" and "–" as they are)."""
    return display(value)


@register.simple_tag
def region_options(groups, selected: str):
    out = []
    for label, options in groups:
        inner = "".join(
            format_html(
                '<option value="{}"{}>{}</option>',
                code,
                mark_safe(" selected") if code == selected else "",
                name,
            )
            for code, name in options
        )
        out.append(format_html('<optgroup label="{}">', label) + inner + "</optgroup>")
    return mark_safe("".join(out))
