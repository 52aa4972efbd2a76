"""The teacher's grading pages: key form, grading view, overrides, groups, review navigation."""

import pytest

from grading.models import Assignment, Submission
from grading.receivers import on_prediction_finished
from tests.grading.factories import AssignmentFactory, graded


def test_it_creates_an_assignment_from_one_answer_per_line(owner_client, owner):
    response = owner_client.post(
        "/assignments/new/",
        {
            "title": "Sums",
            "class_name": "5B",
            "answer_key_text": "12\n\n 7 \n-3.5\n",
            "points_text": "2, 1\n1",
        },
    )
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert (assignment.owner, assignment.answer_key, assignment.points) == (
        owner,
        ["12", "7", "-3.5"],
        [2, 1, 1],
    )


@pytest.mark.parametrize(
    ("key", "points", "message"),
    [
        ("", "", "This field is required"),
        ("12\nabc", "", "Line 2"),
        ("1\n2", "1", "Give points for each of the 2 questions"),
    ],
)
def test_it_explains_what_is_wrong_with_the_key(owner_client, key, points, message):
    response = owner_client.post(
        "/assignments/new/", {"title": "x", "answer_key_text": key, "points_text": points}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not Assignment.objects.exists()


def test_it_lists_scores_statuses_and_flags(owner_client, owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["12", "7"])
    graded(assignment, ["12", "7"], student="Ana")
    graded(assignment, ["12", ("1", 0.2)], student="Ben")
    page = owner_client.get(f"/assignments/{assignment.pk}/").content.decode()
    assert "Ana" in page and "2 / 2" in page and "1 / 2" in page
    assert page.count("needs review") == 1 and "Next needing review (1)" in page
    stats = owner_client.get(f"/assignments/{assignment.pk}/stats/").json()["questions"]
    assert [(q["correct"], q["graded"], q["percent"]) for q in stats] == [(2, 2, 100.0), (1, 2, 50.0)]


def test_it_shows_the_page_with_boxes_and_colour_coded_confidence(owner_client, owner):
    submission = graded(AssignmentFactory(owner=owner, answer_key=["12", "7"]), ["12", ("1", 0.3)])
    page = owner_client.get(f"/submissions/{submission.pk}/").content.decode()
    assert page.count("<rect") == 2 and "conf-low" in page and "conf-high" in page
    assert "Low confidence on question 2." in page
    image = owner_client.get(f"/submissions/{submission.pk}/image/")
    assert image["Content-Type"] == "image/png" and b"".join(image.streaming_content)[:4] == b"\x89PNG"


def test_it_overrides_from_the_page_and_keeps_the_reading(owner_client, owner):
    submission = graded(AssignmentFactory(owner=owner, answer_key=["12", "7"]), ["12", "1"])
    owner_client.post(f"/submissions/{submission.pk}/override/", {"question": 2, "predicted": "7"})
    submission.refresh_from_db()
    assert submission.score == 2 and submission.answers[1]["original_predicted"] == "1"
    assert "read: 1" in owner_client.get(f"/submissions/{submission.pk}/").content.decode()
    owner_client.post(f"/submissions/{submission.pk}/override/", {"question": 2, "clear": "1"})
    submission.refresh_from_db()
    assert submission.score == 1 and submission.overrides == {}


def test_it_keeps_overrides_when_the_page_is_read_again(owner):
    submission = graded(AssignmentFactory(owner=owner, answer_key=["12", "7"]), ["12", "1"])
    Submission.objects.filter(pk=submission.pk).update(overrides={"2": {"correct": True}}, reviewed=True)
    prediction = submission.prediction
    prediction.result = {"numbers": [{"number": "13", "confidence": 0.99, "line": 0}]}
    prediction.save()
    on_prediction_finished(sender=None, prediction=prediction)
    submission.refresh_from_db()
    assert [a["predicted"] for a in submission.answers] == ["13", ""]
    assert [a["correct"] for a in submission.answers] == [False, True]
    assert submission.needs_review and not submission.reviewed  # a new reading is worth a new look


def test_it_marks_a_whole_answer_group_at_once(owner_client, owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["12"])
    subs = [graded(assignment, [answer]) for answer in ("17", "017", "12")]
    page = owner_client.get(f"/assignments/{assignment.pk}/groups/?q=1").content.decode()
    assert "All correct" in page and "17" in page
    owner_client.post(
        f"/assignments/{assignment.pk}/groups/mark/", {"question": 1, "value": "17", "correct": "1"}
    )
    scores = [Submission.objects.get(pk=s.pk).score for s in subs]
    assert scores == [1, 1, 1]


def test_it_walks_through_the_pages_needing_review(owner_client, owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["12"])
    ana = graded(assignment, [("12", 0.1)], student="Ana")
    graded(assignment, ["12"], student="Ben")
    cleo = graded(assignment, [("12", 0.1)], student="Cleo")
    assert (
        owner_client.get(f"/assignments/{assignment.pk}/next-review/")["Location"]
        == f"/submissions/{ana.pk}/"
    )
    after_ana = owner_client.get(f"/assignments/{assignment.pk}/next-review/?after={ana.pk}")
    assert after_ana["Location"] == f"/submissions/{cleo.pk}/"
    response = owner_client.post(f"/submissions/{ana.pk}/reviewed/")
    assert response["Location"] == f"/submissions/{cleo.pk}/"
    assert not Submission.objects.get(pk=ana.pk).needs_review


def test_it_lets_a_viewer_see_but_not_touch(collaborator_client, collaborator, owner):
    from tests.grading.factories import CollaboratorFactory

    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="viewer")
    submission = graded(assignment, ["12", "7", "345"])
    page = collaborator_client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "Override" not in page
    assert (
        collaborator_client.post(f"/submissions/{submission.pk}/override/", {"question": 1}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/assignments/new/", {"title": "x", "answer_key_text": "1"}),
        ("/collaborators/", {"who": "collaborator", "role": "viewer"}),
    ],
)
def test_it_rejects_forms_without_a_csrf_token(csrf_client, owner, url, data):
    from tests.factories import PASSWORD

    csrf_client.login(username=owner.username, password=PASSWORD)
    assert csrf_client.post(url, data).status_code == 403
    assert not Assignment.objects.filter(title="x").exists()


def test_it_rejects_an_override_without_a_csrf_token(csrf_client, owner):
    from tests.factories import PASSWORD

    submission = graded(AssignmentFactory(owner=owner), ["1", "2", "3"])
    csrf_client.login(username=owner.username, password=PASSWORD)
    assert (
        csrf_client.post(
            f"/submissions/{submission.pk}/override/", {"question": 1, "verdict": "correct"}
        ).status_code
        == 403
    )
    assert Submission.objects.get(pk=submission.pk).overrides == {}
