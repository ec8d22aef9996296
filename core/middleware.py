import functools
import logging
import re
import uuid

from django.conf import settings

from core.logging import request_id_var

logger = logging.getLogger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Every request gets an id, taken from X-Request-ID when a proxy sent a sane one, put on
    each log line and returned in the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs the response status after the middleware returns.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class DebugApiErrorsMiddleware:
    """With DEBUG on (`make run`) Django answers a URL that matches no route, and an error outside
    DRF, with its HTML debug pages instead of handler404/handler500; API clients get the error
    shape in both modes. The debug page's traceback still reaches the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code in (404, 500)
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            from core.api.views import not_found, server_error

            return not_found(request) if response.status_code == 404 else server_error(request)
        return response


class OutageMiddleware:
    """A database or broker outage outside DRF's exception handler (admin, plain views, the
    connection check at a request's start) answers 503 in the API's error shape. The next request
    reconnects by itself (CONN_HEALTH_CHECKS), so the app recovers without a restart. Errors raised
    in other middleware reach handler500 (core.api.views.server_error), which answers the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from core.outages import is_outage, outage_response

        if is_outage(exception):
            logger.warning("outage: %s: %s", type(exception).__name__, exception)
            return outage_response()
        return None


class OperatorOtpMiddleware:
    """The admin's second step for operators, independent of the login form: after django_otp's
    OTPMiddleware, an operator whose session has not passed a TOTP or recovery code is sent to
    `admin-otp` for it on every admin page; elsewhere (the API through the session cookie) such
    a session counts as anonymous. Off when OPERATOR_OTP_REQUIRED is off (make run)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.OPERATOR_OTP_REQUIRED and _unverified_operator(request.user):
            from django.contrib.auth.models import AnonymousUser
            from django.shortcuts import redirect
            from django.urls import reverse
            from django.utils.http import urlencode

            admin_root = reverse("admin:index")
            open_paths = {reverse("admin-otp"), reverse("admin:logout"), reverse("admin:login")}
            if request.path.startswith(admin_root) and request.path not in open_paths:
                return redirect(f"{reverse('admin-otp')}?{urlencode({'next': request.get_full_path()})}")
            if request.path not in open_paths:
                request.user = AnonymousUser()
        return self.get_response(request)


def _unverified_operator(user) -> bool:
    from core.permissions import is_operator

    return bool(user.is_authenticated and is_operator(user) and not user.is_verified())


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response that does not set its own: one
    static policy needs no nonces, since no page of ours has inline script."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


def inline_styles_allowed(view):
    """For a page whose script injects its styles at run time (ReDoc, through styled-components):
    its policy also allows inline styles and the search worker ReDoc starts from a blob: URL.
    Scripts and everything else still come from this site only."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if settings.CONTENT_SECURITY_POLICY:
            extra = "style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
            response.headers["Content-Security-Policy"] = f"{settings.CONTENT_SECURITY_POLICY}; {extra}"
        return response

    return wrapped
