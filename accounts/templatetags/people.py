from django import template

from accounts.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    """{{ share.user|display_name }}: what the profile says collaborators see."""
    return _display_name(user)
