"""A sync server over https with a self-signed certificate (a common FreshRSS set-up at home): refused with a
clear hint by default, trusted with `[sync] ca_file`. A real TLS server on loopback; the certificate is made by
the openssl command for each test run."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from greader_server import GReaderServer
from tlscert import HAVE_OPENSSL, make_certificate, server_context

from reader.config.loader import parse_config
from reader.errors import ConfigError, SyncError
from reader.store.feeds import Store
from reader.sync.engine import run_sync

PASSWORD = "reader-api-pw"
pytestmark = pytest.mark.skipif(not HAVE_OPENSSL, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def server(certificate: tuple[Path, Path]) -> Iterator[GReaderServer]:
    srv = GReaderServer(password=PASSWORD).start(tls=server_context(*certificate))
    fid = srv.add_feed("http://127.0.0.1:9/a.xml", "Feed A", label="Tech")
    srv.add_item(fid, "Over TLS", "http://127.0.0.1:9/item/1")
    try:
        yield srv
    finally:
        srv.stop()


def _config(tmp_path: Path, server: GReaderServer, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[sync]\nurl = "{server.url}"\nuser = "reader"\ntimeout = "3s"\n{extra}')
    return path


def test_a_self_signed_server_is_refused_with_a_hint(tmp_path: Path, server: GReaderServer) -> None:
    assert server.url.startswith("https://")
    path = _config(tmp_path, server)
    settings = parse_config(path.read_text(), source=path).sync
    assert settings is not None
    with Store.open(tmp_path / "db.sqlite") as store, pytest.raises(SyncError) as err:
        run_sync(store, settings, env={"READER_SYNC_PASSWORD": PASSWORD})
    assert "ca_file" in str(err.value)
    assert PASSWORD not in str(err.value)


def test_ca_file_relative_to_the_config_makes_it_trusted(
    tmp_path: Path, server: GReaderServer, certificate: tuple[Path, Path]
) -> None:
    shutil.copy(certificate[0], tmp_path / "freshrss.pem")
    path = _config(tmp_path, server, 'ca_file = "freshrss.pem"\n')
    settings = parse_config(path.read_text(), source=path).sync
    assert settings is not None and settings.ca_file == str(tmp_path / "freshrss.pem")
    with Store.open(tmp_path / "db.sqlite") as store:
        report = run_sync(store, settings, env={"READER_SYNC_PASSWORD": PASSWORD})
        assert report.pull is not None and report.pull.new_items == 1
        assert [i.title for i in store.items()] == ["Over TLS"]


def test_a_missing_ca_file_is_a_config_error_naming_it(tmp_path: Path, server: GReaderServer) -> None:
    path = _config(tmp_path, server, 'ca_file = "nowhere.pem"\n')
    with pytest.raises(ConfigError) as err:
        parse_config(path.read_text(), source=path)
    assert "ca_file" in str(err.value) and "nowhere.pem" in str(err.value)


def test_a_ca_file_that_is_not_a_certificate_fails_the_sync_clearly(
    tmp_path: Path, server: GReaderServer
) -> None:
    (tmp_path / "junk.pem").write_text("not a certificate\n")
    path = _config(tmp_path, server, 'ca_file = "junk.pem"\n')
    settings = parse_config(path.read_text(), source=path).sync
    assert settings is not None
    with Store.open(tmp_path / "db.sqlite") as store, pytest.raises(SyncError) as err:
        run_sync(store, settings, env={"READER_SYNC_PASSWORD": PASSWORD})
    assert "junk.pem" in str(err.value)
