"""nplib.widgets without the `notebooks` extra: one line that names the extra."""

import builtins
import importlib
import sys

import pytest


def test_widgets_without_the_notebooks_extra_name_it(monkeypatch):
    real_import = builtins.__import__

    def no_ipycanvas(name, *args, **kwargs):
        if name == "ipycanvas":
            raise ModuleNotFoundError("No module named 'ipycanvas'", name="ipycanvas")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipycanvas)
    monkeypatch.delitem(sys.modules, "nplib.widgets", raising=False)
    with pytest.raises(ModuleNotFoundError, match=r"ipycanvas: pip install -e '\.\[notebooks\]'"):
        importlib.import_module("nplib.widgets")
    monkeypatch.undo()  # the module as the other tests imported it
    assert importlib.import_module("nplib.widgets").InpaintWidget
