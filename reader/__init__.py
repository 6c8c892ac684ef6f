"""reader: a terminal feed reader for people who follow technology policy."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/reader-tui/reader"
USER_AGENT = f"reader-tui/{__version__} (+{PROJECT_URL})"
