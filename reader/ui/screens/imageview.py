"""The image viewer: one of the open article's images, fetched and decoded by a worker (the core's job, through
the services), drawn as well as the terminal can (Kitty graphics, Sixel, else coloured half blocks), with its
alt text and address. Esc/q closes, o opens it in the browser, n/p (→/←) go to the article's next/previous
image."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.ui.links import ArticleImage
from reader.ui.text import safe

if TYPE_CHECKING:
    from textual.widget import Widget

    from reader.fetch.images import ImageLoad
    from reader.ui.protocol import Services

MAX_FIT = 2048  # pixels: no terminal shows more of one image


def _lines(words: list[str]) -> list[str | tuple[str, str]]:
    """The alt text, then the caption (muted) on a line of its own."""
    alt, caption = words
    parts: list[str | tuple[str, str]] = [alt] if alt else []
    if caption:
        parts += ["\n" if alt else "", (caption, "$text-muted italic")]
    return parts


class ImageReady(Message):
    """The worker's answer for image `index`: the load, and the widget class for this terminal."""

    def __init__(
        self, index: int, load: ImageLoad, widget: Callable[..., Widget] | None, protocol: str
    ) -> None:
        super().__init__()
        self.index = index
        self.load = load
        self.widget = widget
        self.protocol = protocol


class ImageViewerScreen(ModalScreen[None]):
    """Shows image `index` of `images` (the open item's), sized to the terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="image.close"),
        Binding("o", "open_browser", "Open in the browser", id="image.open"),
        Binding("n,right", "step(1)", "Next image", id="image.next"),
        Binding("p,left", "step(-1)", "Previous image", id="image.previous"),
    ]

    def __init__(
        self,
        services: Services,
        item_id: int,
        images: Sequence[ArticleImage],
        index: int,
        open_in_browser: Callable[[str], object],
    ) -> None:
        super().__init__()
        self._services = services
        self._item_id = item_id
        self._images = list(images)
        self.index = index
        self._open = open_in_browser
        self.load: ImageLoad | None = None  # the shown image's load (tests read it)
        self.protocol = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="image-box", classes="modal-box"):
            yield Static(Content(""), id="image-title", classes="modal-title")
            yield Static(Content(""), id="image-alt")
            with Center(id="image-area"):
                yield Static(Content("Fetching the image…"), id="image-status")
            yield Static(Content(""), id="image-address")
            yield Static(Content(""), id="image-hint")

    def on_mount(self) -> None:
        self._show(self.index)

    @property
    def image(self) -> ArticleImage:
        return self._images[self.index]

    def _show(self, index: int) -> None:
        self.index = index
        self.load = None
        image = self.image
        count = len(self._images)
        title = f"Image {index + 1} of {count}" if count > 1 else "Image"
        self.query_one("#image-title", Static).update(Content(f"{title} · link {image.link}"))
        alt = self.query_one("#image-alt", Static)
        words = [safe(image.alt, 500), safe(image.caption, 500)]
        alt.update(Content.assemble(*_lines(words)))
        alt.display = bool(image.alt or image.caption)
        self.query_one("#image-address", Static).update(Content(safe(image.url, 500)))
        keys = "o: open in the browser · Esc: close"
        if count > 1:
            keys = "n/p: next/previous image · " + keys
        self.query_one("#image-hint", Static).update(Content(keys))
        area = self.query_one("#image-area")
        for child in list(area.children):
            if child.id != "image-status":
                child.remove()
        self._status("Fetching the image…")
        cols = max(4, self.app.size.width - 8)
        rows = max(2, self.app.size.height - 12)
        self._fetch(index, image.url, cols, rows)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#image-status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")
        status.display = bool(text)

    @work(thread=True, exclusive=True, group="image", exit_on_error=False, description="fetching an image")
    def _fetch(self, index: int, url: str, cols: int, rows: int) -> None:
        from reader.fetch.images import ImageLoad

        try:
            from reader.ui.picture import image_widget

            widget, protocol = image_widget()
            from textual_image._terminal import get_cell_size

            cell = get_cell_size()
        except Exception as exc:  # the drawing library missing or broken: say so, the rest goes on
            load = ImageLoad(url, None, f"images cannot be drawn here ({type(exc).__name__}: {exc})")
            self.post_message(ImageReady(index, load, None, ""))
            return
        if protocol == "halfcell":
            fit = (cols, rows * 2)  # one pixel per cell across, two down
        else:
            fit = (min(MAX_FIT, cols * cell.width), min(MAX_FIT, rows * cell.height))
        try:
            load = self._services.load_image(self._item_id, url, fit)
        except Exception as exc:  # the services answer bad input with a message; anything else says so too
            load = ImageLoad(url, None, f"{type(exc).__name__}: {exc}")
        self.post_message(ImageReady(index, load, widget, protocol))

    async def on_image_ready(self, event: ImageReady) -> None:
        event.stop()
        if event.index != self.index or not self.is_attached:
            return  # the reader moved on to another image
        self.load, self.protocol = event.load, event.protocol
        decoded = event.load.image
        if decoded is None or event.widget is None:
            reason = safe(event.load.error, 300) or "unknown error"
            self._status(f"Couldn't show the image: {reason}", error=True)
            return
        self._status("")
        await self.query("#image-picture").remove()  # the one before, if its removal is still under way
        await self.query_one("#image-area").mount(event.widget(decoded.image, id="image-picture"))
        size = f"{decoded.width:,} x {decoded.height:,} pixels, {decoded.kind.upper()}"
        if event.protocol == "halfcell":
            size += " · no pictures in this terminal: a preview in coloured blocks"
        self.query_one("#image-address", Static).update(
            Content.assemble(safe(self.image.url, 500), "\n", (size, "$text-muted"))
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_browser(self) -> None:
        self._open(self.image.url)

    def action_step(self, step: int) -> None:
        if len(self._images) > 1:
            self._show((self.index + step) % len(self._images))
