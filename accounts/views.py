from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.views.generic import CreateView, UpdateView

from accounts import forms
from accounts.models import Profile
from accounts.throttle import ActionThrottle, LoginThrottle

LOGIN_REFUSED = "Too many failed login attempts from your network or for this account."


def too_many_attempts(request, throttle, reason: str = LOGIN_REFUSED):
    response = render(
        request,
        "accounts/too_many_attempts.html",
        {"minutes": max(1, throttle.retry_after // 60), "reason": reason, "login": reason == LOGIN_REFUSED},
        status=429,
    )
    response["Retry-After"] = str(throttle.retry_after)
    return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        self.throttle = LoginThrottle(request, request.POST.get("username"))
        if self.throttle.blocked():
            return too_many_attempts(request, self.throttle)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.throttle.succeeded()
        return super().form_valid(form)

    def form_invalid(self, form):
        self.throttle.failed()
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a GET link or <img> cannot log anyone out."""


class SignupView(CreateView):
    template_name = "accounts/signup.html"
    form_class = forms.SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.throttle = ActionThrottle(request, "signup", settings.SIGNUP_THROTTLE)
        if self.throttle.blocked():
            return too_many_attempts(
                request, self.throttle, "Too many accounts were created from your network."
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.throttle.count()
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"Welcome to DigitSight, {user.get_username()}!")
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    template_name = "accounts/profile.html"
    form_class = forms.ProfileForm
    success_url = reverse_lazy("accounts:profile")
    success_message = "Profile saved."

    def get_object(self, queryset=None):
        # Users created before the profile signal existed (or by raw SQL) get one now.
        return Profile.objects.get_or_create(user=self.request.user)[0]


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your password was changed."


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request, *args, **kwargs):
        self.throttle = ActionThrottle(
            request, "password-reset", settings.PASSWORD_RESET_THROTTLE, who=request.POST.get("email")
        )
        if self.throttle.blocked():
            reason = "Too many password-reset e-mails were asked for from your network or for this address."
            return too_many_attempts(request, self.throttle, reason)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        self.throttle.count()
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(SuccessMessageMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("accounts:login")
    success_message = "Your password was reset. You can log in with it now."
