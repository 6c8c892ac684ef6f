"""Allow ``python -m reader``."""

from reader.cli.launch import main

raise SystemExit(main())
