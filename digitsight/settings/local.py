"""The embedded default for `make run`: SQLite, in-process tasks.

Debug stays off unless DJANGO_DEBUG=true: its 404 page lists every URL pattern to
anyone who asks. WhiteNoise serves the static files straight from the source folders
(no collectstatic) and picks up edits, which is all runserver's debug mode gave us.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
