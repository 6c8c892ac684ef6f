"""The one way the CLI turns an archived item into an article, so `show` and `export-saved` print the same text."""

from __future__ import annotations

from dataclasses import replace

from reader.attachments import with_attachments
from reader.models import Article, Item
from reader.store.feeds import Store


def archived_article(store: Store, item: Item) -> Article:
    """The cached full text of `item`, else its feed content (cleaned, as Markdown), titled and dated like the
    item: the feed's title and publication date win over what the extraction found on the page."""
    from reader.extract.pipeline import item_article

    article = store.article_for(item.id) or item_article(item, None)
    titled = replace(
        article,
        title=item.title or article.title,
        byline=article.byline or item.author,
        published=item.published or article.published,
    )
    return with_attachments(titled, item.enclosures)
