from django.dispatch import receiver

from core.signals import event_dispatched
from logistics.notifications import NOTIFY


@receiver(event_dispatched, dispatch_uid="logistics_event_dispatched")
def on_event_dispatched(sender, *, event, **kwargs):
    """E-mails about the events this app owns (docs/events.md): logistics/notifications.py."""
    if event.type in NOTIFY:
        NOTIFY[event.type](event)
