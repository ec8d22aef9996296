import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.errors import Conflict
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    digest = hashlib.sha256(request.path.encode())
    data = request.data
    if hasattr(data, "lists"):  # multipart or form: a QueryDict of lists
        data = dict(data.lists())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    plain = {k: v for k, v in data.items() if k not in request.FILES}
    digest.update(json.dumps(plain, sort_keys=True, default=str).encode())
    return digest.hexdigest()


CLAIM_SQL = """
INSERT INTO core_idempotencykey (user_id, scope, key, fingerprint, created_at)
VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id
"""


def _record_claim(*, user, scope: str, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Inserts the key's row, or None when it exists (a repeat): one statement, where catching
    the unique violation would need a savepoint around the INSERT."""
    created_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, [user.pk if user else None, scope, key, fingerprint, created_at])
        row = cursor.fetchone()
    if row is None:
        return None
    return IdempotencyKey(pk=row[0], user=user, scope=scope, key=key, fingerprint=fingerprint, created_at=created_at)


def idempotent(request, *, scope: str, perform: Callable[[], Response]) -> Response:
    """Runs `perform` once per Idempotency-Key: a repeat gets the first response, the same key
    with another body is a 409. The key row is inserted first, in the same transaction as the
    work, so a concurrent repeat waits on its unique index and then replays the stored answer."""
    key = request.headers.get(HEADER)
    if key is None:
        return perform()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationError({HEADER: ["Must be 1 to 255 printable characters."]})
    fingerprint = _fingerprint(request)
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        record = _record_claim(user=user, scope=scope, key=key, fingerprint=fingerprint)
        if record is None:
            record = IdempotencyKey.objects.get(user=user, scope=scope, key=key)
            if record.fingerprint != fingerprint:
                raise Conflict(f"This {HEADER} was already used with a different request.", attr=HEADER) from None
            return Response(
                record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"}
            )
        response = perform()
        record.response_status = response.status_code
        record.response_body = response.data
        record.save(update_fields=["response_status", "response_body"])
        return response
