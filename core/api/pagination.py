from functools import partial

from django.core.paginator import Paginator
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from core.api.query import blank_params_refuse

MAX_PAGE_SIZE = 100


class CountedPaginator(Paginator):
    """A paginator told the total instead of counting the rows."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count  # shadows the cached property that would run COUNT(*)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None, *, count: int | None = None):
        """`count`: the total when the caller knows it already (the storefront's facet counts),
        which spares a COUNT over the whole list."""
        blank_params_refuse(request.query_params, [self.page_query_param])  # DRF would serve page 1
        if count is not None:
            self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # Say what is wrong rather than silently clamping: a client asking 1,000 rows should know.
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]}, code="invalid_page_size"
            )
        return int(raw)
