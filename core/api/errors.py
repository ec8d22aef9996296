from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler as BaseExceptionHandler
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.serializers import as_serializer_error

from core.api.parsers import RequestBodyTooLarge
from core.errors import ApplicationError, InvalidInput, TooManyAttempts
from core.outages import is_outage


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "A service the platform depends on is unavailable; retry shortly."
    default_code = "service_unavailable"


class DomainError(exceptions.APIException):
    def __init__(self, error: ApplicationError):
        self.status_code = error.status_code
        reasons = error.reasons or [(error.code, error.detail)]
        details = [ErrorDetail(message, code=code) for code, message in reasons]
        self.detail = {error.attr: details} if error.attr else details


class DomainValidationError(exceptions.ValidationError):
    """A 400 from a service keeps the validation_error type so clients treat it as field errors."""


def request_limit_error(exc) -> RequestBodyTooLarge | None:
    """Django's own request limits (raised while DRF parses a form or multipart body) as a 413
    naming the setting, instead of the 500 an unknown exception becomes."""
    if isinstance(exc, RequestDataTooBig):
        limit, code, what = "DATA_UPLOAD_MAX_MEMORY_SIZE", "request_too_large", "bytes in the body"
    elif isinstance(exc, TooManyFieldsSent):
        limit, code, what = "DATA_UPLOAD_MAX_NUMBER_FIELDS", "too_many_fields", "fields"
    elif isinstance(exc, TooManyFilesSent):
        limit, code, what = "DATA_UPLOAD_MAX_NUMBER_FILES", "too_many_files", "files"
    else:
        return None
    return RequestBodyTooLarge(f"More than {getattr(settings, limit)} {what} ({limit}).", code=code)


class ExceptionHandler(BaseExceptionHandler):
    """Maps domain errors to statuses: the one place that knows HTTP. A database or broker
    outage is a 503 in the usual shape, not a 500 with a traceback."""

    def get_headers(self, exc):
        headers = super().get_headers(exc)
        if isinstance(exc, ServiceUnavailable):
            headers["Retry-After"] = "5"
        return headers

    def convert_known_exceptions(self, exc):
        if is_outage(exc):
            return ServiceUnavailable()
        if (too_large := request_limit_error(exc)) is not None:
            return too_large
        if isinstance(exc, InvalidInput):
            if exc.fields:
                return DomainValidationError(
                    {attr: [ErrorDetail(m, code=c) for c, m in errors] for attr, errors in exc.fields.items()}
                )
            reasons = exc.reasons or [(exc.code, exc.detail)]
            details = [ErrorDetail(message, code=code) for code, message in reasons]
            return DomainValidationError({exc.attr or "non_field_errors": details})
        if isinstance(exc, TooManyAttempts):
            return exceptions.Throttled(wait=exc.retry_after, detail=exc.detail)
        if isinstance(exc, ApplicationError):
            return DomainError(exc)
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(as_serializer_error(exc))
        return super().convert_known_exceptions(exc)
