from django.dispatch import receiver

from brands.notifications import NOTIFY
from brands.services.staff import user_staff_export, user_staff_leave_all
from core.signals import event_dispatched, user_closing, user_data_exporting


@receiver(user_data_exporting, dispatch_uid="brands_user_data_exporting")
def on_user_data_exporting(sender, *, user, **kwargs):
    return user_staff_export(user=user)


@receiver(user_closing, dispatch_uid="brands_user_closing")
def on_user_closing(sender, *, user, **kwargs):
    user_staff_leave_all(user=user)


@receiver(event_dispatched, dispatch_uid="brands_event_dispatched")
def on_event_dispatched(sender, *, event, **kwargs):
    """E-mails about the events this app owns (docs/events.md): brands/notifications.py."""
    if event.type in NOTIFY:
        NOTIFY[event.type](event)
