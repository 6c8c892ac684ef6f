"""HTML -> Markdown and text: structure, escaping, safe links, any depth."""

from __future__ import annotations

import lxml.html

from reader.extract.markdown import escape_md, render, safe_url


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


def test_images_become_their_alt_text_in_markdown_only_and_deep_nesting_is_fine() -> None:
    markdown, text = md('<p>x <img src="a.png" alt="A *photo*"> y</p>')
    assert markdown == "x *Image: A \\*photo\\** y" and text == "x y"
    markdown, text = md('<p>t</p><figure><img src="b.png" alt="A crowded street"></figure><p>u</p>')
    assert markdown == "t\n\n*Image: A crowded street*\n\nu" and text == "t\n\nu"
    # No alt, a file name, or the caption again: nothing.
    markdown, _ = md(
        '<p>x <img src="a.png"> <img alt="IMG_0042.JPG"> y</p>'
        '<figure><img alt="The mayor"><figcaption>The mayor, on Tuesday.</figcaption></figure>'
    )
    assert markdown == "x y\n\nThe mayor, on Tuesday."
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
