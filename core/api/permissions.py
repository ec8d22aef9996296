from rest_framework.permissions import BasePermission, IsAuthenticated

from core.permissions import is_operator


class IsOperator(BasePermission):
    """Platform staff only (after IsAuthenticated, so an anonymous call is a 401)."""

    message = "Only operators may do this."

    def has_permission(self, request, view):
        return is_operator(request.user)


OPERATOR_ONLY = [IsAuthenticated, IsOperator]
