"""The admin's second step for operators (core.middleware.OperatorOtpMiddleware sends them here)."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import devices_for_user
from django_otp import login as otp_login

from core.accounts import operator_otp_verify
from core.models import SecurityEvent
from core.services import security_event_record


@sensitive_post_parameters("otp_token")
@csrf_protect
@never_cache
@login_required(login_url="admin:login")
def admin_otp_verify(request):
    """Asks an operator for the code of their authenticator app or a recovery code."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("admin:index")
    error = ""
    if request.method == "POST":
        device = operator_otp_verify(user=request.user, code=request.POST.get("otp_token", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(target)
        security_event_record(kind=SecurityEvent.Kind.OTP_FAILED, user=request.user, request=request)
        error = "The code is wrong or expired."
    context = {
        **admin.site.each_context(request),
        "title": "Second step",
        "error": error,
        "enrolled": any(devices_for_user(request.user)),
    }
    return render(request, "core/otp_verify.html", context, status=400 if error else 200)
