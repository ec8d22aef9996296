import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code; per-channel intervals are data edited in the admin.
app.conf.beat_schedule = {
    "brand-enforce-minimum-members": {
        "task": "brands.tasks.brands_enforce_minimum_members_task",
        "schedule": crontab(minute=15),
    },
    "reservations-expire": {
        "task": "logistics.tasks.reservations_expire_task",
        "schedule": 60.0,
    },
    "exchange-rates-refresh": {
        "task": "core.tasks.exchange_rates_refresh_task",
        "schedule": crontab(hour=0, minute=5),
    },
    "orders-expire-unpaid": {
        "task": "marketplace.tasks.orders_expire_unpaid_task",
        "schedule": 60.0,
    },
    "orders-fulfilment-sweep": {
        "task": "marketplace.tasks.orders_fulfilment_sweep_task",
        "schedule": 300.0,
    },
    "refunds-execute-sweep": {
        "task": "marketplace.tasks.refunds_execute_sweep_task",
        "schedule": 300.0,
    },
    "exchanges-payment-sweep": {
        "task": "marketplace.tasks.exchanges_payment_sweep_task",
        "schedule": 300.0,
    },
    "rfqs-notify-sweep": {
        "task": "marketplace.tasks.rfqs_notify_sweep_task",
        "schedule": 300.0,
    },
    "orders-complete": {
        "task": "marketplace.tasks.orders_complete_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "fees-accrue": {
        "task": "marketplace.tasks.fees_accrue_task",
        "schedule": crontab(minute=40),
    },
    "channel-listing-fees": {  # a day before the settlement run, which settles the same month
        "task": "integrations.tasks.channel_listing_fees_charge_task",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    "settlement-run": {
        "task": "marketplace.tasks.settlement_run_task",
        "schedule": crontab(day_of_month=2, hour=4, minute=0),
    },
    # The outbox: events whose dispatch task was lost, webhook deliveries whose retry was lost.
    "events-dispatch-sweep": {
        "task": "core.tasks.events_dispatch_sweep_task",
        "schedule": 60.0,
    },
    "messages-send-sweep": {  # e-mails whose send task was lost or whose retry is due
        "task": "core.tasks.messages_send_sweep_task",
        "schedule": 60.0,
    },
    "idempotency-keys-purge": {
        "task": "core.tasks.idempotency_keys_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Syndication: due incremental syncs per channel (each channel's sync_interval_minutes, edited
    # in the admin), work left behind by lost messages or dead workers, listings an asynchronous
    # channel left submitted after their batch, new channel orders.
    "syndication-due-start": {
        "task": "integrations.tasks.syndication_due_start_task",
        "schedule": 60.0,
    },
    "syndication-jobs-resume": {
        "task": "integrations.tasks.syndication_jobs_resume_task",
        "schedule": 120.0,
    },
    "channel-submissions-resolve": {
        "task": "integrations.tasks.channel_submissions_resolve_task",
        "schedule": 300.0,
    },
    "channel-orders-import": {
        "task": "integrations.tasks.channel_orders_import_all_task",
        "schedule": 300.0,
    },
    "channel-inventory-push": {  # the debounced push's safety net (a failed push stays dirty)
        "task": "integrations.tasks.channel_inventory_push_task",
        "schedule": 300.0,
    },
}
# The B2B trade desk: RFQs past their award window, quotes past their validity.
app.conf.beat_schedule["rfqs-expire"] = {
    "task": "marketplace.tasks.rfqs_expire_task",
    "schedule": crontab(minute=5),
}
# Open RFQs closing within RFQ_CLOSING_SOON_HOURS: their buyer is told once, with the quotes so far.
app.conf.beat_schedule["rfqs-closing-soon"] = {
    "task": "marketplace.tasks.rfqs_closing_soon_announce_task",
    "schedule": crontab(minute=35),
}


def operator_digest_schedule() -> None:
    """Operators: one e-mail a day listing the desk's overdue queues (once per operator and
    day), at OPERATOR_DIGEST_HOUR. Added from PlatformConfig.ready(): the hour is a setting, and
    the settings import this module (worker and beat both set Django up before scheduling)."""
    app.conf.beat_schedule["operator-digest"] = {
        "task": "config.tasks.operator_digest_send_task",
        "schedule": crontab(hour=settings.OPERATOR_DIGEST_HOUR, minute=0),
    }
