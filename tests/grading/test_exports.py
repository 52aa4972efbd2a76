"""Grades CSV and the audio readout ZIP (espeak-ng for real: DIGITSIGHT_TTS is offline in tests)."""

import csv
import io
import zipfile

import pytest

from grading.exports import build_audio_export
from grading.models import AudioExport
from tests.grading.factories import AssignmentFactory, SubmissionFactory, graded


@pytest.fixture
def assignment(owner):
    assignment = AssignmentFactory(owner=owner, answer_key=["12", "7"], points=[2, 1])
    graded(assignment, ["12", "1"], student="Ana")
    graded(assignment, ["12", "7"], student="=cmd|'/c calc'!A1")
    SubmissionFactory(
        assignment=assignment, student="Zoe", prediction__status="pending", prediction__result={}
    )
    return assignment


def test_it_exports_one_row_per_student_with_each_question(owner_client, assignment):
    response = owner_client.get(f"/assignments/{assignment.pk}/grades.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "student", "status", "score", "max_score", "needs_review",
        "q1_read", "q1_expected", "q1_correct", "q2_read", "q2_expected", "q2_correct",
    ]  # fmt: skip
    assert rows[1] == ["'=cmd|'/c calc'!A1", "graded", "3", "3", "no", "12", "12", "yes", "7", "7", "yes"]
    assert rows[2] == ["Ana", "graded", "2", "3", "no", "12", "12", "yes", "1", "7", "no"]
    assert rows[3] == ["Zoe", "pending", "", "3", "no", "", "12", "", "", "7", ""]


def test_it_makes_a_zip_with_one_spoken_readout_per_graded_student(assignment, owner):
    export = AudioExport.objects.create(assignment=assignment, requested_by=owner)
    build_audio_export(export.pk)
    export.refresh_from_db()
    assert export.status == "done", export.error
    with zipfile.ZipFile(export.file.open("rb")) as archive:
        names = archive.namelist()
        transcript = archive.read("transcript.txt").decode()
        audio = archive.read("02-ana.wav")
    assert names == ["01-cmdc-calca1.wav", "02-ana.wav", "transcript.txt"]
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE" and len(audio) > 10_000
    assert (
        "Student Ana. Question 1: 12, correct. Question 2: 1, incorrect, expected 7. Score 2 out of 3."
        in transcript
    )


def test_it_builds_the_zip_in_the_worker_and_serves_it_when_ready(
    owner_client, assignment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/assignments/{assignment.pk}/audio/")
    export = AudioExport.objects.get()
    assert response["Location"] == f"/assignments/{assignment.pk}/audio/{export.pk}/"
    assert b"Download ZIP" in owner_client.get(response["Location"]).content
    download = owner_client.get(f"/assignments/{assignment.pk}/audio/{export.pk}/download/")
    assert download["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).testzip() is None


def test_it_says_the_export_is_not_ready_while_pending(owner_client, assignment):
    export = AudioExport.objects.create(assignment=assignment)
    page = owner_client.get(f"/assignments/{assignment.pk}/audio/{export.pk}/")
    assert b'http-equiv="refresh"' in page.content
    assert owner_client.get(f"/assignments/{assignment.pk}/audio/{export.pk}/download/").status_code == 404


def test_it_records_why_an_export_failed(assignment, settings, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no espeak-ng: the real failure path
    export = AudioExport.objects.create(assignment=assignment)
    build_audio_export(export.pk)
    export.refresh_from_db()
    assert export.status == "failed" and export.error
