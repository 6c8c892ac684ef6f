"""Run the reader on a demo archive (for trying it by hand, e.g. under tmux): python tests/ui/demo.py [DIR]."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from uifakes import NOW, FakeServices, build_archive, parsed_item

from reader.ui.app import make_app
from reader.ui.settings import UISettings


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="reader-demo-"))
    db = folder / "reader.db"
    ids = build_archive(db, per_feed=60) if not db.exists() else {}
    services = FakeServices(db, failing={"https://broken.example/feed.xml": "HTTP 503 Service Unavailable"})
    services.pending = [
        ("https://blog.example/atom", parsed_item(4, 100 + n, hours_ago=0.1 * n)) for n in range(3)
    ]
    for item_id in range(1, 400):
        services.articles.setdefault(item_id, "timed out after 10 s")
    settings = UISettings(state_path=folder / "state.json", now=lambda: NOW, auto_refresh=None)
    app = make_app(services, settings)
    app.run()
    print(ids)


if __name__ == "__main__":
    main()
