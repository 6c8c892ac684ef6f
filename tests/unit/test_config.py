"""The config file: defaults, every key, the example file, and clear errors (file, key, line) for bad input."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader import USER_AGENT
from reader.config.default_feeds import DEFAULT_FEEDS
from reader.config.loader import (
    SECTIONS,
    Config,
    FetchSettings,
    GeneralSettings,
    clean_tag,
    default_config,
    format_duration,
    load_config,
    normalize_feed_url,
    parse_config,
    parse_duration,
)
from reader.errors import ConfigError
from reader.models import FeedConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config.example.toml"
DATA = Path(__file__).resolve().parents[1] / "data" / "config"


def error_for(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name="test.toml")
    return info.value


# --- missing, empty, full ----------------------------------------------------------------------------


def test_missing_file_gives_defaults_with_curated_feeds(tmp_path: Path) -> None:
    config = load_config(tmp_path / "nope.toml", must_exist=False)
    assert config == default_config()
    assert config.feeds == DEFAULT_FEEDS
    assert config.source is None
    assert config.general == GeneralSettings() and config.fetch == FetchSettings()


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path, must_exist=True)
    assert info.value.path == str(path)
    assert "file not found" in str(info.value)
    assert str(path) in str(info.value)


def test_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_config(tmp_path, must_exist=False)


def test_empty_existing_file_means_no_feeds() -> None:
    config = load_config(DATA / "empty.toml", must_exist=True)
    assert config.feeds == ()
    assert config.source == DATA / "empty.toml"
    assert dataclasses.replace(config, source=None) == Config()


def test_settings_without_feeds_means_no_feeds(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[general]\ntheme = "nord"\n')
    config = load_config(path, must_exist=False)
    assert config.feeds == ()
    assert config.general.theme == "nord"


def test_every_key_is_read() -> None:
    config = load_config(DATA / "all_keys.toml", must_exist=True)
    g, f, t = config.general, config.fetch, config.fulltext
    assert (g.poll_interval, g.refresh_on_start, g.auto_refresh) == (5400, False, None)
    assert (g.mark_read_on_open, g.theme, g.retention_days) == (False, "nord", 90)
    assert (f.max_connections, f.per_host, f.connect_timeout, f.read_timeout, f.deadline) == (
        8,
        1,
        5,
        30,
        120,
    )
    assert f.max_body_mb == 4 and f.max_body_bytes == 4 * 1024 * 1024
    assert f.user_agent == "my-reader/1.0 (+mailto:me@example.org)"
    assert (t.policy, t.first_poll_items, t.concurrency) == ("on-open", 0, 2)
    assert config.stories.group is False and default_config().stories.group is True
    assert dict(config.keys) == {"next_unread": "n", "refresh": "r,f5"}
    first, local = config.feeds
    assert first == FeedConfig("https://example.org/feed.xml", "Example", ("privacy", "eu"), 7200, "off")
    # A relative local path is resolved against the config file's folder, whatever the working directory.
    assert local.url == (DATA / "local" / "feed.xml").as_uri()
    assert config.poll_interval_for(first) == 7200 and config.poll_interval_for(local) == 5400
    assert config.fulltext_for(first) == "off" and config.fulltext_for(local) == "on-open"


def test_config_is_immutable() -> None:
    config = load_config(DATA / "all_keys.toml", must_exist=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.feeds = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.keys["quit"] = "q"  # type: ignore[index]
    assert hash(config) == hash(dataclasses.replace(config))


def test_empty_user_agent_means_built_in() -> None:
    assert parse_config('[fetch]\nuser_agent = ""\n').fetch.user_agent == USER_AGENT


# --- the example file --------------------------------------------------------------------------------------


def test_example_file_equals_built_in_defaults() -> None:
    config = load_config(EXAMPLE, must_exist=True)
    assert config.feeds == DEFAULT_FEEDS
    assert dataclasses.replace(config, source=None) == default_config()


def test_example_file_documents_every_key() -> None:
    lines = EXAMPLE.read_text().split("\n")
    for section, keys in SECTIONS.items():
        if section == "feeds":
            text = "\n".join(lines)
            for key in keys:
                assert re.search(rf"^#\s+{key}\s", text, re.M), f"feed key {key} is not documented"
            continue
        start = lines.index(f"[{section}]")
        for key in keys:
            index = next(i for i in range(start, len(lines)) if lines[i].startswith(f"{key} ="))
            assert lines[index - 1].startswith("#"), f"{section}.{key} has no comment above it"
    assert "[keys]" in lines


def test_default_feed_list_is_curated() -> None:
    assert 15 <= len(DEFAULT_FEEDS) <= 25
    urls = [feed.url for feed in DEFAULT_FEEDS]
    assert len(set(urls)) == len(urls)
    jurisdictions = {"us", "eu", "uk"}
    for feed in DEFAULT_FEEDS:
        assert feed.url.startswith("https://") and normalize_feed_url(feed.url) == feed.url
        assert feed.title and feed.tags
        assert all(tag == clean_tag(tag) == tag.lower() for tag in feed.tags)
    assert jurisdictions <= {tag for feed in DEFAULT_FEEDS for tag in feed.tags}
    assert sum("regulator" in feed.tags for feed in DEFAULT_FEEDS) >= 4


# --- errors ---------------------------------------------------------------------------------------------------


def test_bad_toml_syntax_names_the_line() -> None:
    path = DATA / "bad_syntax.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path, must_exist=True)
    assert info.value.line == 6
    assert f"{path}:6" in str(info.value)
    assert "invalid TOML" in info.value.reason


def test_unterminated_string_points_at_the_end() -> None:
    err = error_for('[general]\ntheme = "nord\n')
    assert err.line is not None and err.line >= 2


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'[general]\ntheme = "caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, must_exist=True)
    assert info.value.line == 2 and "UTF-8" in info.value.reason


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'\xef\xbb\xbf[general]\ntheme = "nord"\n')
    assert load_config(path, must_exist=True).general.theme == "nord"


@pytest.mark.parametrize(
    ("text", "key", "suggestion", "line"),
    [
        ('[general]\n\npoll_intervall = "1h"\n', "general.poll_intervall", "poll_interval", 3),
        ("[fetch]\nper_hots = 2\n", "fetch.per_hots", "per_host", 2),
        ("[genral]\ntheme = 'x'\n", "genral", "general", 1),
        ('[[feeds]]\nurl = "https://a.example/"\ntag = ["x"]\n', "feeds[1].tag", "tags", 3),
        ('[fulltext]\npolicies = "off"\n', "fulltext.policies", "policy", 2),
        ("[stories]\ngrup = false\n", "stories.grup", "group", 2),
        ("[storie]\ngroup = false\n", "storie", "stories", 1),
    ],
)
def test_unknown_keys_suggest_the_right_one(text: str, key: str, suggestion: str, line: int) -> None:
    err = error_for(text)
    assert err.key == key
    assert f"did you mean '{suggestion}'" in err.reason
    assert err.line == line
    assert f"test.toml:{line}" in str(err) and key in str(err)


def test_unknown_key_without_a_near_match_lists_the_choices() -> None:
    err = error_for("[general]\nzzz = 1\n")
    assert "expected one of" in err.reason and "poll_interval" in err.reason


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('[general]\nrefresh_on_start = "yes"\n', "general.refresh_on_start", "true or false"),
        ("[general]\nretention_days = 1.5\n", "general.retention_days", "integer, not a float"),
        ("[general]\nretention_days = true\n", "general.retention_days", "integer, not a boolean"),
        ("[general]\ntheme = 3\n", "general.theme", "string"),
        ('[fetch]\nmax_connections = "32"\n', "fetch.max_connections", "integer, not a string"),
        ("[fetch]\nmax_connections = 0\n", "fetch.max_connections", "between 1 and 256"),
        ('[fetch]\nuser_agent = "a\\nInjected: 1"\n', "fetch.user_agent", "printable ASCII"),
        ("[fulltext]\nconcurrency = []\n", "fulltext.concurrency", "integer, not an array"),
        ('[stories]\ngroup = "no"\n', "stories.group", "true or false"),
        ("[stories]\ngroup = 0\n", "stories.group", "true or false"),
        ("stories = true\n", "stories", "table"),
        ("general = 3\n", "general", "table"),
        ('[[general]]\ntheme = "x"\n', "general", "table"),
        ("[feeds]\nurl = 'https://a.example/'\n", "feeds", "array of tables"),
        ("feeds = [1]\n", "feeds[1]", "table"),
        ('[[feeds]]\ntitle = "x"\n', "feeds[1]", "has no url"),
        ("[[feeds]]\nurl = 3\n", "feeds[1].url", "string"),
        ('[[feeds]]\nurl = "https://a.example/"\ntitle = 1979-05-27\n', "feeds[1].title", "date/time"),
        ('[[feeds]]\nurl = "https://a.example/"\ntags = "privacy"\n', "feeds[1].tags", "array of strings"),
        ('[[feeds]]\nurl = "https://a.example/"\ntags = ["ok", 2]\n', "feeds[1].tags", "array of strings"),
        ('[[feeds]]\nurl = "https://a.example/"\ntags = ["ok", " , "]\n', "feeds[1].tags", "empty tag"),
        ("[keys]\nquit = 1\n", "keys.quit", "string"),
        ('[keys]\nquit = "q,,x"\n', "keys.quit", "key names"),
        ('[keys]\n"bad id!" = "q"\n', "keys.bad id!", "binding id"),
        ("keys = 1\n", "keys", "table"),
    ],
)
def test_wrong_types_name_the_key(text: str, key: str, fragment: str) -> None:
    err = error_for(text)
    assert err.key == key
    assert fragment in err.reason
    assert err.line is not None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ('"soon"', "duration"),
        ('"15 minutes"', "duration"),
        ('"-5m"', "duration"),
        ("-5", "negative"),
        ('"1.5h"', "duration"),
        ("1.5", "not a float"),
        ("true", "not a boolean"),
        ('"30s"', "between 1m and 30d"),
        ('"400d"', "at most 365 days"),
        ('"' + "9" * 100 + '"', "duration"),
    ],
)
def test_bad_durations(value: str, fragment: str) -> None:
    err = error_for(f"[general]\npoll_interval = {value}\n")
    assert err.key == "general.poll_interval" and err.line == 2
    assert fragment in err.reason


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1w", 604800), ("1h30m", 5400),
     (" 2H ", 7200), ("120", 120), ("1h 30m", 5400), (0, 0)],
)  # fmt: skip
def test_parse_duration(value: object, seconds: int) -> None:
    assert parse_duration(value, "k") == seconds


def test_parse_duration_error_names_the_key() -> None:
    with pytest.raises(ConfigError) as info:
        parse_duration("often", "--interval")
    assert info.value.key == "--interval" and "duration" in info.value.reason


@pytest.mark.parametrize(
    ("seconds", "text"), [(90, "90s"), (900, "15m"), (5400, "90m"), (7200, "2h"), (86400, "1d")]
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text, "k") == seconds


def test_auto_refresh_off() -> None:
    assert parse_config('[general]\nauto_refresh = "off"\n').general.auto_refresh is None
    assert parse_config("[general]\nauto_refresh = false\n").general.auto_refresh is None
    assert parse_config('[general]\nauto_refresh = "5m"\n').general.auto_refresh == 300
    assert "duration" in error_for("[general]\nauto_refresh = true\n").reason


@pytest.mark.parametrize("policy", ["always", "On-Open", "", "none"])
def test_bad_fulltext_policy(policy: str) -> None:
    err = error_for(f'[fulltext]\npolicy = "{policy}"\n')
    assert err.key == "fulltext.policy" and '"off", "on-open", "prefetch"' in err.reason
    err = error_for(f'[[feeds]]\nurl = "https://a.example/"\n\nfulltext = "{policy}"\n')
    assert err.key == "feeds[1].fulltext" and err.line == 4


def test_duplicate_urls_name_both_lines() -> None:
    text = (
        '[[feeds]]\nurl = "https://a.example/feed"\n\n'
        '[[feeds]]\nurl = "https://b.example/feed"\n\n'
        '[[feeds]]\ntitle = "again"\nurl = "  https://a.example/feed "\n'
    )
    err = error_for(text)
    assert err.key == "feeds[3].url" and err.line == 9
    assert "duplicates" in err.reason and "line 2" in err.reason


def test_error_in_later_feed_points_at_its_table() -> None:
    feeds = "".join(f'[[feeds]]\nurl = "https://{n}.example/"\n' for n in range(5))
    err = error_for(feeds + 'poll_interval = "x"\n')
    assert err.key == "feeds[5].poll_interval" and err.line == 11


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("example.com/rss", "not a URL"),
        ("javascript:alert(1)", "unsupported scheme"),
        ("ftp://example.org/feed", "unsupported scheme"),
        ("https://", "no host"),
        ("https://exa mple.org/", "spaces"),
        ("https://example.org/\x1b[31m", "control"),
        ("file://", "names no file"),
        ("https://example.org/" + "a" * 3000, "longer than"),
    ],
)
def test_bad_feed_urls(url: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        normalize_feed_url(url)
    escaped = url.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\u001b")
    err = error_for(f'[[feeds]]\nurl = "{escaped}"\n')
    assert err.key == "feeds[1].url" and err.line == 2


def test_good_feed_urls(tmp_path: Path) -> None:
    assert normalize_feed_url(" https://example.org/feed ") == "https://example.org/feed"
    # One spelling per feed: scheme and host case, the default port, the fragment and an empty path.
    assert normalize_feed_url("HTTP://Example.org/x") == "http://example.org/x"
    assert normalize_feed_url("https://Example.ORG:443/Feed?A=1#top") == "https://example.org/Feed?A=1"
    assert normalize_feed_url("http://example.org:8080") == "http://example.org:8080/"
    assert normalize_feed_url("https://user@[::1]:8443/f") == "https://user@[::1]:8443/f"
    assert normalize_feed_url("file:///tmp/feed.xml") == "file:///tmp/feed.xml"
    assert normalize_feed_url("/tmp/a feed.xml") == "file:///tmp/a%20feed.xml"
    assert normalize_feed_url("./f.xml", tmp_path) == (tmp_path / "f.xml").as_uri()
    assert normalize_feed_url("../f.xml", tmp_path / "sub") == (tmp_path / "f.xml").as_uri()


def test_titles_and_tags_are_cleaned() -> None:
    config = parse_config(
        '[[feeds]]\nurl = "https://a.example/"\ntitle = "Evil\\u001b]0;pwned\\u0007 title\\nhere"\n'
        'tags = ["eu", " EU ", "eu", "/ai/", "a,b"]\n'
    )
    (feed,) = config.feeds
    assert feed.title == "Evil title here"
    assert feed.tags == ("eu", "EU", "ai", "a b")


def test_message_names_file_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[general]\nmark_read_on_open = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, must_exist=False)
    message = str(info.value)
    assert message.startswith(f"config error in {path}:2:")
    assert "general.mark_read_on_open" in message and "true or false" in message


# --- properties -------------------------------------------------------------------------------------------------

_KEYS = [key for keys in SECTIONS.values() for key in keys] + ["url", "bogus", "theme"]
_VALUES = [
    '"15m"',
    "3",
    "true",
    '"x"',
    "[]",
    '["a", 1]',
    "1.5",
    '"https://a.example/"',
    "{}",
    "1979-05-27",
    '"off"',
]
_HEADERS = [
    "[general]",
    "[fetch]",
    "[fulltext]",
    "[keys]",
    "[[feeds]]",
    "[bogus]",
    "[general.x]",
    "[[general]]",
]

toml_ish = st.lists(
    st.one_of(
        st.sampled_from(_HEADERS),
        st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(_KEYS), st.sampled_from(_VALUES)),
        st.text(max_size=30),
    ),
    max_size=20,
).map("\n".join)


@settings(deadline=None)
@given(toml_ish)
def test_arbitrary_toml_ish_text_only_raises_config_error(text: str) -> None:
    try:
        config = parse_config(text, name="prop.toml")
    except ConfigError as exc:
        assert exc.path == "prop.toml"
        assert exc.line is None or exc.line >= 1
    else:
        assert isinstance(config, Config)


@settings(deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_config_error(data: bytes) -> None:
    with tempfile.NamedTemporaryFile(suffix=".toml") as handle:
        handle.write(data)
        handle.flush()
        try:
            load_config(Path(handle.name), must_exist=True)
        except ConfigError as exc:
            assert exc.path == handle.name


# --- issue 8, item 11: mistakes every command rejects with the file/key/line message ----------------------------


@pytest.mark.parametrize(
    ("text", "key", "fragment", "line"),
    [
        ('[keys]\nnext_unred = "n"\n', "keys.next_unred", "did you mean 'next_unread'", 2),
        ('[keys]\nsave_item = "x"\n', "keys.save_item", "not a binding id", 2),
        ('[keys]\nrefresh = "x"\nzen = "x"\n', "keys.zen", "'refresh' also uses as remapped", 3),
        ('[keys]\nnext_unread = "j"\n', "keys.next_unread", "'down' also uses by default", 2),
        ('[keys]\nnext_unread = "?"\n', "keys.next_unread", "'help' also uses", 2),
        ('[keys]\nrefresh = "dwon"\n', "keys.refresh", "did you mean 'down'", 2),
        ('[keys]\nsearch = "slash,ctrl+p"\n', "keys.search", "the command palette", 2),
        ('[keys]\nquit = "q,ctrl+q"\n', "keys.quit", "would never run", 2),
        ('[keys]\nrefresh = "ctlr+r"\n', "keys.refresh", "not a modifier", 2),
        ('[keys]\nrefresh = "Down"\n', "keys.refresh", "not a key name", 2),
        ('[keys]\nrefresh = "f25"\n', "keys.refresh", "not a key name", 2),
        ('[general]\ntheme = "solarised-dark"\n', "general.theme", "did you mean 'solarized-dark'", 2),
        ('[general]\ntheme = "neon"\n', "general.theme", "not a theme", 2),
    ],
)
def test_key_and_theme_mistakes_are_config_errors(text: str, key: str, fragment: str, line: int) -> None:
    err = error_for(text)
    assert err.key == key and fragment in err.reason and err.line == line, str(err)
    assert "\n" not in str(err)


def test_real_key_names_and_themes_are_accepted() -> None:
    config = parse_config(
        '[general]\ntheme = "gruvbox"\n[keys]\n'
        'refresh = "r,f5,ctrl+r"\nzen = "Z,alt+z"\nsearch = "slash,ctrl+f"\n'
        'next_unread = "n,ctrl+shift+down"\ncopy_link = "comma"\nfeed_health = "H,!"\n'
        # Swapping two keys is fine when both are remapped.
        'toggle_saved = "m"\ntoggle_read = "s"\n'
        # The feed pane's space may shadow the screen's (the defaults do), also after remapping page_down.
        'page_down = "space,pagedown"\n'
        # Dialogs have their own keys: q may close the help screen while it quits elsewhere.
        'help.close = "escape,q,x"\n'
    )
    assert config.general.theme == "gruvbox" and config.keys["copy_link"] == "comma"


@pytest.mark.parametrize(
    "second",
    [
        "https://EXAMPLE.org/feed",
        "https://example.org:443/feed",
        "https://example.org/feed#latest",
        "HTTPS://example.org/feed",
    ],
)
def test_duplicate_feed_urls_written_differently_are_rejected(second: str) -> None:
    err = error_for(f'[[feeds]]\nurl = "https://example.org/feed"\n\n[[feeds]]\nurl = "{second}"\n')
    assert err.key == "feeds[2].url" and err.line == 5
    assert "first listed at line 2" in err.reason and "https://example.org/feed" in err.reason
