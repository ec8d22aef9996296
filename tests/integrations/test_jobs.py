"""Syndication jobs against the simulator over real HTTP: a full run, an incremental run that
sends nothing for an unchanged catalogue, only the changed product after an edit, delists, counts
and per-item outcomes, cancel, and the API with its Idempotency-Key."""

import pytest

from core.models import Job
from integrations.models import ChannelListing, SyndicationBatch, SyndicationJob
from integrations.services import syndication_job_cancel, syndication_job_run_inline, syndication_job_start
from listings.services import product_revision_approve, product_unpublish, product_update
from tests.factories import OperatorFactory, owner_of
from tests.integrations.syndication_helpers import channel, listable

pytestmark = pytest.mark.django_db


def run(chan, mode="incremental", **scope):
    syndication = syndication_job_start(actor=OperatorFactory(), channel=chan, mode=mode, run=False, **scope)
    syndication_job_run_inline(syndication=syndication)
    syndication.refresh_from_db()
    syndication.job.refresh_from_db()
    return syndication


def test_full_then_incremental_sends_only_what_changed_and_delists(channel_simulator):
    kmall = channel(channel_simulator, "kmall24", batch_size=2)
    ready = [listable() for _ in range(3)]
    not_ready = listable(ready[0].company, locales=("ko", "en"))

    first = run(kmall, "full")
    job = first.job
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.counts["live"] == 3 and job.counts["sent"] == 3 and job.counts["rejected"] == 1
    assert job.total == 4 and job.progress == 100
    assert first.batches.count() == 2  # 3 listings in batches of 2
    assert {s["sku"] for s in channel_simulator.listings("kmall24")} == {p.slug for p in ready}
    outcomes = {o["reference"]: o for o in first.outcomes}
    assert outcomes[not_ready.slug]["outcome"] == "rejected"
    assert {i["code"] for i in outcomes[not_ready.slug]["issues"]} >= {"missing_locale"}
    listing = ChannelListing.objects.get(product=ready[0], channel=kmall)
    assert listing.status == "live" and listing.external_id and listing.last_sent_hash == ready[0].content_hash
    assert list(listing.events.values_list("to_status", flat=True)) == ["live"]

    sent_before = len(channel_simulator.requests("kmall24"))
    second = run(kmall)
    assert len(channel_simulator.requests("kmall24")) == sent_before  # an unchanged catalogue sends nothing
    assert second.job.counts["unchanged"] == 4 and second.job.counts["sent"] == 0
    assert second.job.status == Job.Status.SUCCEEDED

    edited = product_update(
        actor=owner_of(ready[1].company),
        product=ready[1],
        translations={
            **{t.locale: {"title": t.title, "description": t.description} for t in ready[1].translations.all()},
            "en": {"title": "Celadon bowl, larger", "description": "Now larger."},
        },
    )
    # A published product's new text waits for review; the channel gets it once it is live.
    product_revision_approve(actor=OperatorFactory(), revision=edited.revisions.get())
    product_unpublish(actor=owner_of(ready[2].company), product=ready[2])
    third = run(kmall)
    assert third.job.counts["sent"] == 1 and third.job.counts["delisted"] == 1, third.job.counts
    requests = channel_simulator.requests("kmall24")[sent_before:]
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in requests] == [
        ("PUT", edited.slug),
        ("DELETE", ready[2].slug),
    ]
    assert ChannelListing.objects.get(product=ready[2], channel=kmall).status == "delisted"
    on_sale = {s["sku"] for s in channel_simulator.listings("kmall24") if s["status"] != "delisted"}
    assert on_sale == {ready[0].slug, ready[1].slug}


def test_scope_by_company_and_products(channel_simulator):
    kmall = channel(channel_simulator, "kmall24")
    a, b = listable(), listable()
    assert run(kmall, "full", company=a.company).job.counts["live"] == 1
    assert run(kmall, "full", products=[b.pk]).job.counts["live"] == 1
    assert ChannelListing.objects.filter(channel=kmall, status="live").count() == 2


def test_cancel_stops_the_remaining_batches(channel_simulator):
    kmall = channel(channel_simulator, "kmall24", batch_size=1)
    for _ in range(3):
        listable()
    syndication = syndication_job_start(actor=OperatorFactory(), channel=kmall, mode="full", run=False)
    from integrations.services import syndication_batch_run, syndication_job_plan
    from integrations.services.batches import _inline

    _inline.active = True
    try:
        syndication_job_plan(syndication_id=syndication.pk)
        first = syndication.batches.order_by("seq").first()
        assert syndication_batch_run(batch_id=first.pk) == "done"
        syndication_job_cancel(actor=OperatorFactory(), syndication=syndication)
        for batch in syndication.batches.order_by("seq"):
            assert syndication_batch_run(batch_id=batch.pk) == "skipped"
    finally:
        _inline.active = False
    syndication.job.refresh_from_db()
    assert syndication.job.status == Job.Status.CANCELLED
    assert list(syndication.batches.order_by("seq").values_list("state", flat=True)) == [
        SyndicationBatch.State.DONE,
        SyndicationBatch.State.CANCELLED,
        SyndicationBatch.State.CANCELLED,
    ]
    assert len(channel_simulator.listings("kmall24")) == 1
    with pytest.raises(Exception, match="cancelled"):
        syndication_job_cancel(actor=OperatorFactory(), syndication=syndication)


def test_api_starts_a_job_once_per_idempotency_key_and_reports_it(api, channel_simulator):
    kmall = channel(channel_simulator, "kmall24")
    listable()
    api.as_user(OperatorFactory())
    body = {"channel": "kmall24", "mode": "full"}
    first = api.post("/api/v1/syndication-jobs/", body, format="json", HTTP_IDEMPOTENCY_KEY="sync-1")
    again = api.post("/api/v1/syndication-jobs/", body, format="json", HTTP_IDEMPOTENCY_KEY="sync-1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert SyndicationJob.objects.filter(channel=kmall).count() == 1
    other = api.post(
        "/api/v1/syndication-jobs/", {**body, "mode": "incremental"}, format="json", HTTP_IDEMPOTENCY_KEY="sync-1"
    )
    assert other.status_code == 409

    syndication = SyndicationJob.objects.get()
    syndication_job_run_inline(syndication=syndication)
    detail = api.get(f"/api/v1/syndication-jobs/{syndication.pk}/").json()
    assert detail["status"] == "succeeded" and detail["progress"] == 100
    assert detail["counts"]["live"] == 1
    assert detail["outcomes"][0]["outcome"] == "live"
    assert api.post(f"/api/v1/syndication-jobs/{syndication.pk}/cancel/").status_code == 409
    channels = api.get("/api/v1/channels/").json()
    assert channels[0]["code"] == "kmall24" and channels[0]["rules"]["currency"] == "USD"


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"channel": "nowhere", "mode": "full"}, "channel"),
        ({"channel": "kmall24", "mode": "sometimes"}, "mode"),
        ({"channel": "kmall24", "products": [999999]}, "products"),
        ({"channel": "kmall24", "products": "1,2"}, "products"),
        ({"channel": "kmall24", "brand": "no-such-brand"}, "brand"),
        ({"channel": "kmall24", "colour": "red"}, "colour"),
    ],
)
def test_api_refuses_bad_job_requests_naming_the_field(api, channel_simulator, body, attr):
    channel(channel_simulator, "kmall24")
    api.as_user(OperatorFactory())
    response = api.post("/api/v1/syndication-jobs/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == attr
    assert not SyndicationJob.objects.exists()


def test_syndicate_command_runs_inline_with_a_progress_bar(channel_simulator):
    from io import StringIO

    from django.core.management import CommandError, call_command

    kmall = channel(channel_simulator, "kmall24")
    item = listable()
    out = StringIO()
    call_command("syndicate", "--channel", "kmall24", "--full", "--inline", stdout=out)
    text = out.getvalue()
    assert "100%" in text and "succeeded" in text and "live=1" in text
    assert ChannelListing.objects.get(product=item, channel=kmall).status == "live"
    with pytest.raises(CommandError, match="No channel"):
        call_command("syndicate", "--channel", "nowhere", stdout=StringIO())


def test_a_product_held_back_goes_out_once_ready_even_with_unchanged_content(channel_simulator):
    kmall = channel(channel_simulator, "kmall24", destination_country="CN")
    cream = listable(hs_code="330499")  # needs an import licence in China
    first = run(kmall)
    assert first.job.counts["rejected"] == 1 and channel_simulator.requests("kmall24") == []
    assert run(kmall).job.counts["unchanged"] == 1  # still held back, for the same reason

    kmall.destination_country = "US"  # an operator points the channel elsewhere; the product is as it was
    kmall.save()
    third = run(kmall)
    assert third.job.counts["live"] == 1
    assert ChannelListing.objects.get(product=cream, channel=kmall).status == "live"
