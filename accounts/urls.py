from django.urls import path
from django.views.generic import TemplateView

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Log in"}),
        name="login",
    ),
    path(
        "logout/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Log out"}),
        name="logout",
    ),
    path(
        "signup/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Sign up"}),
        name="signup",
    ),
    path(
        "profile/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Profile"}),
        name="profile",
    ),
]
