from django import forms

from grading.roster import clean_id


class TemplateForm(forms.Form):
    file = forms.FileField(label="Blank worksheet (image or PDF, page 1 is used)")


class RosterImportForm(forms.Form):
    file = forms.FileField(label="Class list (CSV with columns name, student_id)")


class RosterStudentForm(forms.Form):
    name = forms.CharField(max_length=200)
    student_id = forms.CharField(max_length=32, label="Student ID")
    class_name = forms.CharField(max_length=100, required=False, label="Class")

    def clean_student_id(self):
        value = clean_id(self.cleaned_data["student_id"])
        if not value:
            raise forms.ValidationError("Give the student's ID.")
        return value
