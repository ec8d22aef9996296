from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import APIException


class RequestBodyTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is larger than the limit."
    default_code = "request_too_large"


class _LimitedStream:
    """Reads at most `limit` bytes and fails on more, so a huge or chunked body is never buffered."""

    def __init__(self, stream, limit: int):
        self.stream, self.limit, self.seen = stream, limit, 0

    def read(self, *args):
        data = self.stream.read(self.limit + 1 - self.seen)
        self.seen += len(data)
        if self.seen > self.limit:
            raise RequestBodyTooLarge(f"The request body is larger than {self.limit} bytes (API_MAX_BODY_BYTES).")
        return data


class JSONParser(parsers.BaseParser):
    """DRF's JSON parsing over the request stream, read at most API_MAX_BODY_BYTES. Deliberately
    not a subclass of DRF's JSONParser: for those, DRF's Request reads the whole `request.body`
    first, which buffers any size and, past DATA_UPLOAD_MAX_MEMORY_SIZE, raises Django's
    RequestDataTooBig before this limit is ever looked at."""

    media_type = parsers.JSONParser.media_type
    renderer_class = parsers.JSONParser.renderer_class

    def parse(self, stream, media_type=None, parser_context=None):
        limited = _LimitedStream(stream, settings.API_MAX_BODY_BYTES)
        return parsers.JSONParser().parse(limited, media_type, parser_context)
