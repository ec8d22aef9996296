from core.errors import EmailNotVerified, NotPermitted

OPERATORS_GROUP = "operators"

# The scopes an API key may hold. A view opens itself to keys with `required_scopes`:
# {"read": scope for safe methods, "write": scope for the others, "<action>": scope for one action}.
API_KEY_SCOPES = [
    "listings:read",
    "listings:write",
    "orders:read",
    "orders:write",
    "stock:read",
    "stock:write",
    "trade:read",
    "trade:write",
    "finance:read",
    "finance:write",
    "syndication:read",
    "syndication:write",
    "webhooks:manage",
]


def is_operator(user) -> bool:
    """Platform staff: superusers and members of the operators group."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: admin and API checks ask many times per request.
    if not hasattr(user, "_is_operator"):
        user._is_operator = user.is_staff and user.groups.filter(name=OPERATORS_GROUP).exists()
    return user._is_operator


def require_operator(actor, action: str) -> None:
    """Refuses anyone but an operator: `action` completes "Only an operator ...", e.g.
    "handles returns"."""
    if not is_operator(actor):
        raise NotPermitted(f"Only an operator {action}.")


def require_verified_email(user, action: str) -> None:
    """Until their e-mail address is verified a user may browse and buy, not `action`
    ("register a company"). Operators are vetted otherwise."""
    if not (user.is_email_verified or is_operator(user)):
        raise EmailNotVerified(f"Verify your e-mail address before you {action} (POST auth/verify-email/resend/).")


def user_confine_to_company(user) -> None:
    """For this request only (the object is never saved): the user acts without operator
    rights, as an API key for one company does whoever created it."""
    user.is_superuser = False
    user._is_operator = False
