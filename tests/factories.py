import factory
from django.contrib.auth import get_user_model

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"teacher{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@school.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def token_client(user, **client_kwargs):
    """A DRF client authenticated with a fresh API token for `user`."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient(**client_kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client
