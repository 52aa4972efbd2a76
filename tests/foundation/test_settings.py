"""Embedded default vs. services, read in fresh processes with a controlled environment."""

import subprocess

import pytest

from tests.foundation._subprocess import ROOT, probe_settings

PG = "postgres://postgres@127.0.0.1:5432/digitsight"
REDIS = "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize("module", ["digitsight.settings.local", "digitsight.settings.base"])
def test_it_runs_embedded_with_nothing_configured(module):
    conf = probe_settings(module)
    # django-prometheus's wrapper of the SQLite backend (it counts queries for /metrics).
    assert conf["engine"] == "django_prometheus.db.backends.sqlite3"
    assert conf["name"] == str(ROOT / "var" / "db.sqlite3")
    assert conf["media_root"] == str(ROOT / "var" / "media")
    assert conf["eager"] is True
    assert conf["broker"] == "memory://"
    assert conf["cache"].endswith("LocMemCache")


def test_it_keeps_the_embedded_data_out_of_git():
    for path in ("var/db.sqlite3", "var/media/upload.png"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path


def test_it_never_debugs_unless_asked():
    # `make run` must not show a stranger Django's debug 404 with every URL pattern.
    assert probe_settings("digitsight.settings.local")["debug"] is False
    assert probe_settings("digitsight.settings.base")["debug"] is False
    assert probe_settings("digitsight.settings.local", DJANGO_DEBUG="true")["debug"] is True


def test_it_moves_the_embedded_data_with_digitsight_var_dir(tmp_path):
    conf = probe_settings("digitsight.settings.local", DIGITSIGHT_VAR_DIR=str(tmp_path))
    assert conf["name"] == str(tmp_path / "db.sqlite3")
    assert conf["media_root"] == str(tmp_path / "media")


def test_it_uses_postgres_with_persistent_checked_connections():
    conf = probe_settings("digitsight.settings.local", DATABASE_URL=PG)
    assert conf["engine"] == "django_prometheus.db.backends.postgresql"
    assert conf["name"] == "digitsight"
    assert conf["conn_max_age"] > 0
    assert conf["conn_health_checks"] is True


def test_it_sends_tasks_to_redis_workers():
    conf = probe_settings("digitsight.settings.local", DATABASE_URL=PG, REDIS_URL=REDIS)
    assert conf["broker"] == REDIS
    assert conf["backend"] == REDIS
    assert conf["eager"] is False
    assert conf["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_it_lets_tests_run_tasks_eagerly_even_with_redis():
    conf = probe_settings("digitsight.settings.test", DATABASE_URL=PG, REDIS_URL=REDIS)
    assert conf["eager"] is True
    assert conf["broker"] == REDIS
