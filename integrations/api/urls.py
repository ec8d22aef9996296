from django.urls import re_path
from rest_framework.routers import SimpleRouter

from core.api.fields import ID_PATTERN
from integrations.api.views import (
    ChannelListingViewSet,
    ChannelViewSet,
    ProductReadinessView,
    SyndicationJobViewSet,
)

router = SimpleRouter()
router.register("channels", ChannelViewSet, basename="channel")
router.register("channel-listings", ChannelListingViewSet, basename="channel-listing")
router.register("syndication-jobs", SyndicationJobViewSet, basename="syndication-job")

urlpatterns = [
    *router.urls,
    re_path(rf"^products/(?P<pk>{ID_PATTERN})/readiness/$", ProductReadinessView.as_view(), name="product-readiness"),
]
