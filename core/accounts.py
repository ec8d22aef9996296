"""Account services: registering, logging in (lock-out, operators' second factor), e-mail
verification, passwords, and closing an account. Tokens, e-mail and the security log are in
core.services."""

import hashlib
import time
from functools import partial

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.emails import email_send
from core.errors import Conflict, InvalidInput, NotPermitted, TooManyAttempts
from core.models import AuthToken, SecurityEvent, User
from core.permissions import is_operator
from core.services import client_ip, security_event_record, user_token_create, user_tokens_revoke
from core.signals import user_closing, user_data_exporting

VERIFY_SALT = "core.email-verify"
RECOVERY_CODES = 10


def password_check(password: str, user: User, attr: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(
            "The password is too weak.",
            attr=attr,
            reasons=[(e.code, m) for e, m in zip(error.error_list, error.messages, strict=True)],
        ) from None


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str) -> User:
    """A new, unverified user; the verification link is mailed after commit."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exists():
        raise InvalidInput("A user with this email already exists.", attr="email")
    user = User(email=email, full_name=full_name)
    password_check(password, user, "password")
    user.set_password(password)
    user.save()
    _verification_mail(user)
    return user


@transaction.atomic
def user_locale_set(*, user: User, locale: str) -> User:
    """The language of the user's staff e-mails; blank returns them to the platform default."""
    if locale and locale not in settings.CONTENT_LOCALES:
        raise InvalidInput(f"Choose one of {', '.join(settings.CONTENT_LOCALES)}, or blank.", attr="locale")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.locale = locale
    user.save(update_fields=["locale"])
    return user


def _verification_mail(user: User) -> None:
    token = signing.dumps({"user": user.pk, "email": user.email}, salt=VERIFY_SALT)
    transaction.on_commit(
        partial(
            email_send,
            to=user.email,
            subject="Confirm your e-mail address",
            template="emails/verify_email.txt",
            context={"user": user, "link": settings.EMAIL_VERIFY_URL.format(token=token)},
        )
    )


@transaction.atomic
def email_verify(*, token: str, request=None) -> User:
    """Marks the address verified from a signed link (it expires after EMAIL_VERIFY_MAX_AGE and
    stops working if the address changed)."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=settings.EMAIL_VERIFY_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput("The link has expired; ask for a new one.", attr="token") from None
    except signing.BadSignature:
        raise InvalidInput("The link is not valid.", attr="token") from None
    user = User.objects.select_for_update().filter(pk=payload.get("user"), email=payload.get("email")).first()
    if user is None or not user.is_active:
        raise InvalidInput("The link is not valid.", attr="token")
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        security_event_record(kind=SecurityEvent.Kind.EMAIL_VERIFIED, user=user, request=request)
    return user


def email_verification_resend(*, user: User) -> None:
    if user.is_email_verified:
        raise Conflict("The e-mail address is already verified.")
    if not cache.add(f"verify-resend:{user.pk}", 1, timeout=settings.EMAIL_VERIFY_RESEND_SECONDS):
        raise TooManyAttempts(
            "A link was sent a moment ago; wait before asking again.", retry_after=settings.EMAIL_VERIFY_RESEND_SECONDS
        )
    with transaction.atomic():
        _verification_mail(user)


def _key(*parts: str) -> str:
    # Hashed: cache keys must not carry e-mail addresses in clear, nor arbitrary characters.
    return "auth:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def _locked_for(*keys: str) -> int:
    now = time.time()
    until = max((cache.get(key, 0) for key in keys), default=0)
    return int(until - now) + 1 if until > now else 0


def _failure_count(key: str) -> int:
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_MAX_SECONDS)
    return cache.incr(key)


def _lock(key: str, failures: int, free: int) -> int:
    """Locks after `free` failures, for LOGIN_LOCKOUT_SECONDS doubled for each failure beyond."""
    if failures <= free:
        return 0
    seconds = min(settings.LOGIN_LOCKOUT_SECONDS * 2 ** (failures - free - 1), settings.LOGIN_LOCKOUT_MAX_SECONDS)
    cache.set(key, time.time() + seconds, timeout=seconds)
    return seconds


def user_login(*, email: str, password: str, otp: str = "", token_name: str = "", request=None):
    """Checks the credentials (and an operator's TOTP or recovery code) and issues a token:
    (AuthToken, secret). Failures count per e-mail and per IP; past the free ones each locks
    login for a growing time. The answers are the same whether or not the account exists."""
    email = email.lower()
    ip = client_ip(request) or "unknown"
    locks = (_key("lock", "email", email), _key("lock", "ip", ip))
    wait = _locked_for(*locks)
    if wait:
        raise TooManyAttempts(f"Too many failed logins; try again in {wait} seconds.", retry_after=wait)
    user = authenticate(request, username=email, password=password)
    if user is None:
        _login_failed(email, ip, locks, request, reason="password")
        raise InvalidInput("Wrong email or password.", attr="non_field_errors")
    if settings.OPERATOR_OTP_REQUIRED and is_operator(user):
        if not any(devices_for_user(user)):
            raise InvalidInput("Operators need a second factor: enrol one first (docs/operator-guide.md).", attr="otp")
        if not otp:
            raise InvalidInput("Operators add the code from their authenticator app, or a recovery code.", attr="otp")
        if operator_otp_verify(user=user, code=otp) is None:
            _login_failed(email, ip, locks, request, reason="otp", user=user)
            raise InvalidInput("The code is wrong or expired.", attr="otp")
    cache.delete(_key("fail", "email", email))
    with transaction.atomic():
        security_event_record(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, user=user, request=request)
        return user_token_create(user=user, name=token_name, request=request)


def _login_failed(email: str, ip: str, locks: tuple[str, str], request, *, reason: str, user=None) -> None:
    user = user or User.objects.filter(email=email).first()
    kind = SecurityEvent.Kind.OTP_FAILED if reason == "otp" else SecurityEvent.Kind.LOGIN_FAILED
    security_event_record(kind=kind, user=user, request=request, email=email)
    free = settings.LOGIN_FAILURES_FREE
    for lock, scope, value, allowed in ((locks[0], "email", email, free), (locks[1], "ip", ip, free * 4)):
        seconds = _lock(lock, _failure_count(_key("fail", scope, value)), allowed)
        if seconds:
            security_event_record(
                kind=SecurityEvent.Kind.LOGIN_LOCKED, user=user, request=request, email=email, by=scope, seconds=seconds
            )


def _throttle(key: str, limit: int, window: int, message: str) -> None:
    cache.add(key, 0, timeout=window)
    if cache.incr(key) > limit:
        raise TooManyAttempts(message, retry_after=window)


def password_reset_request(*, email: str, request=None) -> None:
    """Mails a reset link if an active account has this address; says nothing either way.
    Throttled per address and per client IP, whether or not the account exists."""
    email = email.lower()
    message = "Too many reset requests; try again later."
    _throttle(_key("reset", "email", email), settings.PASSWORD_RESET_LIMIT, 3600, message)
    _throttle(_key("reset", "ip", client_ip(request) or "unknown"), settings.PASSWORD_RESET_IP_LIMIT, 3600, message)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = settings.PASSWORD_RESET_URL.format(uid=uid, token=default_token_generator.make_token(user))
    with transaction.atomic():
        security_event_record(kind=SecurityEvent.Kind.PASSWORD_RESET_REQUESTED, user=user, request=request)
        transaction.on_commit(
            partial(
                email_send,
                to=user.email,
                subject="Reset your password",
                template="emails/password_reset.txt",
                context={"user": user, "link": link, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
            )
        )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str, request=None) -> User:
    """Sets the password from a reset link (Django's token: single use, expires after
    PASSWORD_RESET_TIMEOUT); every token and session of the user stops working."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        pk = None
    user = User.objects.select_for_update().filter(pk=pk, is_active=True).first() if pk else None
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidInput("The link is not valid or has expired; ask for a new one.", attr="token")
    password_check(new_password, user, "new_password")
    user.set_password(new_password)  # changes the session hash: every session is logged out
    user.email_verified_at = user.email_verified_at or timezone.now()  # the link proved the address
    user.save(update_fields=["password", "email_verified_at"])
    user_tokens_revoke(user=user, actor=user, request=request)
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_RESET, user=user, actor=user, request=request)
    return user


@transaction.atomic
def password_change(
    *, user: User, current_password: str, new_password: str, keep: AuthToken | None = None, request=None
) -> User:
    """Changes the password; every other token and session of the user stops working."""
    if not user.check_password(current_password):
        raise InvalidInput("The current password is wrong.", attr="current_password")
    password_check(new_password, user, "new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user, actor=user, keep=keep, request=request)
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, actor=user, request=request)
    return user


def operator_otp_enrol(*, user: User, key: str | None = None) -> tuple[TOTPDevice, list[str]]:
    """A new TOTP device for an operator (replacing any earlier one) and fresh recovery codes,
    each usable once. `key` (hex) only for the demo device with its documented secret."""
    if not is_operator(user):
        raise NotPermitted("Only operators enrol a second factor.")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=True, **({"key": key} if key else {})
        )
        recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
        security_event_record(kind=SecurityEvent.Kind.OTP_DEVICE_ENROLLED, user=user)
    return device, codes


def operator_otp_verify(*, user: User, code: str):
    """The device that accepts `code` (six digits: the authenticator app; otherwise a recovery
    code, used up by it), or None. Each device throttles repeated failures itself."""
    code = code.strip().replace(" ", "")
    model = TOTPDevice if code.isdigit() else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is None or not device.verify_is_allowed()[0]:
        return None
    return device if device.verify_token(code) else None


def user_data_export(*, user: User, request=None) -> dict:
    """Everything the platform holds about the user, by section; each app adds its own."""
    data = {
        "user": {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "email_verified_at": user.email_verified_at,
            "locale": user.locale,
        },
        "tokens": list(AuthToken.objects.filter(user=user).values("id", "name", "created", "last_used_at", "expiry")),
        "security_events": list(
            SecurityEvent.objects.filter(user=user).values("kind", "ip_address", "user_agent", "created_at")
        ),
    }
    for _receiver, (section, content) in user_data_exporting.send(sender=User, user=user):
        data[section] = content
    security_event_record(kind=SecurityEvent.Kind.ACCOUNT_EXPORTED, user=user, actor=user, request=request)
    return data


@transaction.atomic
def user_close(*, user: User, request=None) -> User:
    """Closes the account: each app replaces the user's personal data (keeping what customs and
    tax records must, docs/privacy.md), then the user is anonymised, every token, session and
    second factor goes, and the e-mail address is free for a new account."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.closed_at is not None:
        raise Conflict("The account is already closed.")
    user_closing.send(sender=User, user=user)
    user.email = f"closed-{user.pk}@closed.invalid"
    user.full_name = "Closed account"
    user.set_unusable_password()  # changes the session hash: every session is logged out
    user.is_active = False
    user.is_staff = False
    user.closed_at = timezone.now()
    user.save(update_fields=["email", "full_name", "password", "is_active", "is_staff", "closed_at"])
    user_tokens_revoke(user=user, actor=user, request=request)
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    security_event_record(kind=SecurityEvent.Kind.ACCOUNT_CLOSED, user=user, actor=user, request=request)
    return user
