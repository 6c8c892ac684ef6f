"""`reader export-saved DIR`: saved items as Markdown files (with their full text), an archive outside the app."""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

from reader.cli.articles import archived_article
from reader.cli.context import Context, fail
from reader.errors import ReaderError
from reader.models import Item, View, ViewKind
from reader.store.feeds import Store
from reader.textsafe import clean_text

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(title: str, limit: int = 60) -> str:
    """A file-name-safe slug: ASCII letters, digits and dashes only (never a path separator or dot-name)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = _NOT_SLUG.sub("-", ascii_title.lower()).strip("-")
    return text[:limit].rstrip("-") or "item"


def _front(item: Item, fields: dict[str, str | None]) -> str:
    lines = ["---"]
    for key, value in fields.items():
        if value:
            # One line each, quoted: titles from the network are data, not YAML.
            lines.append(
                f'{key}: "{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
            )
    lines.append("---")
    return "\n".join(lines)


def export_saved(store: Store, folder: Path) -> int:
    """Write every saved item to `folder` as `DATE-SLUG-ID.md`; returns how many were written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReaderError(f"cannot create {folder}: {exc.strerror}") from exc
    written = 0
    offset = 0
    view = View(kind=ViewKind.SAVED)
    while True:
        batch = store.items(view, offset=offset, limit=200)
        if not batch:
            return written
        offset += len(batch)
        for item in batch:
            article = archived_article(store, item)
            header = _front(
                item,
                {
                    "title": item.title,
                    "feed": item.feed_title,
                    "link": item.link,
                    "author": article.byline,
                    "published": item.published.isoformat() if item.published else None,
                    "saved": item.saved_at.isoformat() if item.saved_at else None,
                    "source": "full text" if article.source == "page" else "feed content",
                },
            )
            name = f"{item.sort_date.date().isoformat()}-{slug(item.title)}-{item.id}.md"
            body = f"{header}\n\n# {item.title}\n\n{article.markdown.rstrip()}\n"
            try:
                (folder / name).write_text(body, encoding="utf-8")
            except OSError as exc:
                raise ReaderError(f"cannot write {folder / name}: {exc.strerror}") from exc
            written += 1


def cmd_save_page(args: argparse.Namespace, ctx: Context) -> int:
    from reader.fetch.pages import check_page_url

    try:
        check_page_url(args.url)
    except ValueError as exc:
        return fail(f"cannot save {clean_text(args.url, limit=80)}: {exc}", 2)
    page = ctx.services.save_page(args.url, args.title)
    if page.existed:
        how = (
            "with its full text" if page.full_text else "(its full text comes with `reader show` or the TUI)"
        )
        print(f"Already in the archive: saved item {page.item_id}, {clean_text(page.title)}, {how}.")
    elif page.full_text:
        print(f"Saved item {page.item_id}: {clean_text(page.title)}, with its full text.")
    else:
        print(
            f"Saved item {page.item_id} by its address only: its page could not be read ({page.error}). "
            "Open it in the reader and press t to try again."
        )
    return 0


def cmd_export_saved(args: argparse.Namespace, ctx: Context) -> int:
    count = export_saved(ctx.store, Path(args.dir))
    print(f"Wrote {count} saved items to {args.dir}.")
    return 0
