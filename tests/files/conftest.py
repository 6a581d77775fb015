from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def files_root(settings: Settings, tmp_path: Path) -> Path:
    """Every test stores files in its own temporary folder, on the local backend."""
    root = tmp_path / "files"
    settings.FILES_BACKEND = "local"
    settings.FILES_ROOT = root
    return root


def stored_paths(root: Path) -> list[Path]:
    """Every file left under the store's root, temporary ones included."""
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
