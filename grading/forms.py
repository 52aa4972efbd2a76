from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from grading import scoring
from grading.models import Assignment, Collaborator

MAX_QUESTIONS = 200


def parse_answer_key(lines) -> list[str]:
    """Validated key entries; raises forms.ValidationError listing the bad lines."""
    answers, errors = [], []
    for number, line in enumerate(lines, start=1):
        try:
            answers.append(scoring.clean_answer(line))
        except ValueError:
            errors.append(f"Line {number}: “{line}” is not a number.")
    if errors:
        raise forms.ValidationError(errors)
    if not answers:
        raise forms.ValidationError("Enter at least one expected answer.")
    if len(answers) > MAX_QUESTIONS:
        raise forms.ValidationError(f"At most {MAX_QUESTIONS} questions.")
    return answers


def parse_points(values, questions: int) -> list[float] | None:
    if not values:
        return None
    try:
        points = [float(Decimal(str(v).strip())) for v in values]
    except (ArithmeticError, ValueError):
        raise forms.ValidationError("Points must be numbers.")
    if len(points) != questions:
        raise forms.ValidationError(f"Give points for each of the {questions} questions, or none.")
    if any(p < 0 for p in points):
        raise forms.ValidationError("Points cannot be negative.")
    return points


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class AssignmentForm(forms.ModelForm):
    answer_key_text = forms.CharField(
        label="Answer key",
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace", "spellcheck": "false"}),
        help_text="One expected answer per line, in question order: a number, e.g. 12, -3, 3.5 or 3/4 "
        "(the reader reads minus signs, decimal points and fraction bars).",
    )
    points_text = forms.CharField(
        label="Points per question",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}),
        help_text="Optional, one per line or comma-separated. Empty: one point each.",
    )

    class Meta:
        model = Assignment
        fields = ["title", "class_name", "tolerance", "fraction_equivalence"]
        help_texts = {
            "tolerance": "Optional. Empty: answers must equal the key as numbers (3.50 is 3.5; leading "
            "zeros and spaces ignored). A number: answers within ± this value count as correct.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["answer_key_text"] = "\n".join(self.instance.answer_key)
            self.initial["points_text"] = "\n".join(f"{p:g}" for p in self.instance.points or [])
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "")
            field.widget.attrs["class"] += " form-control"
        self.fields["fraction_equivalence"].widget.attrs["class"] = "form-check-input d-block"

    def clean_answer_key_text(self):
        return parse_answer_key(_lines(self.cleaned_data["answer_key_text"]))

    def clean_tolerance(self):
        tolerance = self.cleaned_data.get("tolerance")
        if tolerance is not None and tolerance < 0:
            raise forms.ValidationError("The tolerance cannot be negative.")
        return tolerance

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("answer_key_text")
        if key is not None:
            values = [
                v for line in _lines(cleaned.get("points_text", "")) for v in line.split(",") if v.strip()
            ]
            try:
                cleaned["points"] = parse_points(values, len(key))
            except forms.ValidationError as exc:
                self.add_error("points_text", exc)
        return cleaned

    def save(self, commit=True):
        self.instance.answer_key = self.cleaned_data["answer_key_text"]
        self.instance.points = self.cleaned_data.get("points")
        return super().save(commit)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files if f]
        if not cleaned and self.required:
            raise forms.ValidationError("Choose at least one photo or PDF.")
        return cleaned


class ClassUploadForm(forms.Form):
    pages = MultipleFileField(
        label="Worksheets",
        help_text="Photos (one student each) or a PDF scan (one student per page). "
        "Students are named after the file; you can rename them afterwards.",
    )


class ShareForm(forms.Form):
    assignment = forms.ModelChoiceField(queryset=Assignment.objects.none())
    who = forms.CharField(label="Username or e-mail", max_length=254)
    role = forms.ChoiceField(choices=Collaborator.Role.choices)

    def __init__(self, owner, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.fields["assignment"].queryset = Assignment.objects.filter(owner=owner)

    def clean_who(self):
        user = find_teacher(self.cleaned_data["who"])
        if user is None:
            raise forms.ValidationError("No teacher with that username or e-mail.")
        if user == self.owner:
            raise forms.ValidationError("You already own your assignments.")
        return user


def find_teacher(who: str):
    who = (who or "").strip()
    if not who:
        return None
    matches = list(
        get_user_model().objects.filter(Q(username=who) | Q(email__iexact=who), is_active=True)[:2]
    )
    # An e-mail shared by two accounts is ambiguous: better no share than the wrong teacher.
    return matches[0] if len(matches) == 1 else None


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Collaborator.Role.choices)


class OverrideForm(forms.Form):
    question = forms.IntegerField(min_value=1)
    predicted = forms.CharField(required=False, max_length=40)
    verdict = forms.ChoiceField(
        choices=[("", "from the answer"), ("correct", "correct"), ("incorrect", "incorrect")], required=False
    )
    clear = forms.BooleanField(required=False)

    def clean_predicted(self):
        value = self.cleaned_data["predicted"].strip()
        if value:
            try:
                return scoring.clean_answer(value)
            except ValueError as exc:
                raise forms.ValidationError(str(exc))
        return None

    def correct(self):
        return {"correct": True, "incorrect": False}.get(self.cleaned_data.get("verdict") or "")


class StudentForm(forms.Form):
    student = forms.CharField(max_length=200)


class GroupMarkForm(forms.Form):
    question = forms.IntegerField(min_value=1)
    value = forms.CharField(required=False, max_length=40)
    correct = forms.TypedChoiceField(
        choices=[("1", "correct"), ("0", "incorrect")], coerce=lambda v: v == "1"
    )
