"""README.md stays accurate: the two commands first, every variable documented."""

import re

from tests.foundation._subprocess import ROOT
from tests.foundation.test_docker_compose import ml_vars, settings_vars

README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def test_it_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert re.search(r"^make run\b", first_block, flags=re.MULTILINE)
    assert re.search(r"^make test\b", first_block, flags=re.MULTILINE)


def test_it_documents_every_environment_variable():
    table = {m for m in re.findall(r"`([A-Z][A-Z0-9_]*)`", README)}
    # The SMTP row abbreviates DJANGO_EMAIL_HOST_USER etc. as `_HOST_USER`.
    missing = {v for v in settings_vars() | ml_vars() if v not in table and not v.startswith("DJANGO_EMAIL_")}
    assert not missing, f"README's configuration table lacks {sorted(missing)}"


def test_it_mentions_only_make_targets_that_exist():
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, flags=re.MULTILINE))
    for target in re.findall(r"`make ([a-z-]+)`", README):
        assert target in targets, target
