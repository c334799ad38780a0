"""Issue 18 item 16: where Chromium cannot be installed automatically, the browser tests say plainly how
to get it, how to use another one, and how to leave them out."""
from __future__ import annotations

import os

import pytest

from tests.e2e import chromium


def test_item_16_a_missing_chromium_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(chromium, "CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(RuntimeError) as refused:
        chromium.ensure()
    text = str(refused.value)
    assert "sudo apt-get install chromium" in text and "installing it needs root" in text
    assert "JOBPLAN_CHROMIUM=/path/to/chromium" in text
    assert "-m 'not browser'" in text
