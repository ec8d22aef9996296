from django.dispatch import receiver

from brands.signals import brand_status_changed
from listings.signals import product_changed
from marketplace.services.storefront import search_document_refresh, search_documents_refresh_brand


@receiver(product_changed, dispatch_uid="marketplace_product_changed")
def on_product_changed(sender, *, product_id, **kwargs):
    search_document_refresh(product_id=product_id)


@receiver(brand_status_changed, dispatch_uid="marketplace_brand_status_changed")
def on_brand_status_changed(sender, *, brand_id, **kwargs):
    search_documents_refresh_brand(brand_id=brand_id)
