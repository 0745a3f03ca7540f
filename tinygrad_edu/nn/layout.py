"""A process-wide count of changes to what modules are made of, for ``compile_step``'s guards.

A compiled step replays the ops one traced call recorded. It must trace again when a model's
structure changes under it: a parameter or layer replaced (``model.fc = Dense(...)``), or a
forward hook added or removed (hooks are Python the replay would not run). ``Module`` and its
hooks bump ``layout.version`` on each such change, and count every hook call in
``layout.hook_calls`` so that a trace can tell whether a hook ran inside it.
"""

from __future__ import annotations


class Layout:
    """``version``: bumped on every structural change; ``hook_calls``: forward hooks run so far."""

    __slots__ = ("hook_calls", "version")

    def __init__(self) -> None:
        self.version = 0
        self.hook_calls = 0


layout = Layout()
