from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def max_upload_bytes() -> int:
    return settings.DIGITSIGHT_MAX_UPLOAD_BYTES


@register.simple_tag
def max_upload_mb() -> str:
    return f"{settings.DIGITSIGHT_MAX_UPLOAD_BYTES / (1024 * 1024):.0f}"
