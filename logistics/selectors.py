from django.db.models import QuerySet

from brands.selectors import user_company_ids
from core.permissions import is_operator
from logistics.models import Stock, Warehouse


def warehouse_list() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).select_related("zone").order_by("code")


def stock_list(*, user) -> QuerySet[Stock]:
    """Operators see all stock; SME staff the stock of their companies' variants."""
    stock = Stock.objects.select_related("warehouse", "variant__product")
    if not is_operator(user):
        stock = stock.filter(variant__product__company_id__in=user_company_ids(user))
    return stock.order_by("warehouse__code", "variant__sku")
