"""A channel's whole catalogue as a feed file (one JSON document per line, the connector's own
payload), streamed: products are read in id-ordered chunks as plain rows (a query per relation
per chunk), so memory stays flat whatever the catalogue size."""

import json
from collections.abc import Iterable
from typing import IO

from integrations.models import Channel
from integrations.selectors import channel_connector, listing_data_for
from listings.models import Product

CHUNK = 2000


def _ids(chunk: int) -> Iterable[list[int]]:
    last = 0
    while True:
        ids = list(
            Product.objects.filter(status=Product.Status.PUBLISHED, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def channel_feed_write(*, channel: Channel, out: IO[str], chunk: int = CHUNK) -> int:
    """Writes every published product's payload for the channel; returns how many."""
    connector = channel_connector(channel)
    written = 0
    for ids in _ids(chunk):
        lines = [json.dumps(connector.render(data), ensure_ascii=False, default=str) for data in listing_data_for(ids)]
        out.write("\n".join(lines) + "\n")
        written += len(lines)
    return written
