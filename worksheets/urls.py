from django.urls import path

from worksheets import views

app_name = "worksheets"
urlpatterns = [
    path("assignments/<int:pk>/worksheet/", views.worksheet_editor, name="editor"),
    path("assignments/<int:pk>/worksheet/template/", views.template_upload, name="template_upload"),
    path("assignments/<int:pk>/worksheet/image/", views.template_image, name="template_image"),
    path("assignments/<int:pk>/questions/<int:question>/", views.question_grid, name="question_grid"),
    path("assignments/<int:pk>/attention/", views.needs_attention, name="needs_attention"),
    path("submissions/<uuid:pk>/crops/<int:index>/", views.submission_crop, name="submission_crop"),
    path("submissions/<uuid:pk>/pick-student/", views.pick_student, name="pick_student"),
    path("roster/", views.roster_page, name="roster"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path("roster/<int:pk>/delete/", views.roster_delete, name="roster_delete"),
]
