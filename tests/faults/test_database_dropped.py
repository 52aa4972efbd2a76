"""The database connection drops in the middle of an upload (a Postgres restart, a failover).

The session is terminated for real, from a second connection, just as the upload's prediction is
saved: the API answers 503 JSON with Retry-After, a web page says to try again, nothing is kept
half-stored, and the next request works.
"""

import psycopg2
import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client

from predictor.models import Prediction
from tests.factories import token_client
from tests.predictor import images
from tests.predictor.conftest import media_files, upload_file

pytestmark = pytest.mark.django_db(transaction=True)


def terminate_session(pid: int) -> None:
    db = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"] or "127.0.0.1",
                             port=db["PORT"] or 5432)  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cursor:
        # The timeout waits until the backend is gone, so the very next query fails.
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    admin.close()


@pytest.fixture
def drop_connection_on_save():
    """Terminate this process's database session when the first Prediction is about to be saved."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fired = []

    def drop(sender, **kwargs):
        if not fired:
            fired.append(pid)
            terminate_session(pid)

    pre_save.connect(drop, sender=Prediction, dispatch_uid="test-drop-connection")
    yield fired
    pre_save.disconnect(dispatch_uid="test-drop-connection", sender=Prediction)
    connection.close()  # the test client keeps the dead connection; the next query reconnects


def test_it_answers_503_json_with_retry_after_on_the_api(owner, drop_connection_on_save, settings):
    api = token_client(owner, raise_request_exception=False)
    response = api.post("/api/predictions/", {"image": upload_file("a.png", images.number_png())})
    assert drop_connection_on_save, "the connection was never dropped"
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "try again" in response.json()["detail"]
    connection.close()
    assert Prediction.objects.count() == 0 and media_files(settings) == []  # nothing half-stored
    retry = api.post("/api/predictions/", {"image": upload_file("a.png", images.number_png())})
    assert retry.status_code == 202


def test_it_shows_a_friendly_retry_page_on_the_web(owner, drop_connection_on_save, settings):
    web = Client(raise_request_exception=False)
    web.force_login(owner)
    response = web.post("/predictions/new/", {"images": upload_file("a.png", images.number_png())})
    assert drop_connection_on_save
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "try again" in page and "Traceback" not in page and "OperationalError" not in page
    connection.close()
    assert Prediction.objects.count() == 0 and media_files(settings) == []
