from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.names import display_name
from digitsight.middleware import file_too_large_message
from digitsight.responses import nosniff
from grading import access, exports, reports, services
from grading.forms import (
    AssignmentForm,
    ClassUploadForm,
    GroupMarkForm,
    OverrideForm,
    RoleForm,
    ShareForm,
    StudentForm,
)
from grading.live import assignment_state
from grading.models import Assignment, AudioExport, Collaborator, Submission
from predictor.upload_handlers import oversized_files
from predictor.uploads import is_pdf_name

# --- Assignments -----------------------------------------------------------------------------


@login_required
@require_GET
def assignment_list(request):
    assignments = access.assignments_for_user(request.user).order_by("-created_at")
    return render(request, "grading/assignment_list.html", {"assignments": assignments})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request):
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.owner = request.user
        assignment = form.save()
        messages.success(request, f"“{assignment.title}” created. Upload the class's worksheets next.")
        return redirect("grading:class_upload", pk=assignment.pk)
    return render(request, "grading/assignment_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk, manage=True)
    form = AssignmentForm(request.POST or None, instance=assignment)
    if request.method == "POST" and form.is_valid():
        form.save()
        count = services.regrade_assignment(assignment)
        messages.success(request, f"Saved. {count} submission(s) graded again; overrides were kept.")
        return redirect("grading:assignment_detail", pk=pk)
    return render(request, "grading/assignment_form.html", {"form": form, "assignment": assignment})


@login_required
@require_http_methods(["GET", "POST"])
def assignment_delete(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk, manage=True)
    if request.method == "POST":
        predictions = [s.prediction for s in assignment.submissions.select_related("prediction")]
        _delete_with_pages(assignment, predictions)
        messages.success(request, f"“{assignment.title}” deleted.")
        return redirect("grading:assignment_list")
    return render(request, "grading/assignment_delete.html", {"assignment": assignment})


def _delete_with_pages(obj, predictions):
    from predictor.services import delete_prediction

    with transaction.atomic():
        for prediction in predictions:
            delete_prediction(prediction)
        obj.delete()


def _grading_context(assignment):
    submissions = list(assignment.submissions.select_related("prediction").order_by("student", "created_at"))
    return {
        "assignment": assignment,
        "submissions": submissions,
        "stats": services.question_stats(assignment),
        "flagged": sum(s.needs_review for s in submissions),
        "exports": assignment.audio_exports.all()[:3],
        "live": assignment_state(assignment),
    }


@login_required
@require_GET
def assignment_detail(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk)
    return render(request, "grading/assignment_detail.html", _grading_context(assignment))


@login_required
@require_GET
def question_stats(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk)
    return JsonResponse({"questions": services.question_stats(assignment)})


@login_required
@require_http_methods(["GET", "POST"])
def class_upload(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk, write=True)
    form = ClassUploadForm(request.POST or None, request.FILES or None)
    # Files skipped as they arrived, for being over the size limit (predictor.upload_handlers).
    oversized = [f"{name}: {file_too_large_message()}" for name in oversized_files(request)]
    if request.method == "POST" and form.is_valid():
        created, errors = services.add_class_pages(assignment, request.user, form.cleaned_data["pages"])
        for error in oversized + errors:
            messages.error(request, error)
        if created:
            # No "being read" here: the table's status badges say that, and stay true when it ends.
            messages.success(request, f"Uploaded {len(created)} page{pluralize(len(created))}.")
            return redirect("grading:assignment_detail", pk=pk)
        form.add_error("pages", "No page could be read.")
    elif oversized:
        form.errors["pages"] = form.error_class(oversized)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "grading/class_upload.html", {"assignment": assignment, "form": form}, status=status
    )


@login_required
@require_GET
def next_review(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk)
    after = assignment.submissions.filter(pk=request.GET["after"]).first() if _is_uuid(request) else None
    target = services.next_needing_review(assignment, after)
    if target is None:
        messages.info(request, "Nothing left to review.")
        return redirect("grading:assignment_detail", pk=pk)
    return redirect("grading:submission_detail", pk=target.pk)


def _is_uuid(request) -> bool:
    import uuid

    try:
        uuid.UUID(request.GET.get("after", ""))
    except ValueError:
        return False
    return True


# --- Answer groups ---------------------------------------------------------------------------


@login_required
@require_GET
def answer_groups(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk)
    question = _question_param(request.GET.get("q"), assignment)
    groups = services.answer_groups(assignment, question)
    context = {
        "assignment": assignment,
        "question": question,
        "expected": assignment.answer_key[question - 1],
        "groups": groups,
        "questions": range(1, len(assignment.answer_key) + 1),
    }
    return render(request, "grading/answer_groups.html", context)


def _question_param(value, assignment) -> int:
    try:
        question = int(value or 1)
    except ValueError:
        question = 1
    return min(max(question, 1), len(assignment.answer_key))


@login_required
@require_POST
def mark_group(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk, write=True)
    form = GroupMarkForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Invalid group.", status=400)
    question = _question_param(form.cleaned_data["question"], assignment)
    count = services.mark_group(
        assignment, question, form.cleaned_data["value"], form.cleaned_data["correct"]
    )
    verdict = "correct" if form.cleaned_data["correct"] else "incorrect"
    messages.success(request, f"Question {question}: {count} answer(s) marked {verdict}.")
    return redirect(f"{reverse('grading:answer_groups', args=[pk])}?q={question}")


# --- Submissions -----------------------------------------------------------------------------


@login_required
@require_GET
def submission_detail(request, pk):
    submission = access.get_submission_for_user(request.user, pk)
    assignment = submission.assignment
    context = {
        "submission": submission,
        "assignment": assignment,
        "prediction": submission.prediction,
        "next_review": services.next_needing_review(assignment, submission),
        "boxes": _boxes(submission),
        "override_form": OverrideForm(),
        "student_form": StudentForm(initial={"student": submission.student}),
    }
    return render(request, "grading/submission_detail.html", context)


def _boxes(submission) -> list[dict]:
    boxes = [
        {"box": a["box"], "label": f"Q{a['question']}", "css": "ok" if a["correct"] else "bad"}
        for a in submission.answers
        if a.get("box")
    ]
    boxes += [
        {"box": e["box"], "label": "extra", "css": "extra"} for e in submission.extra_answers if e.get("box")
    ]
    return boxes


@login_required
@require_GET
def submission_image(request, pk):
    submission = access.get_submission_for_user(request.user, pk)
    image = submission.prediction.image
    if not image or is_pdf_name(image.name):  # a PDF page not rendered yet
        raise Http404("No image.")
    return nosniff(FileResponse(image.open("rb"), content_type="image/png"), max_age=3600)


@login_required
@require_POST
def submission_override(request, pk):
    submission = access.get_submission_for_user(request.user, pk, write=True)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.override_answer(
                submission,
                form.cleaned_data["question"],
                predicted=form.cleaned_data["predicted"],
                correct=form.correct(),
                clear=form.cleaned_data["clear"],
            )
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Question {form.cleaned_data['question']} updated.")
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("grading:submission_detail", pk=pk)


@login_required
@require_POST
def submission_reviewed(request, pk):
    submission = access.get_submission_for_user(request.user, pk, write=True)
    services.mark_reviewed(submission, reviewed=request.POST.get("reviewed", "1") == "1")
    target = services.next_needing_review(submission.assignment, submission)
    return redirect("grading:submission_detail", pk=target.pk if target else pk)


@login_required
@require_POST
def submission_rename(request, pk):
    access.get_submission_for_user(request.user, pk, write=True)
    form = StudentForm(request.POST)
    if form.is_valid():
        Submission.objects.filter(pk=pk).update(student=form.cleaned_data["student"].strip())
        messages.success(request, "Student renamed.")
    else:
        messages.error(request, "Enter the student's name.")
    return redirect("grading:submission_detail", pk=pk)


@login_required
@require_POST
def submission_delete(request, pk):
    submission = access.get_submission_for_user(request.user, pk, manage=True)
    _delete_with_pages(submission, [submission.prediction])
    messages.success(request, f"{submission.student}'s page deleted.")
    return redirect("grading:assignment_detail", pk=submission.assignment_id)


# --- Exports ---------------------------------------------------------------------------------


@login_required
@require_GET
def grades_csv(request, pk):
    assignment = access.get_assignment_for_user(request.user, pk)
    return csv_response(assignment)


def csv_response(assignment) -> HttpResponse:
    response = HttpResponse(exports.grades_csv(assignment), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = exports.attachment_header(assignment, "grades", "csv")
    return nosniff(response)


@login_required
@require_POST
def audio_export_create(request, pk):
    # An export makes a readout per student (gTTS calls, a stored ZIP): a write, not a read.
    assignment = access.get_assignment_for_user(request.user, pk, write=True)
    language = getattr(getattr(request.user, "profile", None), "language", "") or "en"
    export = services.start_audio_export(assignment, request.user, language)
    return redirect("grading:audio_export_detail", pk=pk, export_id=export.pk)


@login_required
@require_GET
def audio_export_detail(request, pk, export_id):
    export = access.get_export_for_user(request.user, pk, export_id)
    return render(request, "grading/audio_export.html", {"export": export, "assignment": export.assignment})


@login_required
@require_GET
def audio_export_download(request, pk, export_id):
    export = access.get_export_for_user(request.user, pk, export_id)
    if export.status != AudioExport.Status.DONE or not export.file:
        raise Http404("The export is not ready.")
    response = FileResponse(export.file.open("rb"), as_attachment=True, content_type="application/zip")
    response["Content-Disposition"] = exports.attachment_header(export.assignment, "readouts", "zip")
    return nosniff(response)


# --- Collaborators ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collaborators(request):
    form = ShareForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _share(form.cleaned_data["assignment"], form.cleaned_data["who"], form.cleaned_data["role"]):
            messages.success(request, f"Shared with {display_name(form.cleaned_data['who'])}.")
            return redirect("grading:collaborators")
        form.add_error("who", "Already shared with this teacher: change their role below.")
    own = Assignment.objects.filter(owner=request.user).prefetch_related("collaborators__user__profile")
    shared = Collaborator.objects.filter(user=request.user).select_related("assignment__owner__profile")
    context = {"form": form, "own": own, "shared": shared, "roles": Collaborator.Role.choices}
    return render(request, "grading/collaborators.html", context, status=400 if form.errors else 200)


def _share(assignment, user, role) -> bool:
    try:
        with transaction.atomic():
            Collaborator.objects.create(assignment=assignment, user=user, role=role)
    except IntegrityError:
        return False
    return True


@login_required
@require_POST
def collaborator_role(request, pk):
    share = access.get_share_for_owner(request.user, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        Collaborator.objects.filter(pk=share.pk).update(role=form.cleaned_data["role"])
        messages.success(request, f"{display_name(share.user)} is now a {form.cleaned_data['role']}.")
    return redirect("grading:collaborators")


@login_required
@require_POST
def collaborator_remove(request, pk):
    share = access.get_share_for_owner(request.user, pk)
    share.delete()
    messages.success(request, f"{display_name(share.user)} no longer sees “{share.assignment.title}”.")
    return redirect("grading:collaborators")


# --- Model page ------------------------------------------------------------------------------


@login_required
@require_GET
def model_page(request):
    context = {"summary": reports.model_summary(), "field": reports.field_accuracy_from_db()}
    return render(request, "grading/model.html", context)


@login_required
@require_GET
def model_report_image(request, name):
    path = reports.report_image(name)
    if path is None:
        raise Http404("No such report image.")
    return nosniff(FileResponse(path.open("rb"), content_type="image/png"))
