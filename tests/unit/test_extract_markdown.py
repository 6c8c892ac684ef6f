"""HTML -> Markdown and text: structure, escaping, safe links, any depth."""

from __future__ import annotations

import lxml.html

from reader.extract.markdown import escape_md, render, safe_url
from reader.extract.pipeline import feed_html_to_markdown


def md(html: str, base: str | None = "https://e.org/a/b") -> tuple[str, str]:
    out = render(lxml.html.fragment_fromstring(html, create_parent="div"), base)
    return out.markdown, out.text


def test_structure_degrades_to_markdown_and_plain_text() -> None:
    markdown, text = md(
        "<h2>Head</h2><p>A <b>bold</b> <i>it</i> <code>x_y</code><br>line</p><ul><li>one</li><li>two</li></ul>"
        "<blockquote><p>q1</p><p>q2</p></blockquote><pre>a\n  b</pre>"
        "<table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>2</td></tr></table>"
    )
    assert markdown == (
        "## Head\n\nA **bold** *it* `x_y`\\\nline\n\n- one\n- two\n\n> q1\n>\n> q2\n\n```\na\n  b\n```\n\n"
        "| k | v |\n| --- | --- |\n| 1 | 2 |"
    )
    assert text == "Head\n\nA bold it x_y\nline\n\n• one\n• two\n\nq1\n\nq2\n\na\n  b\n\nk  v\n1  2"


def test_ordered_list_numbers_are_in_the_markdown_not_in_the_text() -> None:
    # The numbers are the browser's, not the page's words: the plain text (search, word counts) marks the item.
    markdown, text = md('<ol start="3"><li>Sit still.</li><li>Breathe.</li></ol>')
    assert markdown == "3. Sit still.\n4. Breathe."
    assert text == "• Sit still.\n• Breathe."


def test_links_absolute_untracked_and_safe() -> None:
    assert (
        safe_url("/x?utm_source=a&id=1&fbclid=z&gclid=q&mc_cid=m", "https://e.org/p")
        == "https://e.org/x?id=1"
    )
    assert safe_url("javascript:alert(1)", "https://e.org/") is None
    assert safe_url("data:text/html,hi", None) is None
    assert safe_url("relative/only", None) is None
    markdown, text = md('<p><a href="java&#9;script:x">t1</a> <a href="a b(c)">t2</a><a href="#f">3</a></p>')
    assert markdown == "t1 [t2](https://e.org/a/a%20b%28c%29)3" and text == "t1 t23"


def test_markdown_syntax_in_text_is_escaped() -> None:
    assert escape_md("*a* [b](c) <d> snake_case _x_") == "\\*a\\* \\[b\\](c) \\<d> snake_case \\_x\\_"
    markdown, _ = md("<p># not a heading</p><p>1. not a list</p><p>- no</p>")
    assert markdown == "\\# not a heading\n\n1\\. not a list\n\n\\- no"


def test_images_become_links_to_their_address_in_markdown_only_and_deep_nesting_is_fine() -> None:
    markdown, text = md('<p>x <img src="a.png" alt="A *photo*"> y</p>')
    assert markdown == "x [*Image: A \\*photo\\**](https://e.org/a/a.png) y" and text == "x y"
    markdown, text = md('<p>t</p><figure><img src="b.png" alt="A crowded street"></figure><p>u</p>')
    assert markdown == "t\n\n[*Image: A crowded street*](https://e.org/a/b.png)\n\nu" and text == "t\n\nu"
    # No alt, a file name, or the caption again: the image is still there, without words of its own.
    markdown, _ = md(
        '<p>x <img src="a.png"> <img alt="IMG_0042.JPG" src="/c.jpg"> y</p>'
        '<figure><img alt="The mayor" src="//cdn.e.org/m.jpg"><figcaption>The mayor, on Tuesday.</figcaption></figure>'
    )
    assert markdown == (
        "x [*Image*](https://e.org/a/a.png) [*Image*](https://e.org/c.jpg) y\n\n"
        '[*Image*](https://cdn.e.org/m.jpg "The mayor, on Tuesday.")\n\nThe mayor, on Tuesday.'
    )  # the figure's caption is the link's title (the image viewer shows it)
    # No usable address: the alt text alone, as before.
    markdown, _ = md('<p>x <img alt="A chart"> <img alt="B" src="ftp://e.org/b.png"> y</p>')
    assert markdown == "x *Image: A chart* *Image: B* y"
    root = lxml.html.fragment_fromstring("<div><p>t</p></div>")
    node = root
    for _ in range(5000):  # built in the tree directly: deeper than the HTML parser would allow
        node = lxml.html.etree.SubElement(node, "div")
    node.text = "deep"
    assert render(root).text == "t\n\ndeep"


def test_code_block_keeps_its_line_breaks() -> None:
    root = lxml.html.fragment_fromstring(
        "<div><pre><code>KEEPALIVE<br><span>int</span> add(int x)<br>{<br>}</code></pre>"
        "<pre><div>first line</div><div>second <b>line</b></div></pre></div>"
    )
    rendered = render(root, None)
    assert "KEEPALIVE\nint add(int x)\n{\n}" in rendered.text
    assert "first line\nsecond line" in rendered.markdown


def _image_link(html: str, base: str | None = "https://e.org/a/b") -> str:
    return md(f"<p>{html}</p>", base)[0]


def test_the_best_source_wins_srcset_lazy_attributes_then_src() -> None:
    srcset = '<img src="s.jpg" srcset="w400.jpg 400w, w1600.jpg 1600w, w4000.jpg 4000w" alt="a">'
    assert _image_link(srcset) == "[*Image: a*](https://e.org/a/w1600.jpg)"  # the largest up to 2560 wide
    assert _image_link('<img srcset="only-huge.jpg 5000w, huger.jpg 8000w">') == (
        "[*Image*](https://e.org/a/only-huge.jpg)"  # all too wide: the smallest of them
    )
    assert _image_link('<img src="a.jpg" srcset="a1.jpg, a2.jpg 2x, a9.jpg 9x">') == (
        "[*Image*](https://e.org/a/a2.jpg)"
    )
    assert _image_link(
        '<img src="https://cdn.e.org/x.jpg?w=1,h=2" srcset="https://cdn.e.org/c_fill,w_800/x.jpg 800w">'
    ) == (
        "[*Image*](https://cdn.e.org/c_fill,w_800/x.jpg)"  # commas inside a candidate's address
    )
    lazy = '<img src="/img/lazy-placeholder.gif" data-src="/real.jpg" alt="r">'
    assert _image_link(lazy) == "[*Image: r*](https://e.org/real.jpg)"
    assert _image_link(
        '<img src="data:image/gif;base64,R0lG" data-lazy-srcset="/l1.jpg 1x, /l2.jpg 2x">'
    ) == ("[*Image*](https://e.org/l2.jpg)")
    picture = '<picture><source type="image/avif" srcset="/p.avif"><source srcset="/p.webp 1200w"><img src="/p.jpg"></picture>'
    # Through the page parser, which knows <source> is empty (the bare fragment parser nests the <img> in it).
    assert feed_html_to_markdown(f"<p>{picture}</p>", "https://e.org/") == "[*Image*](https://e.org/p.webp)"
    assert _image_link('<img src="/x.jpg?utm_source=feed&amp;v=2">') == "[*Image*](https://e.org/x.jpg?v=2)"


def test_data_uris_other_schemes_and_tracking_pixels_are_dropped() -> None:
    assert _image_link('x <img src="data:image/png;base64,iVBOR" alt="d"> y') == "x *Image: d* y"
    assert _image_link('x <img src="javascript:alert(1)"> y') == "x y"
    for pixel in (
        '<img src="/p.gif" width="1" height="1">',
        '<img src="/p.gif" width="2px">',
        '<img src="/p.gif" style="width:1px;height:1px">',
        '<img src="https://feeds.feedburner.com/~r/x/~4/abc">',
        '<img src="https://pixel.wp.com/g.gif?blog=1">',
        '<img src="https://ad.doubleclick.net/ddm/x">',
        '<img src="https://e.org/track/open.gif?u=1">',
        '<img src="https://e.org/beacon/v1?id=3">',
        '<img src="https://e.org/img/spacer.gif">',
    ):
        assert _image_link(f"x {pixel} y") == "x y", pixel
    # Emoji and icons keep their words only: nothing there to look at.
    assert _image_link(
        'ok <img class="wp-smiley emoji" alt="😀" src="https://s.w.org/images/core/emoji/72x72/1f600.png">'
    ) == ("ok *Image: 😀*")
    assert _image_link('<img src="/i/rss.png" width="16" height="16" alt="RSS">') == "*Image: RSS*"
    # A picture whose name merely holds such a word stays.
    assert _image_link('<img src="/reviews/pixel-9-phone.jpg" alt="phone">') == (
        "[*Image: phone*](https://e.org/reviews/pixel-9-phone.jpg)"
    )
    # Relative address and no base: nothing to link to.
    assert md('<p>x <img src="a.jpg" alt="a"> y</p>', None)[0] == "x *Image: a* y"


def test_images_inside_links_never_nest_links() -> None:
    # A thumbnail linked to its full-size file: one link, to the full size.
    assert _image_link('<a href="/full.png"><img src="/thumb.jpg" alt="t"></a>') == (
        "[*Image: t*](https://e.org/full.png)"
    )
    # A linked image to a page: the image, then the page's own link.
    assert _image_link('<a href="/story"><img src="/t.jpg" alt="t"></a>') == (
        "[*Image: t*](https://e.org/t.jpg) [(link)](https://e.org/story)"
    )
    # An image with no usable address, in a link: its words, outside the link (a link labelled "Image" is
    # one the image viewer would fetch).
    assert _image_link('<a href="/story"><img src="data:image/gif;base64,R0" alt="t"></a>') == (
        "*Image: t* [(link)](https://e.org/story)"
    )
    markdown, text = md('<p><a href="/story">read <img src="/t.jpg"> on</a> now</p>')
    assert markdown == "[read on](https://e.org/story) [*Image*](https://e.org/t.jpg) now"
    assert text == "read on now"


def test_plain_text_is_the_same_with_or_without_images() -> None:
    html = (
        '<h2>A</h2><p>One <a href="/x">two <img src="/i.jpg" alt="pic"></a> three.</p>'
        '<figure><img srcset="/a.jpg 1x, /b.jpg 2x"><figcaption>Cap</figcaption></figure>'
        '<ul><li><img src="/li.png" alt="dot"> item</li></ul>'
    )
    stripped = html
    for tag in (
        '<img src="/i.jpg" alt="pic">',
        '<img srcset="/a.jpg 1x, /b.jpg 2x">',
        '<img src="/li.png" alt="dot">',
    ):
        stripped = stripped.replace(tag, "")
    with_images = render(lxml.html.fragment_fromstring(html, create_parent="div"), "https://e.org/")
    without = render(lxml.html.fragment_fromstring(stripped, create_parent="div"), "https://e.org/")
    assert with_images.text == without.text == "A\n\nOne two three.\n\nCap\n\n• item"
    assert with_images.link_chars == without.link_chars and with_images.text_chars == without.text_chars
    assert "[*Image: pic*](https://e.org/i.jpg)" in with_images.markdown
