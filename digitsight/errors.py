"""The 500 handler: the site's layout when it can be drawn, a page without the user when not."""

from django.http import HttpResponseServerError
from django.template.loader import render_to_string


def server_error(request):
    try:
        html = render_to_string("500.html", request=request)
    except Exception:  # the database or the session may be what failed: draw the page without them
        html = render_to_string("500.html")
    return HttpResponseServerError(html)
