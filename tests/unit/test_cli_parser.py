"""The command line's parser: opening the reader takes a short path that must parse exactly as the whole
parser does."""

from __future__ import annotations

import pytest

from reader.cli.parser import _global_options_only, build_parser, parse_arguments


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--config", "c.toml"],
        ["--data-dir", "/tmp/d"],
        ["--config=c.toml", "--data-dir=/tmp/d"],
        ["--data-dir", "/tmp/d", "--config", "fetch"],  # a config file named like a command
    ],
)
def test_opening_the_reader_parses_as_the_whole_parser_does(argv: list[str]) -> None:
    assert _global_options_only(argv)
    assert vars(parse_arguments(argv)) == vars(build_parser().parse_args(argv))
    assert parse_arguments(argv).command is None


@pytest.mark.parametrize(
    "argv",
    [["fetch"], ["--config", "c.toml", "list"], ["-h"], ["--version"], ["--config"], ["--conf", "x"], ["x"]],
)
def test_anything_else_goes_through_the_whole_parser(argv: list[str]) -> None:
    assert not _global_options_only(argv)


def test_a_command_after_the_global_options_is_parsed() -> None:
    args = parse_arguments(["--data-dir", "/tmp/d", "list", "--unread"])
    assert (args.command, args.data_dir, args.unread) == ("list", "/tmp/d", True)


def test_a_missing_value_is_the_whole_parsers_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_arguments(["--config"])
    assert exit_.value.code == 2
    assert "expected one argument" in capsys.readouterr().err
