"""Fixtures shared by several test files."""

from __future__ import annotations

import importlib.util

import pytest


@pytest.fixture
def without_torch_and_keras(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make PyTorch and Keras look not installed (``importlib.util.find_spec`` finds neither)."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name in ("torch", "keras") else real(name)
    )
