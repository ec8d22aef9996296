from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from config.schema import SchemaView
from core.health import healthz
from core.media import private_media, public_media
from core.middleware import inline_styles_allowed
from core.views import admin_otp_verify

api_v1 = [
    # The public storefront first: its reads are the hottest requests, and Django tries the patterns
    # in order (behind the other apps, resolving its URL cost more than a page's SQL).
    path("storefront/", include("marketplace.api.storefront_urls")),
    path("", include("core.api.urls")),
    path("", include("brands.api.urls")),
    path("", include("listings.api.urls")),
    path("", include("logistics.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("integrations.api.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/otp/", admin_otp_verify, name="admin-otp"),  # operators' second step (core.middleware)
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page has no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs/swagger_ui.html"),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        inline_styles_allowed(SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html")),
        name="redoc",
    ),
    # Media on the local filesystem (no bucket), DEBUG on or off: only the public kind is open.
    path("media/<path:name>", public_media, name="public-media"),
    path("private-media/<path:name>", private_media, name="private-media"),
]

# URLs that match no route, and errors outside DRF, answer in the API's JSON error shape.
handler404 = "core.api.views.not_found"
handler500 = "core.api.views.server_error"
