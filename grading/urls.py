from django.urls import path
from django.views.generic import TemplateView

app_name = "grading"
urlpatterns = [
    path(
        "assignments/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Grading"}),
        name="assignment_list",
    ),
    path(
        "collaborators/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Collaborators"}),
        name="collaborators",
    ),
    path(
        "model/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Model"}),
        name="model",
    ),
]
