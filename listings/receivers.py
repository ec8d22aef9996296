from django.dispatch import receiver

from brands.signals import membership_ended, quality_standard_published
from core.signals import event_dispatched
from listings.notifications import NOTIFY
from listings.services import products_leave_brand, products_return_to_review


@receiver(membership_ended, dispatch_uid="listings_membership_ended")
def on_membership_ended(sender, *, brand_id, company_id, reason, **kwargs):
    products_leave_brand(company_id=company_id, brand_id=brand_id, reason=reason)


@receiver(quality_standard_published, dispatch_uid="listings_quality_standard_published")
def on_quality_standard_published(sender, *, brand_id, version, **kwargs):
    products_return_to_review(brand_id=brand_id, version=version)


@receiver(event_dispatched, dispatch_uid="listings_event_dispatched")
def on_event_dispatched(sender, *, event, **kwargs):
    """E-mails about the events this app owns (docs/events.md): listings/notifications.py."""
    if event.type in NOTIFY:
        NOTIFY[event.type](event)
