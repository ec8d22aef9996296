"""Every write in integrations, by area. Other modules import from here (integrations.services)."""

from integrations.services.batches import COUNT_KEYS, syndication_batch_run
from integrations.services.fees import channel_listing_fees_charge
from integrations.services.jobs import (
    syndication_due_start,
    syndication_job_cancel,
    syndication_job_run_inline,
    syndication_job_start,
    syndication_jobs_resume,
)
from integrations.services.planning import syndication_job_plan
from integrations.services.submissions import channel_submissions_resolve
from integrations.services.sync import (
    channel_inventory_mark_queue,
    channel_inventory_push,
    channel_listings_mark_inventory,
    channel_orders_import,
    channel_orders_import_all,
    channel_tracking_push,
    channel_tracking_queue,
)

__all__ = [
    "COUNT_KEYS",
    "channel_listing_fees_charge",
    "channel_inventory_mark_queue",
    "channel_inventory_push",
    "channel_listings_mark_inventory",
    "channel_orders_import",
    "channel_orders_import_all",
    "channel_submissions_resolve",
    "channel_tracking_push",
    "channel_tracking_queue",
    "syndication_batch_run",
    "syndication_due_start",
    "syndication_job_cancel",
    "syndication_job_plan",
    "syndication_job_run_inline",
    "syndication_job_start",
    "syndication_jobs_resume",
]
