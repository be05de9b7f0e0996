"""The URL map: one include per app, the API under /api/, language switching under /i18n/."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from indsats.catalogue import views as catalogue_views
from indsats.config.api import api

handler403 = "indsats.dashboard.views.permission_denied"
handler404 = "indsats.dashboard.views.page_not_found"
handler500 = "indsats.dashboard.views.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("indsats.dashboard.urls")),
    path("konto/", include("indsats.accounts.urls")),
    path("historik/", include("indsats.history.urls")),
    path("indsatser/", include("indsats.interventions.urls")),
    path("puljer/", include("indsats.grants.urls")),
    path("resultater/", include("indsats.outcomes.urls")),
    path("evaluering/", include("indsats.evaluation.urls")),
    path("oekonomi/", include("indsats.economy.urls")),
    path("katalog/", include("indsats.catalogue.urls")),
    path("drift/", include("indsats.operations.urls")),
    path("styregruppe/", include("indsats.governance.urls")),
    path("sitemap.xml", catalogue_views.sitemap, name="sitemap"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
]

if settings.DEBUG:  # pragma: no cover - development only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
