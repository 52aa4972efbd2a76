"""Production settings refuse to start half-configured and pass `check --deploy`."""

import secrets

import pytest

from tests.foundation._subprocess import run

PRODUCTION = "digitsight.settings.production"


def _production_env(**env):
    return {
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "digitsight.example,www.digitsight.example",
    } | env


@pytest.mark.parametrize(
    "missing, message",
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_it_refuses_to_start_without(missing, message):
    env = _production_env()
    del env[missing]
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "Production refuses to start" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_it_refuses_an_empty_value(variable):
    result = run(["manage.py", "check"], **_production_env(**{variable: ""}))
    assert result.returncode != 0
    assert "Production refuses to start" in result.stderr


def test_it_passes_check_deploy():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("secret", ["short", "change-me-to-a-long-random-string", "insecure-" + "x" * 60])
def test_it_refuses_a_weak_or_placeholder_secret(secret):
    result = run(["manage.py", "check"], **_production_env(DJANGO_SECRET_KEY=secret))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is a placeholder" in result.stderr


@pytest.mark.parametrize("variable", ["AWS_SECRET_ACCESS_KEY", "DIGITSIGHT_METRICS_TOKEN"])
def test_it_refuses_the_placeholder_bucket_and_metrics_secrets(variable):
    env = _production_env(DIGITSIGHT_S3_BUCKET="digitsight", **{variable: "change-me-as-well"})
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert f"{variable} is the placeholder" in result.stderr


def test_it_passes_check_deploy_with_the_bucket_and_metrics_on():
    env = _production_env(
        DIGITSIGHT_S3_BUCKET="digitsight",
        AWS_ACCESS_KEY_ID="app",
        AWS_SECRET_ACCESS_KEY=secrets.token_urlsafe(30),
        DIGITSIGHT_METRICS_TOKEN=secrets.token_urlsafe(30),
    )
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stderr
