from django.contrib import admin
from django.urls import include, path, re_path

from clb.cockpit.views import own_wsob_csv
from clb.exchange.api import main as api
from clb.exchange.api.gate import gated, not_found

handler400 = "clb.web.bad_input.bad_request"
handler500 = "clb.web.unavailable.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cockpit/kostenmodel/", include("clb.costmodel.urls")),
    path("cockpit/", include("clb.cockpit.urls")),
    # On the registration pages, but the cockpit's table: the registration room sits below it.
    path("registratie/wsob/", own_wsob_csv, name="registration-wsob"),
    path("registratie/", include("clb.services.urls")),
    path("api/v1/", api.urls()),
    re_path(r"^api(/.*)?$", gated(not_found)),
    path("", include("clb.exchange.urls")),
    path("", include("clb.web.urls")),
]
