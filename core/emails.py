"""Transactional e-mail: every message is a row (core.models.Message), rendered once from Django
templates (text and HTML on one base layout, in the recipient's locale with the catalogue's
fallback), sent with no row locked, retried with backoff on SMTP errors, and never sent twice
for one event, recipient and template. The apps' receivers decide who is told; they call
`email_queue` inside the event's dispatch transaction, or `email_send` once their own change
committed (links for verification, resets and invitations)."""

import logging
import random
import smtplib
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.utils import make_msgid

from babel.dates import format_date
from babel.numbers import format_currency
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime

from core.errors import InvalidInput
from core.locales import fallback_chain
from core.models import Event, Message, NotificationPreference, User
from core.money import Money

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# The e-mails a user may turn off (GET/PATCH auth/notifications/); every other one always goes.
OPTIONAL_TEMPLATES = ["seller_new_lines", "inspection_failed", "channel_listing_rejected", "inbound_discrepancies"]
# Babel's locale for each content locale.
BABEL_LOCALES = {"ko": "ko_KR", "en": "en_US", "zh-hans": "zh_Hans_CN", "ja": "ja_JP", "es": "es_ES"}


def money_format(money: Money | dict, locale: str) -> str:
    """An amount as a reader in `locale` writes it, with the currency's own minor units (¥1,500; ₩45,000; 12,50 €)."""
    if isinstance(money, dict):
        money = Money(Decimal(money["amount"]), money["currency"])
    money = money.quantized()
    return format_currency(money.amount, money.currency, locale=BABEL_LOCALES.get(locale, "en_US"))


def date_format(value: date | datetime | str, locale: str) -> str:
    """A day as a reader in `locale` writes it (2026年12月21日, 21 dic 2026); a datetime or an ISO
    string from an event's payload is taken in the platform's time zone."""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, format="medium", locale=BABEL_LOCALES.get(locale, "en_US"))


def email_locale(locale: str | None) -> str:
    """The first locale of the fallback chain that the e-mails are written in."""
    return next(c for c in fallback_chain(locale) if c in settings.CONTENT_LOCALES)


def staff_locale(user: User) -> str:
    """The language of a company staff member's or operator's e-mails: their own choice, else
    the platform default. Each recipient's message is rendered in it, so staff of one company
    may read one event in different languages."""
    return email_locale(user.locale or settings.CONTENT_DEFAULT_LOCALE)


# The base layout's own words (core/templates/emails/base.*), per locale.
BASE_PHRASES = {
    "ko": {"footer": "공동 브랜드 수출 플랫폼에서 보낸 메일입니다. 알림 설정은 계정에서 바꿀 수 있습니다."},
    "en": {"footer": "Sent by the common-brand export platform. Optional notices can be turned off in your account."},
    "zh-hans": {"footer": "本邮件由共同品牌出口平台发送。可选通知可在账户中关闭。"},
    "ja": {"footer": "共同ブランド輸出プラットフォームからのお知らせです。任意の通知はアカウントで停止できます。"},
    "es": {
        "footer": "Enviado por la plataforma de exportación de marca común. "
        "Puede desactivar los avisos opcionales en su cuenta."
    },
}


def phrases(table: dict, locale: str, **values) -> dict:
    """The locale's phrases (English for any it lacks), with `{name}` placeholders filled in."""
    chosen = {**table["en"], **table.get(locale, {})}
    return {key: text.format(**values) for key, text in chosen.items()}


def email_render(*, template: str, context: dict, locale: str) -> tuple[str, str, str]:
    """(subject, text, html) of `template` ("emails/order_confirmation"): its `.txt` and `.html`
    extend core's emails/base.*; the first line of the text is the subject. The words come from
    the apps' phrase tables in the context (`t`), the base layout's from BASE_PHRASES."""
    context = {**context, "locale": locale, "base": phrases(BASE_PHRASES, locale)}
    with translation.override(locale):
        text = render_to_string(f"{template}.txt", context)
        subject, _, body = text.strip().partition("\n")
        html = render_to_string(f"{template}.html", {**context, "subject": subject.strip()})
    return subject.strip()[:300], body.strip() + "\n", html


def _message_create(**fields) -> Message | None:
    try:
        with transaction.atomic():
            return Message.objects.create(**fields)
    except IntegrityError:  # the event (or key) already sent this template to this address
        return None


def notification_enabled(*, user: User | None, template: str) -> bool:
    if user is None:
        return True
    choice = NotificationPreference.objects.filter(user=user, template=template).values_list("enabled", flat=True)
    return next(iter(choice), True)


def notification_preferences_get(*, user: User) -> dict[str, bool]:
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("template", "enabled"))
    return {template: chosen.get(template, True) for template in OPTIONAL_TEMPLATES}


@transaction.atomic
def notification_preferences_set(*, user: User, choices: dict) -> dict[str, bool]:
    """Turns optional e-mails on or off: {template: true|false}; an unknown name or a
    non-boolean is a 400 naming it, and nothing is changed."""
    for template, enabled in choices.items():
        if template not in OPTIONAL_TEMPLATES:
            raise InvalidInput(f"Not an optional e-mail; choose from {', '.join(OPTIONAL_TEMPLATES)}.", attr=template)
        if not isinstance(enabled, bool):
            raise InvalidInput("Give true or false.", attr=template)
    for template, enabled in choices.items():
        NotificationPreference.objects.update_or_create(user=user, template=template, defaults={"enabled": enabled})
    return notification_preferences_get(user=user)


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    locale: str | None = None,
    event: Event | None = None,
    key: str = "",
    user: User | None = None,
    optional: bool = False,
) -> Message | None:
    """Writes the message in the caller's transaction and sends it after commit. Once per event
    (or `key`, for a message no event causes), recipient and template (None when it was already
    written); an optional one the user turned off is recorded as skipped."""
    locale = email_locale(locale)
    subject, text, html = email_render(template=template, context=context, locale=locale)
    skipped = optional and not notification_enabled(user=user, template=template.rsplit("/", 1)[-1])
    message = _message_create(
        recipient=to,
        user=user,
        template=template,
        locale=locale,
        event=event,
        key=key,
        subject=subject,
        body_text=text,
        body_html=html,
        status=Message.Status.SKIPPED if skipped else Message.Status.PENDING,
    )
    if message is not None and not skipped:
        message_id = message.pk
        transaction.on_commit(lambda: message_send(message_id=message_id), robust=True)
    return message


def staff_email_queue(*, users, template: str, event: Event, context, optional: bool = False) -> None:
    """`email_queue` to each of the company staff or operators in `users`, each in their own
    language: `context(locale)` gives the template's context in that language."""
    for user in users:
        locale = staff_locale(user)
        email_queue(
            to=user.email,
            user=user,
            template=template,
            locale=locale,
            event=event,
            optional=optional,
            context=context(locale),
        )


def email_send(*, to: str, template: str, context: dict, subject: str, locale: str | None = None) -> Message:
    """Sends a plain-text message now, for callers whose change has committed (call it from
    `transaction.on_commit`, never while rows are locked). `template` names a text template,
    e.g. "emails/password_reset.txt"; a failed send is retried by the sweep."""
    body = render_to_string(template, context)
    message = Message.objects.create(
        recipient=to, template=template, locale=locale or "", subject=subject[:300], body_text=body
    )
    message_send(message_id=message.pk)
    return message


def message_backoff(attempts: int) -> float:
    delay = min(60 * 2 ** max(attempts - 1, 0), 6 * 3600)
    return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def message_send(*, message_id: int, now=None) -> str | None:
    """One attempt at a due pending message: claimed in a short transaction, sent with no lock
    held, its outcome recorded. SMTP and connection errors are retried with backoff up to
    MAX_ATTEMPTS; returns the status after the attempt (None when not due or not pending)."""
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Message.Status.PENDING or message.next_attempt_at > now:
            return None
        message.attempts += 1
        message.next_attempt_at = now + timedelta(minutes=5)  # a lease: the sweep leaves it alone meanwhile
        message.save(update_fields=["attempts", "next_attempt_at"])
    provider_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost")
    mail = EmailMultiAlternatives(
        message.subject,
        message.body_text,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
        headers={"Message-ID": provider_id},
        connection=get_connection(),
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    try:
        mail.send()
        error = ""
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        logger.warning("e-mail %s to %s failed: %s", message.pk, message.recipient, error)
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        message.error = error
        if not error:
            message.status, message.provider_id, message.sent_at = Message.Status.SENT, provider_id, timezone.now()
        elif message.attempts >= MAX_ATTEMPTS:
            message.status = Message.Status.FAILED
        else:
            delay = message_backoff(message.attempts)
            message.next_attempt_at = now + timedelta(seconds=delay)
            transaction.on_commit(lambda: message_send_queue(message_id=message_id, countdown=delay), robust=True)
        message.save()
    return message.status


def message_send_queue(*, message_id: int, countdown: float = 0) -> None:
    from core.tasks import message_send_task

    message_send_task.apply_async((message_id,), countdown=countdown)


def messages_send_sweep(*, now=None) -> int:
    """Pending messages due for a minute whose task was lost are queued again."""
    now = now or timezone.now()
    due = Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=now - timedelta(minutes=1))
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:1000])
    for message_id in ids:
        message_send_queue(message_id=message_id)
    return len(ids)
