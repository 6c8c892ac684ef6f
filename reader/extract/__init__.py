"""Reader mode: page HTML -> clean Markdown article (pipeline.py is the entry point)."""
