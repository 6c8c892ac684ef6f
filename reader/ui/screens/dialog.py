"""`Dialog`: the base of the screens shown over the panes (help, forms, prompts, confirmations, stories).

Their styles are in `dialogs.tcss`, read when the first dialog opens: the first paint parses only what the
panes need.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

_Result = TypeVar("_Result")


class Dialog(ModalScreen[_Result]):
    CSS_PATH = "dialogs.tcss"
