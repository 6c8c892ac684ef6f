"""Allow ``python -m reader``."""

from reader.cli.commands import main

raise SystemExit(main())
