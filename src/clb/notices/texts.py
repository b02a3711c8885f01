"""The notices CLB ships, per kind and language: (subject, body) in Django's template language.
Organisations override them in the admin (NoticeTemplate); what a template may use is the
context clb.notices.rendering builds: member, library, items, hold, level, reason, membership,
fee. Dates and amounts arrive formatted in the member's language."""

DEFAULTS = {
    ("hold_ready", "nl"): (
        "Uw reservering ligt klaar: {{ hold.title }}",
        """Beste {{ member.first_name }},

Uw reservering ligt voor u klaar in {{ hold.pickup }}:

  {{ hold.title }}{% if hold.author %} – {{ hold.author }}{% endif %}

U kunt het ophalen tot en met {{ hold.last_day }}. Daarna gaat het naar de volgende lener.

Met vriendelijke groet,
{{ library }}""",
    ),
    ("hold_ready", "en"): (
        "Your hold is ready: {{ hold.title }}",
        """Dear {{ member.first_name }},

Your hold is waiting for you at {{ hold.pickup }}:

  {{ hold.title }}{% if hold.author %} – {{ hold.author }}{% endif %}

You can collect it until {{ hold.last_day }} inclusive. After that it goes to the next person.

Kind regards,
{{ library }}""",
    ),
    ("hold_expired", "nl"): (
        "Reservering niet opgehaald: {{ hold.title }}",
        """Beste {{ member.first_name }},

Uw reservering van {{ hold.title }} lag tot en met {{ hold.last_day }} klaar in
{{ hold.pickup }} en is niet opgehaald. De reservering is vervallen.

Met vriendelijke groet,
{{ library }}""",
    ),
    ("hold_expired", "en"): (
        "Hold not collected: {{ hold.title }}",
        """Dear {{ member.first_name }},

Your hold on {{ hold.title }} was waiting at {{ hold.pickup }} until {{ hold.last_day }} and
was not collected. The hold has lapsed.

Kind regards,
{{ library }}""",
    ),
    ("pre_due", "nl"): (
        "Inleveren uiterlijk {{ due }}",
        """Beste {{ member.first_name }},

Deze materialen moet u uiterlijk {{ due }} inleveren:
{% for item in items %}
  - {{ item.title }}{% if item.author %} – {{ item.author }}{% endif %} ({{ item.barcode }})
{% endfor %}
Verlengen kan in Mijn Bibliotheek of in de bibliotheek.

Met vriendelijke groet,
{{ library }}""",
    ),
    ("pre_due", "en"): (
        "Due by {{ due }}",
        """Dear {{ member.first_name }},

Please return these items by {{ due }}:
{% for item in items %}
  - {{ item.title }}{% if item.author %} – {{ item.author }}{% endif %} ({{ item.barcode }})
{% endfor %}
You can renew them in My Library or at the library.

Kind regards,
{{ library }}""",
    ),
    ("overdue", "nl"): (
        "{% if level > 1 %}{{ level }}e aanmaning{% else %}Aanmaning{% endif %}: te laat ingeleverd",
        """Beste {{ member.first_name }},

Deze materialen had u al moeten inleveren:
{% for item in items %}
  - {{ item.title }}{% if item.author %} – {{ item.author }}{% endif %} ({{ item.barcode }}), uiterlijk {{ item.due }}
{% endfor %}
Lever ze zo snel mogelijk in; er kan te-laat-geld in rekening worden gebracht.{% if blocks %}
Tot ze terug zijn, is uw pas geblokkeerd voor lenen.{% endif %}

Met vriendelijke groet,
{{ library }}""",
    ),
    ("overdue", "en"): (
        "{% if level > 1 %}Reminder {{ level }}{% else %}Reminder{% endif %}: items overdue",
        """Dear {{ member.first_name }},

These items are overdue:
{% for item in items %}
  - {{ item.title }}{% if item.author %} – {{ item.author }}{% endif %} ({{ item.barcode }}), due {{ item.due }}
{% endfor %}
Please return them as soon as possible; late fees may apply.{% if blocks %}
Until they are back, your card is blocked for borrowing.{% endif %}

Kind regards,
{{ library }}""",
    ),
    ("renewed", "nl"): (
        "Automatisch verlengd",
        """Beste {{ member.first_name }},

Wij hebben deze materialen voor u verlengd:
{% for item in items %}
  - {{ item.title }} ({{ item.barcode }}): inleveren uiterlijk {{ item.due }}
{% endfor %}
Met vriendelijke groet,
{{ library }}""",
    ),
    ("renewed", "en"): (
        "Renewed automatically",
        """Dear {{ member.first_name }},

We renewed these items for you:
{% for item in items %}
  - {{ item.title }} ({{ item.barcode }}): now due {{ item.due }}
{% endfor %}
Kind regards,
{{ library }}""",
    ),
    ("not_renewed", "nl"): (
        "Niet verlengd: inleveren uiterlijk {{ due }}",
        """Beste {{ member.first_name }},

Wij konden deze materialen niet automatisch verlengen:
{% for item in items %}
  - {{ item.title }} ({{ item.barcode }}): inleveren uiterlijk {{ item.due }}
{% endfor %}
Reden: {{ reason }}

Met vriendelijke groet,
{{ library }}""",
    ),
    ("not_renewed", "en"): (
        "Not renewed: due by {{ due }}",
        """Dear {{ member.first_name }},

We could not renew these items automatically:
{% for item in items %}
  - {{ item.title }} ({{ item.barcode }}): due {{ item.due }}
{% endfor %}
Reason: {{ reason }}

Kind regards,
{{ library }}""",
    ),
    ("membership_ending", "nl"): (
        "Uw lidmaatschap loopt af op {{ membership.ends }}",
        """Beste {{ member.first_name }},

Uw lidmaatschap ({{ membership.name }}) bij {{ library }} loopt af op {{ membership.ends }}.
Verlengen kan in de bibliotheek.

Met vriendelijke groet,
{{ library }}""",
    ),
    ("membership_ending", "en"): (
        "Your membership ends on {{ membership.ends }}",
        """Dear {{ member.first_name }},

Your membership ({{ membership.name }}) of {{ library }} ends on {{ membership.ends }}.
You can renew it at the library.

Kind regards,
{{ library }}""",
    ),
    ("fee_charged", "nl"): (
        "Kosten: {{ fee.amount }}",
        """Beste {{ member.first_name }},

Wij hebben {{ fee.amount }} in rekening gebracht: {{ fee.description }}.
U kunt betalen in de bibliotheek.

Met vriendelijke groet,
{{ library }}""",
    ),
    ("fee_charged", "en"): (
        "Charge: {{ fee.amount }}",
        """Dear {{ member.first_name }},

We charged {{ fee.amount }}: {{ fee.description }}.
You can pay at the library.

Kind regards,
{{ library }}""",
    ),
}
