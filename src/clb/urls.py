from django.contrib import admin
from django.urls import include, path

from clb.cockpit.views import own_wsob_csv

handler400 = "clb.web.bad_input.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("cockpit/kostenmodel/", include("clb.costmodel.urls")),
    path("cockpit/", include("clb.cockpit.urls")),
    # On the registration pages, but the cockpit's table: the registration room sits below it.
    path("registratie/wsob/", own_wsob_csv, name="registration-wsob"),
    path("registratie/", include("clb.services.urls")),
    path("", include("clb.exchange.urls")),
    path("", include("clb.web.urls")),
]
