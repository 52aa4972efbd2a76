"""A real worker grades a class's pages against the teacher's worksheet or the DigitSight sheet.

Pages come from ml.worksheets_synth (printed worksheets written with MNIST *test* digits), scanned;
everything goes through the API, Redis and a Celery worker, as for a teacher.
"""

import io

import numpy as np
import pytest
from PIL import Image
from rest_framework.test import APIClient

from grading.models import Submission
from ml.litert import default_model_path
from tests.factories import PASSWORD
from tests.grading.factories import AssignmentFactory
from tests.live_worker import wait_for
from worksheets.models import Worksheet

pytestmark = [
    pytest.mark.worker,
    pytest.mark.slow,
    pytest.mark.skipif(not default_model_path().exists(), reason="no trained model shipped"),
]


def client_for(user) -> APIClient:
    client = APIClient()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def upload(name: str, data: bytes) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def pdf_of(*pages: np.ndarray) -> bytes:
    images = [Image.fromarray(page).convert("RGB") for page in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=150, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def finished(ids, count):
    def check():
        rows = list(Submission.objects.filter(pk__in=ids).order_by("created_at"))
        done = [s for s in rows if s.status in ("graded", "needs_attention", "failed")]
        return rows if len(done) == count else None

    return check


def test_it_grades_a_class_upload_against_the_teachers_worksheet(live_worker, owner):
    from ml import worksheets_synth as ws

    blank = ws.make_template(np.random.default_rng(0), "beside", questions=5)
    ana = ws.fill(np.random.default_rng(1), blank, blank_share=0)
    bo = ws.fill(np.random.default_rng(2), blank, blank_share=0)
    key = ana.labels
    client = client_for(owner)
    assignment = AssignmentFactory(owner=owner, answer_key=["1"])

    proposed = client.put(
        f"/api/assignments/{assignment.pk}/template/",
        {"file": upload("blank.png", ws.encode(blank.image))},
        format="multipart",
    )
    assert proposed.status_code == 200, proposed.content[:300]
    assert len(proposed.json()["regions"]) == 5
    regions = [
        {"name": r["name"], "box": r["box"], "answer": answer, "points": 2 if r["name"] == "1" else 1}
        for r, answer in zip(blank.regions, key, strict=True)
    ]
    saved = client.put(f"/api/assignments/{assignment.pk}/regions/", {"regions": regions}, format="json")
    assert saved.status_code == 200, saved.json()

    scans = [ws.scan(np.random.default_rng(k), page.image)[0] for k, page in enumerate((ana, bo))]
    class_pdf = client.post(
        f"/api/assignments/{assignment.pk}/submissions/",
        {"image": upload("class.pdf", pdf_of(*scans))},
        format="multipart",
    )
    assert class_pdf.status_code == 202
    other = ws.fill(np.random.default_rng(5), ws.make_template(np.random.default_rng(9), "two_columns", 8))
    stray = client.post(
        f"/api/assignments/{assignment.pk}/submissions/",
        {"image": upload("stray.png", ws.encode(other.image)), "student": "Stray"},
        format="multipart",
    )
    ids = [s["id"] for s in class_pdf.json()["submissions"]] + [stray.json()["id"]]

    pages = wait_for(finished(ids, 3), timeout=240)
    first, second, lost = pages
    assert first.status == "graded", (first.reason, live_worker.log())
    assert [a["predicted"] for a in first.answers] == key
    assert first.score == first.max_score == 6.0
    expected = sum(
        (2 if n == 0 else 1) for n, (a, b) in enumerate(zip(bo.labels, key, strict=True)) if a == b
    )
    assert [a["predicted"] for a in second.answers] == bo.labels
    assert second.score == expected
    assert lost.status == "needs_attention" and lost.score is None
    assert "does not match" in lost.reason

    body = client.get(f"/api/submissions/{first.pk}/").json()
    assert [a["name"] for a in body["answers"]] == ["1", "2", "3", "4", "5"]
    crop = client.get(body["answers"][0]["crop_url"])
    assert crop.status_code == 200 and Image.open(io.BytesIO(b"".join(crop.streaming_content))).width > 10
    assert client.get(f"/api/submissions/{lost.pk}/").json()["reason"] == lost.reason


def filled_sheet(sheet_id: str, student: str, answers: list[str], seed: int) -> bytes:
    """Our own printed sheet (from its id), written in by hand and scanned."""
    from ml import sheet, synth
    from ml import worksheets_synth as ws

    rng = np.random.default_rng(seed)
    layout = sheet.SheetLayout.from_id(sheet_id)
    scale = 150 / 72
    blank = sheet.render(layout, 150, title="Quiz")
    regions = layout.regions()
    x, y = synth.test_digits()
    ink = np.zeros(blank.shape, np.float32)
    boxes = [[v * scale for v in b] for r in regions if r["name"] == "student_id" for b in r["digits"]]
    boxes += [[v * scale for v in r["box"]] for r in regions if r["name"] != "student_id"]
    for box, number in zip(boxes, list(student) + answers, strict=True):
        digits = [x[int(rng.choice(np.flatnonzero(y == int(d))))] for d in number]
        ws._write(rng, ink, box, digits)
    page = np.clip(blank.astype(np.float32) * (1 - 0.85 * ink), 0, 255).astype(np.uint8)
    return ws.encode(ws.scan(rng, page)[0])


def test_it_grades_answer_sheets_and_matches_students_by_id(live_worker, owner):
    client = client_for(owner)
    key = ["12", "7", "345", "60"]
    assignment = AssignmentFactory(owner=owner, answer_key=key)
    elsewhere = AssignmentFactory(owner=owner, answer_key=key)
    roster = "name,student_id\nAna Lopez,123456\nBo Chen,654321\n"
    imported = client.post(
        "/api/roster/import/", {"file": upload("c.csv", roster.encode())}, format="multipart"
    )
    assert imported.json() == {"created": 2, "updated": 0}
    for target in (assignment, elsewhere):
        pdf = client.get(f"/api/assignments/{target.pk}/sheet.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sheet_id = Worksheet.objects.get(pk=assignment.pk).sheet_layout["id"]
    other_id = Worksheet.objects.get(pk=elsewhere.pk).sheet_layout["id"]

    photos = [
        ("p1.png", filled_sheet(sheet_id, "123456", ["12", "7", "345", "60"], 1)),
        ("p2.png", filled_sheet(sheet_id, "654321", ["12", "1", "345", "60"], 2)),
        ("p3.png", filled_sheet(sheet_id, "777777", ["12", "7", "345", "60"], 3)),
        ("p4.png", filled_sheet(other_id, "123456", ["12", "7", "345", "60"], 4)),
    ]
    ids = []
    for name, data in photos:
        response = client.post(
            f"/api/assignments/{assignment.pk}/submissions/",
            {"image": upload(name, data)},
            format="multipart",
        )
        assert response.status_code == 202
        ids.append(response.json()["id"])

    ana, bo, unknown, foreign = wait_for(finished(ids, 4), timeout=240)
    assert (ana.student, ana.roster_student.student_id, ana.score) == ("Ana Lopez", "123456", 4.0), ana.reason
    assert (bo.student, bo.score) == ("Bo Chen", 3.0)
    assert unknown.roster_student is None and unknown.status == "graded" and unknown.needs_review
    assert any("777777 is not on your class list" in r for r in unknown.review_reasons)
    assert foreign.status == "needs_attention" and "belongs to another assignment" in foreign.reason
