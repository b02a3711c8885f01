"""Template filters for money and dates, built into every template (settings.TEMPLATES
"builtins"), so no page formats them its own way: `{{ amount|euro }}`, `{{ due|day }}`,
`{{ at|moment }}`. The formatting itself is clb.formatting."""

from django import template

from clb import formatting

register = template.Library()
register.filter("euro", formatting.money)
register.filter("day", formatting.day)
register.filter("moment", formatting.moment)
