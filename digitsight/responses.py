"""Headers every response carrying a stored file gets."""


def nosniff(response, max_age: int | None = None):
    """`response` marked nosniff, and cacheable by this browser only for `max_age` seconds.

    Set by each file view, not only by SecurityMiddleware: a browser must never sniff an
    uploaded file into HTML, whatever the site-wide settings say.
    """
    response["X-Content-Type-Options"] = "nosniff"
    if max_age is not None:
        response["Cache-Control"] = f"private, max-age={max_age}"
    return response
