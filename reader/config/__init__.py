"""Configuration: TOML -> frozen dataclasses with file/key/line errors (loader.py), the built-in feeds."""
