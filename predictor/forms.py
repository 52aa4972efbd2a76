import re

from django import forms

from predictor.models import Prediction

# Numbers separated by spaces; a number may be negative, a decimal or a fraction (ml.signs).
_NUMBER = r"-?(?:\d+(?:\.\d+)?|\.\d+|\d+/\d+)"
CORRECTION_PATTERN = re.compile(rf"^\s*(?:{_NUMBER}(?:\s+{_NUMBER})*)?\s*$")
CORRECTION_MESSAGE = "Use numbers and spaces only, e.g. “427”, “12 7”, “-12”, “3.5” or “3/4”."


def clean_correction(value: str) -> str:
    value = value or ""
    if not CORRECTION_PATTERN.match(value):
        raise forms.ValidationError(CORRECTION_MESSAGE)
    return " ".join(value.split())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class UploadForm(forms.Form):
    """Files are validated one by one in the view, so each gets its own error."""

    images = forms.FileField(
        required=False,
        label="Photos or scans",
        widget=MultipleFileInput(
            attrs={"accept": "image/*,application/pdf", "multiple": True, "class": "form-control"}
        ),
    )
    camera = forms.FileField(
        required=False,
        label="Take a photo",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "form-control"}
        ),
    )

    def files_to_read(self, files) -> list:
        return [f for f in files.getlist("images") + files.getlist("camera") if f]


class CorrectionForm(forms.Form):
    corrected_number = forms.CharField(
        required=False, max_length=1000, label="Correct reading", help_text=CORRECTION_MESSAGE
    )

    def clean_corrected_number(self):
        return clean_correction(self.cleaned_data["corrected_number"])


class HistoryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Number", max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Prediction.Status.choices])
    review = forms.ChoiceField(
        required=False, label="Review", choices=[("", "All"), ("yes", "Needs review"), ("no", "Confident")]
    )
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            term = " ".join(data["q"].split())
            queryset = queryset.filter(_number_matches(term))
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["review"]:
            queryset = queryset.filter(needs_review=data["review"] == "yes")
        if data["date_from"]:
            queryset = queryset.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            queryset = queryset.filter(created_at__date__lte=data["date_to"])
        return queryset


def _number_matches(term: str):
    from django.db.models import Q

    return Q(number__icontains=term) | Q(corrected_number__icontains=term) | Q(original_name__icontains=term)
