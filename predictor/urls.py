from django.urls import path

from predictor import live, views

app_name = "predictor"
urlpatterns = [
    path("predictions/", views.history, name="history"),
    path("predictions/new/", views.upload, name="upload"),
    path("predictions/live/", live.live_history, name="live_history"),
    path("predictions/<str:pk>/", views.detail, name="detail"),
    path("predictions/<str:pk>/live/", live.live_detail, name="live_detail"),
    path("predictions/<str:pk>/image/", views.image, name="image"),
    path("predictions/<str:pk>/audio/", views.audio, name="audio"),
    path("predictions/<str:pk>/correct/", views.correct, name="correct"),
    path("predictions/<str:pk>/rerun/", views.rerun, name="rerun"),
    path("predictions/<str:pk>/delete/", views.delete, name="delete"),
]
