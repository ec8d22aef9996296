from core.errors import NotPermitted

OPERATORS_GROUP = "operators"


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
