from django.urls import path

from grading import api, roster_api

app_name = "grading_api"
urlpatterns = [
    path("assignments/", api.AssignmentList.as_view(), name="assignment_list"),
    path("assignments/<int:pk>/", api.AssignmentDetail.as_view(), name="assignment_detail"),
    path("assignments/<int:pk>/submissions/", api.SubmissionList.as_view(), name="submission_list"),
    path("assignments/<int:pk>/collaborators/", api.CollaboratorList.as_view(), name="collaborator_list"),
    path(
        "assignments/<int:pk>/collaborators/<int:user_id>/",
        api.CollaboratorDetail.as_view(),
        name="collaborator_detail",
    ),
    path("assignments/<int:pk>/grades.csv", api.GradesCsv.as_view(), name="grades_csv"),
    path("submissions/<uuid:pk>/", api.SubmissionDetail.as_view(), name="submission_detail"),
    path("roster/", roster_api.RosterList.as_view(), name="roster_list"),
    path("roster/import/", roster_api.RosterImport.as_view(), name="roster_import"),
    path("roster/<int:pk>/", roster_api.RosterDetail.as_view(), name="roster_detail"),
]
