from django.urls import path

from grading import live, views

app_name = "grading"
urlpatterns = [
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/stats/", views.question_stats, name="question_stats"),
    path("assignments/<int:pk>/live/", live.live_assignment, name="live_assignment"),
    path("assignments/<int:pk>/edit/", views.assignment_edit, name="assignment_edit"),
    path("assignments/<int:pk>/delete/", views.assignment_delete, name="assignment_delete"),
    path("assignments/<int:pk>/upload/", views.class_upload, name="class_upload"),
    path("assignments/<int:pk>/next-review/", views.next_review, name="next_review"),
    path("assignments/<int:pk>/groups/", views.answer_groups, name="answer_groups"),
    path("assignments/<int:pk>/groups/mark/", views.mark_group, name="mark_group"),
    path("assignments/<int:pk>/grades.csv", views.grades_csv, name="grades_csv"),
    path("assignments/<int:pk>/audio/", views.audio_export_create, name="audio_export_create"),
    path(
        "assignments/<int:pk>/audio/<uuid:export_id>/", views.audio_export_detail, name="audio_export_detail"
    ),
    path(
        "assignments/<int:pk>/audio/<uuid:export_id>/download/",
        views.audio_export_download,
        name="audio_export_download",
    ),
    path("submissions/<uuid:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<uuid:pk>/image/", views.submission_image, name="submission_image"),
    path("submissions/<uuid:pk>/override/", views.submission_override, name="submission_override"),
    path("submissions/<uuid:pk>/reviewed/", views.submission_reviewed, name="submission_reviewed"),
    path("submissions/<uuid:pk>/student/", views.submission_rename, name="submission_rename"),
    path("submissions/<uuid:pk>/delete/", views.submission_delete, name="submission_delete"),
    path("collaborators/", views.collaborators, name="collaborators"),
    path("collaborators/<int:pk>/role/", views.collaborator_role, name="collaborator_role"),
    path("collaborators/<int:pk>/remove/", views.collaborator_remove, name="collaborator_remove"),
    path("model/", views.model_page, name="model"),
    path("model/reports/<str:name>", views.model_report_image, name="model_report_image"),
]
