from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from core.permissions import is_operator


def scopes_for(family: str, **actions: str) -> dict:
    """`required_scopes` of a view over one family: `<family>:read` to read, `<family>:write` to write."""
    return {"read": f"{family}:read", "write": f"{family}:write", **actions}


class ApiKeyScopes(BasePermission):
    """A request made with an API key (request.auth has `scopes`) passes only on a view that
    declares `required_scopes`, and only with the scope its action needs; a 403 names it.
    Other requests are not concerned."""

    message = "API keys cannot use this route."

    def has_permission(self, request, view):
        held = getattr(request.auth, "scopes", None)
        if held is None:
            return True
        required = getattr(view, "required_scopes", None)
        if not required:
            return False
        action = getattr(view, "action", None) or request.method.lower()
        needed = required.get(action) or required.get("read" if request.method in SAFE_METHODS else "write")
        if needed in held:
            return True
        self.message = f"This API key lacks the scope {needed}."
        return False


class IsOperator(BasePermission):
    """Platform staff only (after IsAuthenticated, so an anonymous call is a 401)."""

    message = "Only operators may do this."

    def has_permission(self, request, view):
        return is_operator(request.user)


OPERATOR_ONLY = [IsAuthenticated, ApiKeyScopes, IsOperator]
