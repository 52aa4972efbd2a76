"""Web pages of the worksheet flow: template and regions editor, crops, grading by question,
the "needs attention" list and the class list. Lookups go through the access helpers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from digitsight.responses import nosniff
from grading import access as grading_access
from grading import roster
from grading.models import RosterStudent, Submission
from worksheets import access, services
from worksheets.forms import RosterImportForm, RosterStudentForm, TemplateForm
from worksheets.models import Worksheet

# --- Template and regions --------------------------------------------------------------------


@login_required
@require_GET
def worksheet_editor(request, pk):
    assignment = grading_access.get_assignment_for_user(request.user, pk, manage=True)
    worksheet = Worksheet.objects.filter(assignment=assignment).first()
    editor = {
        "regions": services.current_regions(worksheet) if worksheet else [],
        "width": worksheet.width if worksheet else 0,
        "height": worksheet.height if worksheet else 0,
        "template_api": reverse("worksheets_api:template", kwargs={"pk": pk}),
        "regions_api": reverse("worksheets_api:regions", kwargs={"pk": pk}),
    }
    context = {"assignment": assignment, "worksheet": worksheet, "form": TemplateForm(), "editor": editor}
    return render(request, "worksheets/editor.html", context)


@login_required
@require_POST
def template_upload(request, pk):
    """The form fallback of PUT /api/assignments/<id>/template/: store, propose, back to the editor."""
    from predictor.uploads import UploadRejected

    worksheet = access.get_worksheet_for_user(request.user, pk, manage=True, create=True)
    form = TemplateForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the blank worksheet (an image or a PDF).")
        return redirect("worksheets:editor", pk=pk)
    try:
        proposed = services.set_template(worksheet, form.cleaned_data["file"])
    except UploadRejected as exc:
        messages.error(request, str(exc))
        return redirect("worksheets:editor", pk=pk)
    if not worksheet.regions and proposed:
        worksheet.regions = proposed
        worksheet.save(update_fields=["regions", "updated_at"])
    messages.success(
        request, f"Worksheet stored; {len(proposed)} answer area(s) proposed. Check them and save."
    )
    return redirect("worksheets:editor", pk=pk)


@login_required
@require_GET
def template_image(request, pk):
    worksheet = access.get_worksheet_for_user(request.user, pk)
    if not worksheet.template:
        raise Http404("No template uploaded.")
    return nosniff(FileResponse(worksheet.template.open("rb"), content_type="image/png"), max_age=3600)


@login_required
@require_GET
def submission_crop(request, pk, index):
    _submission, name = access.get_crop_for_user(request.user, pk, index)
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The crop is gone; re-read the page.") from None
    return nosniff(FileResponse(handle, content_type="image/png"), max_age=3600)


# --- Grading by question and pages that need attention ------------------------------------


@login_required
@require_GET
def question_grid(request, pk, question):
    assignment = grading_access.get_assignment_for_user(request.user, pk)
    if not 1 <= question <= len(assignment.answer_key):
        raise Http404("No such question.")
    cells = _cells(assignment, question)
    groups = _groups(cells)
    context = {
        "assignment": assignment,
        "question": question,
        "expected": assignment.answer_key[question - 1],
        "cells": cells,
        "groups": groups,
        "questions": range(1, len(assignment.answer_key) + 1),
    }
    return render(request, "worksheets/question_grid.html", context)


def _cells(assignment, question: int) -> list[dict]:
    cells = []
    graded = assignment.submissions.filter(status=Submission.Status.GRADED).order_by("student", "created_at")
    for submission in graded:
        answer = next((a for a in submission.answers if a["question"] == question), None)
        if answer is not None:
            cells.append({"submission": submission, "answer": answer})
    return cells


def _groups(cells: list[dict]) -> list[dict]:
    from grading.scoring import normalize

    groups: dict[str, dict] = {}
    for cell in cells:
        value = normalize(cell["answer"]["predicted"])
        groups.setdefault(value, {"predicted": value, "cells": []})["cells"].append(cell)
    return sorted(groups.values(), key=lambda g: (-len(g["cells"]), g["predicted"]))


@login_required
@require_GET
def needs_attention(request, pk):
    assignment = grading_access.get_assignment_for_user(request.user, pk)
    pages = assignment.submissions.filter(status=Submission.Status.NEEDS_ATTENTION).select_related(
        "prediction"
    )
    flagged = assignment.submissions.filter(status=Submission.Status.GRADED, needs_review=True)
    context = {"assignment": assignment, "pages": pages, "flagged": flagged}
    return render(request, "worksheets/needs_attention.html", context)


@login_required
@require_POST
def pick_student(request, pk):
    """The teacher names the page's student: "Name (ID)" from the list, an ID, or a unique name."""
    from grading.services import pick_student as pick

    submission = grading_access.get_submission_for_user(request.user, pk, write=True)
    found = roster.find(submission.assignment.owner_id, request.POST.get("student", ""))
    if isinstance(found, str):
        messages.error(request, found)
    else:
        pick(submission, found.pk)
        messages.success(request, f"Page set to {found.name} ({found.student_id}).")
    return redirect("grading:submission_detail", pk=pk)


# --- The class list --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def roster_page(request):
    form = RosterStudentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                RosterStudent.objects.create(owner=request.user, **form.cleaned_data)
        except IntegrityError:
            form.add_error("student_id", "You already have a student with this ID.")
        else:
            messages.success(request, f"{form.cleaned_data['name']} added.")
            return redirect("worksheets:roster")
    context = {
        "students": grading_access.roster_for_user(request.user),
        "form": form,
        "import_form": RosterImportForm(),
    }
    return render(request, "worksheets/roster.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def roster_import(request):
    form = RosterImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file.")
        return redirect("worksheets:roster")
    try:
        counts = roster.import_csv(request.user, form.cleaned_data["file"].read(1_000_000))
    except roster.RosterError as exc:
        messages.error(request, f"Nothing was imported: {exc}")
    else:
        messages.success(request, f"{counts['created']} student(s) added, {counts['updated']} updated.")
    return redirect("worksheets:roster")


@login_required
@require_POST
def roster_delete(request, pk):
    student = grading_access.get_roster_student_for_user(request.user, pk)
    student.delete()
    messages.success(request, f"{student.name} removed from the class list.")
    return redirect("worksheets:roster")
