"""The [sync] table, where the password comes from, and the Google Reader id forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config.loader import parse_config
from reader.config.sync import SyncSettings
from reader.errors import ConfigError, SyncError
from reader.sync.client import GReaderClient, item_id, wire_id


def sync_of(text: str, source: Path | None = None) -> SyncSettings:
    config = parse_config(text, source=source)
    assert config.sync is not None
    return config.sync


def test_a_minimal_table() -> None:
    s = sync_of('[sync]\nurl = "https://rss.example.org/api/greader.php/"\nuser = "me"\n')
    assert (s.kind, s.url, s.user, s.timeout) == (
        "greader",
        "https://rss.example.org/api/greader.php",
        "me",
        30.0,
    )
    assert s.host == "rss.example.org" and parse_config("").sync is None


@pytest.mark.parametrize(
    ("body", "key", "reason"),
    [
        ('url = "http://rss.example.org/api"\nuser = "me"', "sync.url", "plain http"),
        ('url = "https://u:pw@rss.example.org/api"\nuser = "me"', "sync.url", "must not hold a user"),
        ('url = "ftp://rss.example.org/api"\nuser = "me"', "sync.url", "http(s) URL"),
        ('url = "https://rss.example.org/api?x=1"\nuser = "me"', "sync.url", "query"),
        ('user = "me"', "sync", "needs url"),
        ('url = "https://h/api"', "sync", "needs user"),
        ('url = "https://h/api"\nuser = "me"\nkind = "fever"', "sync.kind", "greader"),
        ('url = "https://h/api"\nuser = "me"\npasword = "x"', "sync.pasword", "unknown"),
        (
            'url = "https://h/api"\nuser = "me"\npassword = "a"\npassword_command = "b"',
            "sync.password",
            "either",
        ),
        ('url = "https://h/api"\nuser = "me"\ntimeout = "1h"', "sync.timeout", "between"),
        ('url = "https://h/api"\nuser = "me"\npassword = 1234', "sync.password", "must be a string"),
    ],
)
def test_bad_values_name_the_key_and_never_the_secret(body: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(f"[sync]\n{body}\n", name="c.toml")
    message = str(info.value)
    assert f"key '{key}'" in message and reason in message
    assert "1234" not in message and "pw@" not in message


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "[::1]", "localhost"])
def test_plain_http_is_allowed_to_loopback_only(host: str) -> None:
    assert sync_of(f'[sync]\nurl = "http://{host}:8080/api/greader.php"\nuser = "me"\n').url.startswith(
        "http://"
    )


def test_password_sources_in_order(tmp_path: Path) -> None:
    script = tmp_path / "pw"
    script.write_text("#!/bin/sh\nprintf 'from-command\\nsecond line\\n'\n")
    script.chmod(0o700)
    with_cmd = sync_of(f'[sync]\nurl = "https://h/a"\nuser = "me"\npassword_command = "{script}"\n')
    assert with_cmd.resolve_password({"READER_SYNC_PASSWORD": "from-env"}) == "from-command"
    in_file = sync_of('[sync]\nurl = "https://h/a"\nuser = "me"\npassword = "from-file"\n')
    assert in_file.resolve_password({"READER_SYNC_PASSWORD": "from-env"}) == "from-env"
    assert in_file.resolve_password({}) == "from-file"
    assert "from-file" not in repr(in_file) and "from-file" not in str(
        parse_config('[sync]\nurl = "https://h/a"\nuser = "me"\npassword = "from-file"\n')
    )


def test_a_failing_password_command_hides_its_output(tmp_path: Path) -> None:
    s = sync_of('[sync]\nurl = "https://h/a"\nuser = "me"\npassword_command = "echo leaked-secret; exit 3"\n')
    with pytest.raises(SyncError, match="exit status 3") as info:
        s.resolve_password({})
    assert "leaked-secret" not in str(info.value)
    empty = sync_of('[sync]\nurl = "https://h/a"\nuser = "me"\npassword_command = "true"\n')
    with pytest.raises(SyncError, match="printed nothing"):
        empty.resolve_password({})


def test_a_password_in_a_file_others_can_read_warns(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = '[sync]\nurl = "https://h/a"\nuser = "me"\npassword = "x"\n'
    path.write_text(text)
    path.chmod(0o644)
    assert "chmod 600" in (sync_of(text, source=path).warning or "")
    path.chmod(0o600)
    assert sync_of(text, source=path).warning is None
    path.chmod(0o644)
    no_password = '[sync]\nurl = "https://h/a"\nuser = "me"\npassword_command = "pass x"\n'
    assert sync_of(no_password, source=path).warning is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1796044172195045", 1796044172195045),
        ("tag:google.com,2005:reader/item/000661769fe7b0a5", 0x000661769FE7B0A5),
        ("tag:google.com,2005:reader/item/ffffffffffffffff", -1),
        ("-6043231389392510497", -6043231389392510497),  # Google Reader's signed short form
        (42, 42),
        ("tag:google.com,2005:reader/item/xyz", None),
        ("", None),
        ("12345678901234567890123", None),
        (True, None),
        (None, None),
    ],
)
def test_item_ids_in_every_form(raw: object, expected: int | None) -> None:
    assert item_id(raw) == expected


def test_ids_go_back_in_a_form_servers_take() -> None:
    assert wire_id(1796044172195045) == "1796044172195045"
    assert wire_id(-1) == "tag:google.com,2005:reader/item/ffffffffffffffff"
    assert item_id(wire_id(-6043231389392510497)) == -6043231389392510497


def test_the_client_repr_hides_the_password() -> None:
    with GReaderClient("https://h/api/greader.php", "me", "very-secret") as client:
        assert "very-secret" not in repr(client)
