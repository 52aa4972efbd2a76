"""Corrections may hold a minus, a decimal point or a fraction bar (issue 13)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from predictor.forms import clean_correction
from tests.factories import PASSWORD
from tests.predictor.factories import PredictionFactory


@pytest.mark.parametrize(("text", "kept"), [("-12", "-12"), (" 3.5 ", "3.5"), ("0.25  3/4", "0.25 3/4")])
def test_it_accepts_signed_decimal_and_fraction_corrections(text, kept):
    assert clean_correction(text) == kept


@pytest.mark.parametrize("text", ["-", "1-2", "3//4", "1.", "/4", "4a"])
def test_it_rejects_signs_that_make_no_number(text):
    from django import forms

    with pytest.raises(forms.ValidationError):
        clean_correction(text)


@pytest.mark.django_db
def test_it_saves_a_signed_correction_from_the_page_and_the_api(owner_client, owner):
    prediction = PredictionFactory(owner=owner, done=True)
    assert owner_client.post(
        reverse("predictor:correct", args=[prediction.pk]), {"corrected_number": "-4.27"}
    ).status_code in (200, 302)
    prediction.refresh_from_db()
    assert prediction.corrected_number == "-4.27"
    api = APIClient()
    api.login(username=owner.username, password=PASSWORD)
    response = api.patch(f"/api/predictions/{prediction.pk}/", {"corrected_number": "3/4"}, format="json")
    assert response.status_code == 200 and response.json()["corrected_number"] == "3/4"
    bad = api.patch(f"/api/predictions/{prediction.pk}/", {"corrected_number": "3/-4"}, format="json")
    assert bad.status_code == 400
    prediction.refresh_from_db()
    assert prediction.corrected_number == "3/4"  # a bad correction loses nothing
