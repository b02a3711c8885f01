from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.dashboard_page, name="dashboard"),
    path("tabel/<slug:name>.csv", views.table_csv, name="table-csv"),
    path("rapport/", views.report_download, name="report"),
    path("gemeenten.geojson", views.boundaries, name="boundaries"),
    path("perioden/", views.period_list, name="periods"),
    path("perioden/sluiten/", views.period_close, name="period-close"),
    path("wsob/", views.wsob_csv, name="wsob"),
]

# The accessibility analysis has its own module (see cockpit/accessibility.py).
from . import urls_accessibility  # noqa: E402

urlpatterns += urls_accessibility.urlpatterns
