"""AMI over TLS against the simulator serving TLS, with a certificate made at run time."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from managers import make
from pystrix.ami import ManagerSocketError, core
from pystrix.cli import main
from pystrix.testing import AsteriskSimulator

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_simulator(certificate: tuple[Path, Path]) -> Iterator[AsteriskSimulator]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with AsteriskSimulator(tls=context, auth_failure_delay=0.01) as simulator:
        yield simulator


def test_login_and_events_over_verified_tls(
    flavor: str, tls_simulator: AsteriskSimulator, certificate: tuple[Path, Path]
) -> None:
    manager = make(flavor)
    trusted = ssl.create_default_context(cafile=str(certificate[0]))
    manager.connect(tls_simulator.host, tls_simulator.port, tls=trusted)
    assert manager.get_asterisk_info().version == "11.0.0"
    login = manager.send_action(core.Login("admin", "wordpass"))
    assert login is not None and login.success
    answer = manager.send_action(core.Command("core show version"))
    assert answer is not None and answer.result.data[0].startswith("Asterisk 22")


def test_an_untrusted_certificate_is_refused(flavor: str, tls_simulator: AsteriskSimulator) -> None:
    manager = make(flavor)
    with pytest.raises(ManagerSocketError, match=str(tls_simulator.port)):
        manager.connect(tls_simulator.host, tls_simulator.port, tls=True, timeout=10)
    assert not manager.is_connected()


def test_plain_client_to_a_tls_server_gets_no_banner(
    flavor: str, tls_simulator: AsteriskSimulator
) -> None:
    manager = make(flavor)
    with pytest.raises(ManagerSocketError):
        manager.connect(tls_simulator.host, tls_simulator.port, timeout=0.5)


def test_cli_action_over_tls(
    tls_simulator: AsteriskSimulator,
    certificate: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--host", tls_simulator.host, "--port", str(tls_simulator.port)]
    code = main(["action", *args, "--secret", "wordpass", "--cafile", str(certificate[0]), "Ping"])
    assert code == 0
    assert "Ping: Pong" in capsys.readouterr().out
