"""Permission groups per role, so an organisation administrator can use the admin for exactly
the models of their organisation's configuration (rows are scoped by OrganisationScopedAdmin)."""

from django.contrib.auth.models import Group, Permission

ORG_ADMIN_GROUP = "Organisatiebeheer"
ORG_ADMIN_MODELS = {
    "network": ["organisation:change,view", "branch:add,change,view"],
    "members": ["subscriptiontype:add,change,view", "patron:view", "ledgerline:view"],
    "circulation": [
        "loanrule:add,change,delete,view",
        "categorylimit:add,change,delete,view",
        "loan:view",
        "hold:view",
        "transit:view",
    ],
    "catalogue": ["item:add,change,view", "bibrecord:view", "itemtype:view"],
    "selfservice": ["kioskaccount:add,change,view"],
}


def ensure_groups() -> Group:
    group, _ = Group.objects.get_or_create(name=ORG_ADMIN_GROUP)
    codenames = []
    for app, entries in ORG_ADMIN_MODELS.items():
        for entry in entries:
            model, actions = entry.split(":")
            codenames += [(app, f"{action}_{model}") for action in actions.split(",")]
    perms = [
        Permission.objects.get(content_type__app_label=app, codename=code)
        for app, code in codenames
    ]
    group.permissions.set(perms)
    return group
