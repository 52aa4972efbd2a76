"""Confidence as teachers read it everywhere: a percentage, coloured by the review rule."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince

from predictor.presenters import confidence_class

register = template.Library()

TITLE = "How sure the reader is of the digits it found"


@register.simple_tag
def confidence_chip(confidence, flagged=False):
    """`<span class="digit-chip conf-…">82%</span>`, or a dash when there is no confidence."""
    if confidence is None:
        return "—"
    css = confidence_class(float(confidence), bool(flagged))
    return format_html('<span class="digit-chip {}" title="{}">{}%</span>', css, TITLE, percent(confidence))


@register.filter
def percent(value, digits=0) -> str:
    """0.254 -> "25", 0.99312|percent:2 -> "99.31" (the template adds the % sign where it wants one)."""
    if value is None or value == "":
        return ""
    return f"{100 * float(value):.{int(digits)}f}"


@register.filter
def ago(value) -> str:
    """ "just now" under a minute (timesince would say "0 minutes"), else "3 minutes ago"."""
    if value is None:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value)} ago"
