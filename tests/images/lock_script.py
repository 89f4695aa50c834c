"""scripts/lock-image loaded as a module (it is a script without a .py suffix, run by `make lock`)."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_lock_script() -> ModuleType:
    name = "rmkit_lock_image"
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.SourceFileLoader(name, str(ROOT / "scripts" / "lock-image"))
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    loader.exec_module(module)
    return module
