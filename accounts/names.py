"""The name a teacher chose to be shown by (profile), with the username as the fallback."""

from django.core.exceptions import ObjectDoesNotExist


def display_name(user) -> str:
    if user is None:
        return ""
    try:
        chosen = (user.profile.display_name or "").strip()
    except ObjectDoesNotExist:  # a user created before profiles existed
        chosen = ""
    return chosen or user.get_username()
