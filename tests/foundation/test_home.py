from django.urls import reverse


def test_it_sends_visitors_from_the_root_to_login(client, db):
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == (reverse("predictor:history"), 302)
    assert response.request["PATH_INFO"] == reverse("accounts:login")


def test_it_shows_the_navigation_to_teachers(owner_client):
    body = owner_client.get(reverse("accounts:profile")).content.decode()
    for label in ("History", "Upload", "Grading", "Collaborators", "Model", "API docs", "Log out"):
        assert label in body
