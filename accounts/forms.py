from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

from accounts.models import Profile


class BootstrapMixin:
    """Give every widget Bootstrap's class so templates can loop over fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def full_clean(self):
        super().full_clean()
        # Mark bad fields so Bootstrap shows them red and screen readers announce them.
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class SignupForm(BootstrapMixin, auth_forms.UserCreationForm):
    email = forms.EmailField(help_text="Used only to reset your password.")

    class Meta(auth_forms.UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self):
        # One account per address, or a reset mail would reach several accounts.
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email


class LoginForm(BootstrapMixin, auth_forms.AuthenticationForm):
    pass


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass


class ProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("display_name", "language")
        help_texts = {
            "display_name": "Shown in the navigation bar and to your collaborators.",
            "language": "Language of the spoken readouts of your predictions.",
        }
