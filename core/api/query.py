"""Query parameters are as strict as bodies: a parameter sent with no value (`?status=`) is a 400
naming it. Left alone, django-filter and DRF's form-style parsing drop it and answer as if no
filter had been asked for, which a client cannot tell from a match."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from core.api.ids import integer_filters_check

BLANK = "Give a value, or leave the parameter out."


def blank_params_refuse(query_params, names) -> None:
    blank = sorted(
        name for name in names if name in query_params and not any(v.strip() for v in query_params.getlist(name))
    )
    if blank:
        raise ValidationError({name: [serializers.ErrorDetail(BLANK, code="blank")] for name in blank})


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            blank_params_refuse(request.query_params, filterset_class.base_filters)
            integer_filters_check(request.query_params, filterset_class)
        return super().filter_queryset(request, queryset, view)


class QuerySerializer(serializers.Serializer):
    """For query parameters read by a serializer; fields that allow blank (a search text) may be empty."""

    def to_internal_value(self, data):
        strict = [name for name, field in self.fields.items() if not getattr(field, "allow_blank", False)]
        blank_params_refuse(data, strict)
        return super().to_internal_value(data)
