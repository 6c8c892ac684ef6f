"""The command line: argument parsing and dispatch (commands.py), one module per command family."""
