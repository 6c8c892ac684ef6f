"""A self-signed certificate for 127.0.0.1, made by the openssl command, for loopback https servers in tests."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

HAVE_OPENSSL = shutil.which("openssl") is not None


def make_certificate(where: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files in `where`, for the IP address 127.0.0.1."""
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
