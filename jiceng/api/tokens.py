"""API tokens that end: after ``API_TOKEN_IDLE`` without use (default 8 hours), ``API_TOKEN_MAX_AGE``
after they were issued (default 30 days), and when the user logs out, changes or is given a new
password, or is deactivated (``jiceng.accounts``). ``POST /api/token/revoke/`` ends one at once.

``POST /api/token/`` with username and password answers ``{"token": …, "expires_at": …}``: the
user's current token while it is valid, otherwise a new one. Each client address may fail only so
often (``jiceng.accounts.throttle``, 429), and a request that cannot get a password-hashing slot is
told the system is busy (503).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import actions as account_actions
from jiceng.accounts.hashers import HashingBusy
from jiceng.accounts.throttle import THROTTLED_MESSAGE, Attempt
from jiceng.accounts.tokens import expires_at

_TOKEN_RESPONSE = inline_serializer(
    "ApiToken", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
)
_DETAIL = inline_serializer("TokenRefusal", {"detail": serializers.CharField()})


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    @extend_schema(
        operation_id="api_token_obtain",
        tags=["token"],
        request=AuthTokenSerializer,
        responses={
            200: _TOKEN_RESPONSE,
            400: OpenApiResponse(description="用户名或密码错误"),
            429: OpenApiResponse(_DETAIL, description="同一地址失败次数过多"),
            503: OpenApiResponse(_DETAIL, description="系统繁忙，请稍后再试"),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        attempt = Attempt(request)
        if not attempt.allowed:
            return Response(
                {"detail": str(THROTTLED_MESSAGE)},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(attempt.retry_after)},
            )
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except HashingBusy as busy:
            return Response(
                {"detail": str(busy.message)}, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"}
            )
        attempt.succeeded()
        user = serializer.validated_data["user"]
        token = account_actions.issue_api_token(user)
        return Response({"token": token.key, "expires_at": expires_at(token)})


class RevokeTokenView(APIView):
    """End the caller's API token at once (the next request with it is 401)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="api_token_revoke",
        tags=["token"],
        request=None,
        responses={204: OpenApiResponse(description="令牌已作废")},
    )
    def post(self, request, *args, **kwargs):
        account_actions.revoke_api_token(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
