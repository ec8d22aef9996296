"""The one place that takes row locks on stock, always in primary-key order: two transactions
that lock overlapping rows take them in the same order, so they queue instead of deadlocking."""

from collections.abc import Iterable

from django.db.models import QuerySet

from logistics.models import Stock


def stock_lock(stock_ids: Iterable[int]) -> dict[int, Stock]:
    """Locks the stock rows (SELECT ... FOR UPDATE ORDER BY id) and returns them by id."""
    rows = Stock.objects.select_for_update(of=("self",)).filter(pk__in=set(stock_ids)).order_by("pk")
    return {stock.pk: stock for stock in rows}


def stock_lock_for_variants(variant_ids: Iterable[int], warehouse_ids: Iterable[int] | None = None) -> QuerySet[Stock]:
    """Locks every stock row of the variants (optionally only in some warehouses), in id order."""
    rows = Stock.objects.select_for_update(of=("self",)).filter(variant_id__in=set(variant_ids))
    if warehouse_ids is not None:
        rows = rows.filter(warehouse_id__in=set(warehouse_ids))
    return rows.select_related("warehouse").order_by("pk")
