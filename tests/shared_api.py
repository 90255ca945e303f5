"""One copy of the API tests' fixtures for every test folder that starts the real service.

``tests/api/conftest.py`` is loaded under the name pytest gives it (``api.conftest``), so the API, browser and
reliability tests share one ``Server`` whichever folder pytest collects first.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def api_fixtures() -> ModuleType:
    name = "api.conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "api" / "conftest.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
