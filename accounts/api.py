from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttle import LoginThrottle

# AuthTokenSerializer lists `token` among its fields, which would show up as a
# required request field in the schema: describe the exchange explicitly.
TokenRequest = inline_serializer(
    "TokenRequest",
    {
        "username": serializers.CharField(),
        "password": serializers.CharField(style={"input_type": "password"}),
    },
)
TokenResponse = inline_serializer("TokenResponse", {"token": serializers.CharField(read_only=True)})
ErrorResponse = inline_serializer("TokenError", {"detail": serializers.CharField(read_only=True)})


class ObtainTokenView(APIView):
    """Trade a username and password for the API token (created on first use)."""

    # No session auth: a logged-in browser must not need a CSRF token to ask, and
    # the credentials in the body are the only thing that counts here.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (JSONParser,)
    serializer_class = AuthTokenSerializer

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Get an API token",
        description=(
            "Send your username and password; use the returned token as "
            "`Authorization: Token <token>` on every other request. Failed attempts are "
            "throttled per IP and per username (429 with Retry-After)."
        ),
        auth=[],
        request=TokenRequest,
        responses={
            200: TokenResponse,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Wrong username or password, or a field is missing."
            ),
            429: OpenApiResponse(ErrorResponse, description="Too many failed attempts; retry later."),
        },
    )
    def post(self, request):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        throttle = LoginThrottle(request, username if isinstance(username, str) else None)
        if throttle.blocked():
            raise Throttled(
                wait=throttle.retry_after, detail="Too many failed login attempts. Try again later."
            )
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            throttle.failed()
            return Response(serializer.errors, status=400)
        throttle.succeeded()
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
