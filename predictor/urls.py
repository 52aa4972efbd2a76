from django.urls import path
from django.views.generic import TemplateView

app_name = "predictor"
urlpatterns = [
    path(
        "predictions/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "History"}),
        name="history",
    ),
    path(
        "predictions/new/",
        TemplateView.as_view(template_name="placeholder.html", extra_context={"title": "Upload"}),
        name="upload",
    ),
]
