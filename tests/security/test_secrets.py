"""No secret is committed: every tracked file is scanned for keys, tokens and passwords."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
DEV_KEY = "insecure-local-only-key-do-not-deploy"  # settings/base.py's local default, never deployed
PLACEHOLDERS = re.compile(r"^(|change-me.*|\$\{.*\}|<.*>)$")

PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret key": re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}", re.I),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "DRF token in code": re.compile(r"Authorization['\"]?\s*[:=]\s*['\"]Token [0-9a-f]{40}['\"]"),
    "SECRET_KEY literal": re.compile(r"SECRET_KEY\s*=\s*[rb]?['\"][^'\"]{8,}['\"]"),
    "SECRET_KEY default": re.compile(r"SECRET_KEY.*default\s*=\s*['\"](?!" + re.escape(DEV_KEY) + ")"),
    "password in a URL": re.compile(r"://[^/\s:@]+:(?!\$\{|change-me|pass@|password@)[^@\s/]{3,}@"),
}  # fmt: skip
SECRET_FILES = re.compile(r"(^|/)(\.env|id_rsa|id_ed25519|.*\.pem|.*\.key|.*\.p12|credentials\.json)$")
ENV_SECRET_NAMES = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


def findings(name: str, text: str) -> list[str]:
    return [f"{name}: {label}" for label, pattern in PATTERNS.items() if pattern.search(text)]


def _text(name: str) -> str | None:
    path = ROOT / name
    if not path.is_file() or path.stat().st_size > 2_000_000:
        return None
    data = path.read_bytes()
    return None if b"\0" in data[:4096] else data.decode(errors="replace")


def test_it_tracks_files_at_all():
    assert {"manage.py", "digitsight/settings/base.py", ".env.example"} <= set(tracked_files())


def test_it_finds_no_secret_in_tracked_files():
    found = []
    for name in tracked_files():
        text = _text(name) if name != THIS else None
        found += findings(name, text) if text else []
    assert not found


def test_it_tracks_no_secret_files():
    assert [name for name in tracked_files() if SECRET_FILES.search(name)] == []


def test_it_leaves_only_placeholders_in_env_example():
    real = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and ENV_SECRET_NAMES.search(name):
            real += [] if PLACEHOLDERS.match(value.strip()) else [name]
    assert real == []


def test_it_keeps_the_only_secret_key_default_in_base_settings():
    users = [name for name in tracked_files() if name.endswith(".py") and DEV_KEY in (_text(name) or "")]
    assert set(users) - {THIS} == {"digitsight/settings/base.py"}


@pytest.mark.parametrize(
    "planted",
    [
        "-----BEGIN RSA " + "PRIVATE KEY-----",
        "key = 'AKIA" + "ABCDEFGHIJKLMNOP'",
        'SECRET_KEY = "' + "k3y-for-real-prod-1234" + '"',
        'SECRET_KEY = env.str("K", default="' + "s3cr3t-prod-key" + '")',
        "DATABASE_URL=postgres://app:" + "hunter22@db/app",
        "gh" + "p_" + "a" * 36,
    ],
)
def test_it_would_catch_a_planted_secret(planted):
    assert findings("planted.py", planted)


def test_it_accepts_the_known_placeholders():
    assert not findings("x", "postgres://digitsight:${POSTGRES_PASSWORD:?set it}@db:5432/digitsight")
    assert not findings("x", 'SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="' + DEV_KEY + '")')
