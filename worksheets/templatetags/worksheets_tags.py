from django import template

from grading.models import RosterStudent

register = template.Library()


@register.simple_tag
def roster_of(assignment):
    """The assignment owner's class list, to pick a page's student from."""
    return RosterStudent.objects.filter(owner_id=assignment.owner_id)
