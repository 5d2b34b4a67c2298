"""A second moto S3 server, in a process of its own, that checks signatures and IAM policies as AWS does.

The session's shared server never checks credentials; this one starts open (so a test can create a
bucket, upload an export and create IAM users with policies) and then, after :meth:`IamServer.enforce_iam`,
authenticates and authorises every request. A process of its own, because the switch is global to the
process that serves it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from subproc import WAIT, wait_for


@dataclass
class IamServer:
    endpoint: str

    def client(self, service: str, key: str = "admin", secret: str = "admin-secret"):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=key, aws_secret_access_key=secret)

    def user_keys(self, name: str, policy: dict | None) -> dict[str, str]:
        """Create an IAM user with an inline ``policy`` (or none); its keys as AWS_* variables."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        if policy is not None:
            iam.put_user_policy(UserName=name, PolicyName="cur-read", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def enforce_iam(self) -> None:
        """From now on every request is authenticated and authorised (moto's reset-auth switch)."""
        # text/plain: with a form content type the server would parse the body away.
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth", data=b"0", method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_iam_server() -> Iterator[IamServer]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def listening() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    try:
        wait_for(listening, "moto's server to listen", process, timeout=WAIT)
        yield IamServer(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)
