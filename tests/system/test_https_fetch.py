"""Feeds and article pages over https: a real TLS server on loopback, the real `reader fetch`. The certificate is
self-signed, so it is trusted the way a user trusts a private CA (SSL_CERT_FILE); without that, the feed fails
with one clear line and the other feeds are stored as usual."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import run_cli
from feedbuild import rss
from httpserver import LoopbackServer
from tlscert import HAVE_OPENSSL, make_certificate, server_context

pytestmark = pytest.mark.skipif(not HAVE_OPENSSL, reason="needs the openssl command")

ARTICLE = (
    "<html><body><article><h1>Over TLS</h1>"
    + "".join(
        f"<p>Sentence {n} of an article served over https, long enough to be kept as text.</p>"
        for n in range(8)
    )
    + "</article></body></html>"
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(certificate: tuple[Path, Path]) -> Iterator[LoopbackServer]:
    server = LoopbackServer(tls=server_context(*certificate)).start()
    try:
        yield server
    finally:
        server.stop()


def _feed_with_page(server: LoopbackServer) -> str:
    page = server.serve("/story.html", ARTICLE, content_type="text/html; charset=utf-8")
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>TLS news</title>'
        f"<item><title>Over TLS</title><link>{page}</link><guid>tls-1</guid>"
        "<pubDate>Mon, 10 Mar 2014 12:00:00 GMT</pubDate><description>Short.</description></item>"
        "</channel></rss>"
    )
    return server.serve("/feed.xml", body, etag='"v1"')


def test_https_feed_and_page_with_a_trusted_private_ca(
    tmp_path: Path, https_server: LoopbackServer, certificate: tuple[Path, Path]
) -> None:
    url = _feed_with_page(https_server)
    assert url.startswith("https://127.0.0.1:")
    config = tmp_path / "c.toml"
    config.write_text(f'[fulltext]\npolicy = "prefetch"\n[[feeds]]\nurl = "{url}"\n')
    env = {"SSL_CERT_FILE": str(certificate[0])}
    first = run_cli(config, tmp_path / "d", "fetch", "--all", env=env)
    assert first.returncode == 0 and "1 new items, 0 failed" in first.stdout, first.stdout + first.stderr
    [item] = json.loads(run_cli(config, tmp_path / "d", "list", "--json").stdout)
    assert item["title"] == "Over TLS" and item["has_full_text"]
    shown = run_cli(config, tmp_path / "d", "show", str(item["id"])).stdout
    assert "Sentence 7 of an article served over https" in shown
    # A second poll is conditional, over TLS too.
    second = run_cli(config, tmp_path / "d", "fetch", "--all", "--no-fulltext", env=env)
    assert second.returncode == 0 and "0 new items, 0 failed" in second.stdout
    assert https_server.requests("/feed.xml")[-1].headers.get("if-none-match") == '"v1"'


def test_an_untrusted_certificate_fails_that_feed_clearly(
    tmp_path: Path, https_server: LoopbackServer, http_server: LoopbackServer
) -> None:
    bad = _feed_with_page(https_server)
    good = http_server.serve("/ok.xml", rss(2))
    config = tmp_path / "c.toml"
    config.write_text(f'[[feeds]]\nurl = "{bad}"\n[[feeds]]\nurl = "{good}"\n')
    out = run_cli(
        config, tmp_path / "d", "fetch", "--all", "--no-fulltext", env={"SSL_CERT_FILE": "/nonexistent"}
    )
    assert out.returncode == 0
    assert "2 new items, 1 failed" in out.stdout
    failed = [line for line in out.stdout.splitlines() if line.strip().startswith("failed:")]
    assert len(failed) == 1 and bad in failed[0] and "certificate" in failed[0].lower()
