"""The profile's display name is what collaborators see, wherever an owner or a collaborator is named."""

import pytest
from django.urls import reverse

from accounts.models import Profile
from grading.models import Collaborator
from tests.grading.factories import AssignmentFactory, CollaboratorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(owner, collaborator):
    Profile.objects.filter(user=owner).update(display_name="Ms Rivera")
    Profile.objects.filter(user=collaborator).update(display_name="Mr Okafor")
    assignment = AssignmentFactory(owner=owner, title="Week 3 sums")
    CollaboratorFactory(assignment=assignment, user=collaborator, role="viewer")
    return assignment


def test_it_shows_the_owner_the_collaborators_display_name(owner_client, shared):
    html = owner_client.get(reverse("grading:collaborators")).content.decode()
    assert "Mr Okafor" in html and "Role of Mr Okafor" in html
    assert "collaborator" in html  # the username stays beside it, to tell two Mr Okafors apart


def test_it_shows_a_collaborator_the_owners_display_name(collaborator_client, shared):
    page = collaborator_client.get(reverse("grading:collaborators")).content.decode()
    assert "from Ms Rivera, as viewer" in page
    listing = collaborator_client.get(reverse("grading:assignment_list")).content.decode()
    assert "Ms Rivera" in listing and ">owner<" not in listing
    detail = collaborator_client.get(reverse("grading:assignment_detail", args=[shared.pk])).content.decode()
    assert "(shared by Ms Rivera)" in detail


def test_it_names_the_collaborator_in_the_owners_messages(owner_client, owner, shared, stranger):
    Profile.objects.filter(user=stranger).update(display_name="Dr Chen")
    response = owner_client.post(
        reverse("grading:collaborators"),
        {"assignment": shared.pk, "who": stranger.username, "role": "grader"},
        follow=True,
    )
    assert "Shared with Dr Chen." in response.content.decode()
    share = Collaborator.objects.get(user=stranger)
    response = owner_client.post(reverse("grading:collaborator_remove", args=[share.pk]), follow=True)
    assert "Dr Chen no longer sees" in response.content.decode()


def test_it_falls_back_to_the_username_without_a_display_name(collaborator_client, owner, collaborator):
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator)
    page = collaborator_client.get(reverse("grading:collaborators")).content.decode()
    assert f"from {owner.username}, as viewer" in page


def test_it_gives_the_display_name_in_the_api(owner, shared):
    from tests.factories import token_client

    response = token_client(owner).get(f"/api/assignments/{shared.pk}/collaborators/")
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["user"], r["display_name"]) for r in rows] == [("collaborator", "Mr Okafor")]
