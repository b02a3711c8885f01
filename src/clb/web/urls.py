from django.urls import path

from .views import (
    desk,
    desk_copies,
    desk_items,
    desk_members,
    desk_staff,
    member,
    public,
    staff_login,
)

app_name = "web"
urlpatterns = [
    # public catalogue
    path("", public.home, name="home"),
    path("health", public.health, name="health"),
    path("zoeken/", public.search_page, name="search"),
    path("titel/<int:pk>/", public.record, name="record"),
    path("titel/<int:pk>/reserveren/", public.place_hold, name="place-hold"),
    # Mijn Bibliotheek
    path("mijn/inloggen/", member.login, name="member-login"),
    path("mijn/uitloggen/", member.logout, name="member-logout"),
    path("mijn/", member.overview, name="mine"),
    path("mijn/verlengen/", member.renew, name="mine-renew"),
    path(
        "mijn/reserveringen/<int:hold_id>/annuleren/",
        member.cancel_hold,
        name="mine-cancel-hold",
    ),
    path("mijn/leesgeschiedenis/", member.history, name="mine-history"),
    path("mijn/pincode/", member.change_pin, name="mine-pin"),
    path("mijn/gegevens/", member.my_data, name="mine-data"),
    path("mijn/gegevens.json", member.my_data_json, name="mine-data-json"),
    # staff
    path("medewerkers/verder/", staff_login.after_login, name="after-login"),
    path("balie/", desk.home, name="desk-home"),
    path("balie/vestiging/", desk.choose_branch, name="desk-branch"),
    path("balie/zoeken/", desk.search_patrons, name="desk-search"),
    path("balie/lener/<int:pk>/", desk.patron, name="desk-patron"),
    path("balie/lener/<int:pk>/uitlenen/", desk.checkout, name="desk-checkout"),
    path("balie/lener/<int:pk>/verlengen/", desk.renew, name="desk-renew"),
    path("balie/lener/<int:pk>/verloren/", desk.mark_lost, name="desk-lost"),
    path(
        "balie/lener/<int:pk>/reserveringen/<int:hold_id>/annuleren/",
        desk.cancel_hold,
        name="desk-cancel-hold",
    ),
    path("balie/lener/<int:pk>/betalen/", desk.payment, name="desk-payment"),
    path("balie/lener/<int:pk>/kwitantie/<int:line_id>/", desk.receipt, name="desk-receipt"),
    path("balie/lener/<int:pk>/lidmaatschap/", desk.renew_membership, name="desk-membership"),
    path("balie/lener/<int:pk>/pincode/", desk.reset_pin, name="desk-pin"),
    path("balie/lener/<int:pk>/klaar/", desk.done, name="desk-done"),
    path("balie/innemen/", desk_items.checkin, name="desk-checkin"),
    path("balie/innemen/bon/<int:n>/", desk_items.routing_slip, name="desk-slip"),
    path("balie/reserveringsplank/", desk_items.hold_shelf, name="desk-hold-shelf"),
    path("balie/reserveringsplank/verlopen/", desk_items.expire_holds, name="desk-expire"),
    path("balie/transport/", desk_items.transits, name="desk-transits"),
    path("balie/transport/<int:pk>/verzonden/", desk_items.transit_sent, name="desk-sent"),
    path("balie/transport/selectie/", desk_items.transits_selected, name="desk-transits-bulk"),
    path("balie/exemplaar/", desk_items.item_lookup, name="desk-item-lookup"),
    path("balie/exemplaar/<str:barcode>/", desk_items.item, name="desk-item"),
    path(
        "balie/exemplaar/<str:barcode>/geschiedenis/",
        desk_copies.copy_history,
        name="desk-copy-history",
    ),
    path("balie/inschrijven/", desk_members.register, name="desk-register"),
    path("balie/logboek/", desk_members.audit_log, name="desk-audit"),
    path("balie/lener/<int:pk>/gegevens/", desk_members.edit_patron, name="desk-edit-patron"),
    path("balie/medewerkers/", desk_staff.staff_list, name="desk-staff"),
    path("balie/medewerkers/<int:pk>/", desk_staff.staff_member, name="desk-staff-member"),
]
