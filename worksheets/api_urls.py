from django.urls import path

from worksheets import api

app_name = "worksheets_api"
urlpatterns = [
    path("assignments/<int:pk>/template/", api.TemplateUpload.as_view(), name="template"),
    path("assignments/<int:pk>/regions/", api.Regions.as_view(), name="regions"),
    path("assignments/<int:pk>/sheet.pdf", api.SheetPdf.as_view(), name="sheet_pdf"),
]
