"""The OpenAPI schema as the code behaves: every operation lists the errors it can answer.

drf-spectacular documents only the success of an operation unless told more. Rather than
repeating the same `responses={400: ..., 404: ...}` on every view, this AutoSchema adds what
follows from the view itself: a validated body can answer 400, a looked-up object or a page past
the end 404, a throttled upload 429, a missing token 401, a write beyond a collaborator's role 403
(views that set `shared_with_roles`), and a database that went away 503 (digitsight.errors).
Codes a view documents itself are kept as they are.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorDetail = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})

ERRORS = {
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: each field with its messages."),
    "401": OpenApiResponse(ErrorDetail, description="No valid token or session."),
    "403": OpenApiResponse(ErrorDetail, description="Shared with you, but your role may not change it."),
    "404": OpenApiResponse(
        ErrorDetail, description="No such object, it is not shared with you, or no such page."
    ),
    "429": OpenApiResponse(
        ErrorDetail, description="Too many requests; retry after the Retry-After seconds."
    ),
    "503": OpenApiResponse(ErrorDetail, description="The database is unreachable; retry after Retry-After."),
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            _bound_path_integers(operation)
            responses = operation.setdefault("responses", {})
            for code in self._error_codes(operation):
                if code not in responses:
                    responses[code] = self._get_response_for_code(ERRORS[code], code)
        return operation

    def _error_codes(self, operation: dict) -> list[str]:
        codes = ["503"]
        if "requestBody" in operation:
            codes.append("400")
        paged = any(p.get("name") == "page" for p in operation.get("parameters", []))
        if "{" in self.path or paged:
            codes.append("404")
        if self._throttled():
            codes.append("429")
        if operation.get("security", [{}]) != [{}]:
            codes.append("401")
        if self.method in WRITES and getattr(self.view, "shared_with_roles", False):
            codes.append("403")
        return sorted(codes)

    def _throttled(self) -> bool:
        # The views pick their throttles by action or method; spectacular's mock view has both.
        try:
            return bool(self.view.get_throttles())
        except Exception:
            return bool(getattr(self.view, "throttle_classes", ()))

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF refuses "" for a CharField unless allow_blank: say so, as a minimum length.
        blank_refused = isinstance(field, serializers.CharField) and not field.allow_blank
        if direction == "request" and blank_refused and schema.get("type") == "string":
            schema.setdefault("minLength", 1)
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        # spectacular makes every PATCH body partial; a view that validates it in full says so
        # with `patch_is_partial = False`, and its required fields then appear as required.
        if self.method == "PATCH" and getattr(self.view, "patch_is_partial", True) is False:
            self.method = "PUT"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PATCH"
        return super()._get_request_for_media_type(serializer, direction)


def _bound_path_integers(operation: dict) -> None:
    # Django's <int:...> converter matches digits only: "-5" is no route at all (an HTML 404).
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "path" and schema.get("type") == "integer":
            schema.setdefault("minimum", 0)
