from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from digitsight import health, metrics

urlpatterns = [
    # Probes and metrics; digitsight.health.ProbeMiddleware answers these paths first.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("", include("predictor.urls")),
    path("", include("grading.urls")),
    path("", include("worksheets.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("predictor.api_urls")),
    path("api/", include("grading.api_urls")),
    path("api/", include("worksheets.api_urls")),
    path("api/", include("accounts.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    # Last, so an app that claims "/" later wins.
    path("", RedirectView.as_view(pattern_name="predictor:history"), name="home"),
]

# Django's own 403 and 404 views render templates/403.html and 404.html with the request;
# the 500 view must survive a broken database, so it is ours.
handler500 = "digitsight.errors.server_error"
