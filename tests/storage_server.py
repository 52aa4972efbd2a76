"""A real S3-protocol server for tests about object storage: moto's standalone server.

`s3_server` starts `moto_server` once per session in its own process, on a free port.
`s3_storage` gives a test its own empty bucket and points Django's default storage at it,
exactly as DIGITSIGHT_S3_BUCKET does in production; `s3_storage.env` is the environment a
worker process needs to use the same bucket.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field

import pytest

from digitsight.storage import s3_backend

S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "DIGITSIGHT_S3_REGION": "us-east-1",
    "DIGITSIGHT_S3_ADDRESSING_STYLE": "path",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoServer:
    def __init__(self, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> MotoServer:
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server writes to it until stop()
        self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited: {open(self.log_path).read()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"moto_server not listening after {timeout}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=S3_ENV["DIGITSIGHT_S3_REGION"],
            aws_access_key_id=S3_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ENV["AWS_SECRET_ACCESS_KEY"],
        )


@dataclass
class Bucket:
    server: MotoServer
    name: str
    prefix: str = "media"
    env: dict = field(default_factory=dict)

    def keys(self, under: str = "") -> list[str]:
        """Every object key below the media prefix (without it), sorted."""
        paginator = self.server.client().get_paginator("list_objects_v2")
        start = f"{self.prefix}/{under}"
        keys = []
        for page in paginator.paginate(Bucket=self.name, Prefix=start):
            keys += [item["Key"][len(self.prefix) + 1 :] for item in page.get("Contents", [])]
        return sorted(keys)

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=f"{self.prefix}/{key}")["Body"].read()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch):
    """A fresh bucket that is Django's default storage for this test (and its workers)."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    env = {**S3_ENV, "DIGITSIGHT_S3_BUCKET": name, "DIGITSIGHT_S3_ENDPOINT_URL": s3_server.url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    backend = s3_backend(name, endpoint_url=s3_server.url, region=env["DIGITSIGHT_S3_REGION"])
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    return Bucket(server=s3_server, name=name, env=env)
