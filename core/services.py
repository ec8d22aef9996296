from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from core.errors import InvalidInput
from core.models import User


@transaction.atomic
def user_register(*, email: str, password: str, full_name: str) -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email=email).exists():
        raise InvalidInput("A user with this email already exists.", attr="email")
    user = User(email=email, full_name=full_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(
            "The password is too weak.",
            attr="password",
            reasons=[(e.code, m) for e, m in zip(error.error_list, error.messages, strict=True)],
        ) from None
    user.set_password(password)
    user.save()
    return user


def user_token_get_or_create(*, user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key
