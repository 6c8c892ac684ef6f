"""Numbered links (reader/ui/links.py): markers after web links, one number per address, code left alone."""

from __future__ import annotations

from reader.ui.links import MAX_LINKS, number_links


def test_links_get_numbers_in_order_and_a_list_at_the_end() -> None:
    md = (
        "See [the ruling](https://court.example/r) and [a wiki page](https://en.example/wiki/Act_(2024)).\n\n"
        "Again [the ruling](https://court.example/r), and <https://auto.example/x>."
    )
    text, links = number_links(md)
    assert links == [
        "https://court.example/r",
        "https://en.example/wiki/Act_(2024)",
        "https://auto.example/x",
    ]
    assert "[the ruling](https://court.example/r)\\[1\\]" in text
    assert "(https://en.example/wiki/Act_(2024))\\[2\\]" in text
    assert text.count("\\[1\\]") == 2  # the same address keeps its number
    assert "<https://auto.example/x>\\[3\\]" in text
    tail = text.split("**Links**", 1)[1]
    assert "1. [https://court.example/r](https://court.example/r)" in tail
    assert "3. [https://auto.example/x](https://auto.example/x)" in tail


def test_images_code_and_other_schemes_get_no_number() -> None:
    md = (
        "![chart](https://img.example/c.png) [mail](mailto:a@b.example) [js](javascript:alert(1))\n"
        "`[code](https://code.example)`\n\n"
        "```\n[fenced](https://fence.example)\n```\n"
        "~~~~\n<https://tilde.example>\n~~~~\n"
    )
    text, links = number_links(md)
    assert links == []
    assert text == md  # nothing to number: the text is untouched, no list


def test_the_count_is_capped() -> None:
    md = " ".join(f"[l{n}](https://x.example/{n})" for n in range(MAX_LINKS + 5))
    text, links = number_links(md)
    assert len(links) == MAX_LINKS
    assert f"\\[{MAX_LINKS}\\]" in text and f"\\[{MAX_LINKS + 1}\\]" not in text


def test_article_images_are_the_image_links_with_their_numbers_alt_and_caption() -> None:
    from reader.ui.links import ArticleImage, article_images

    source = (
        'A [*Image: a \\*b\\* c*](https://e.org/a.jpg "Seen from the east") and [x](https://e.org/p) '
        "[*Image*](https://e.org/b.png) [*Image*](https://e.org/a.jpg) ![raw](https://e.org/r.png)"
    )
    _, links = number_links(source)
    assert article_images(source, links) == [
        ArticleImage("https://e.org/a.jpg", "a *b* c", 1, "Seen from the east"),
        ArticleImage("https://e.org/b.png", "", 3),
    ]


def test_attached_pictures_come_first_and_other_files_are_not_images() -> None:
    from reader.attachments import with_attachments
    from reader.models import Article, Enclosure
    from reader.ui.links import article_images

    photo = Enclosure("https://e.org/photos/harbour.jpg", "image/jpeg", 1_200_000)
    untyped = Enclosure("https://e.org/photos/pier.png")
    episode = Enclosure("https://e.org/ep1.mp3", "audio/mpeg")
    article = Article(
        title="t",
        byline=None,
        published=None,
        word_count=1,
        reading_minutes=1,
        markdown="Text [*Image*](https://e.org/photos/harbour.jpg) [*Image*](https://e.org/in.png)",
        text="Text",
    )
    source = with_attachments(article, [photo, episode, untyped]).markdown
    _, links = number_links(source)
    images = article_images(source, links, [photo, episode, untyped])
    assert [(i.url.rsplit("/", 1)[1], i.link) for i in images] == [
        ("harbour.jpg", 1),
        ("pier.png", 3),
        ("in.png", 4),
    ]
    assert images[0].caption == "Image (image/jpeg), 1.2 MB: harbour.jpg" and images[0].alt == ""
