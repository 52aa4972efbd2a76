"""REST API for an assignment's worksheet: template, answer areas and the printable sheet (issue 12)."""

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from digitsight.responses import nosniff
from worksheets import access, services
from worksheets.regions import RegionError, clean_regions
from worksheets.serializers import RegionsSerializer, TemplateSerializer, TemplateUploadSerializer


def template_url(request, worksheet) -> str | None:
    if not worksheet.template:
        return None
    url = reverse("worksheets:template_image", kwargs={"pk": worksheet.assignment_id})
    return request.build_absolute_uri(url)


class TemplateUpload(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "uploads"

    @extend_schema(request=TemplateUploadSerializer, responses={200: TemplateSerializer})
    def put(self, request, pk):
        from predictor.uploads import UploadRejected

        worksheet = access.get_worksheet_for_user(request.user, pk, manage=True, create=True)
        upload = TemplateUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            proposed = services.set_template(worksheet, upload.validated_data["file"])
        except UploadRejected as exc:
            raise ValidationError({"file": [str(exc)]})
        body = {
            "template_url": template_url(request, worksheet),
            "width": worksheet.width,
            "height": worksheet.height,
            "regions": proposed,
        }
        return Response(body)


class Regions(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses=RegionsSerializer)
    def get(self, request, pk):
        worksheet = access.get_worksheet_for_user(request.user, pk)
        return Response(self._body(request, worksheet))

    @extend_schema(request=RegionsSerializer, responses=RegionsSerializer)
    def put(self, request, pk):
        worksheet = access.get_worksheet_for_user(request.user, pk, manage=True)
        if not worksheet.template:
            raise ValidationError({"regions": ["Upload the blank worksheet first (PUT …/template/)."]})
        data = RegionsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            regions = clean_regions(data.validated_data["regions"], worksheet.width, worksheet.height)
        except RegionError as exc:
            raise ValidationError({"regions": [str(exc)]})
        services.save_regions(worksheet, regions)
        return Response(self._body(request, worksheet))

    def _body(self, request, worksheet) -> dict:
        return {
            "regions": services.current_regions(worksheet),
            "width": worksheet.width,
            "height": worksheet.height,
            "template_url": template_url(request, worksheet),
        }


class SheetPdf(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(description="The answer sheet")})
    def get(self, request, pk):
        # Printing sheets is part of running the class upload: owner and graders.
        worksheet = access.get_worksheet_for_user(request.user, pk, write=True, create=True)
        pdf = services.sheet_for(worksheet)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="answer-sheet-{pk}.pdf"'
        return nosniff(response)
