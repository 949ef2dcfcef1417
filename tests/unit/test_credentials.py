"""Root credentials generated on first start: nodes starting together on one shared data
directory must all end up with the same pair, and none may fail."""

from __future__ import annotations

import threading
from pathlib import Path

from hydria.config import Settings
from hydria.credentials import load_root_credential


def _start(settings: Settings, barrier: threading.Barrier, results: list[object]) -> None:
    barrier.wait()
    try:
        results.append(load_root_credential(settings))
    except Exception as exc:  # collected: the test's assertion names it
        results.append(exc)


def test_simultaneous_first_starts_agree_on_one_pair(tmp_path: Path) -> None:
    for attempt in range(40):
        settings = Settings(data_dir=tmp_path / f"data{attempt}")
        barrier = threading.Barrier(8)
        results: list[object] = []
        threads = [
            threading.Thread(target=_start, args=(settings, barrier, results)) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        assert len({(r.access_key, r.secret_key) for r in results}) == 1  # type: ignore[union-attr]
        leftovers = [p.name for p in settings.data_dir.iterdir() if p.suffix == ".tmp"]
        assert leftovers == []


def test_settings_keys_win_over_the_stored_pair(tmp_path: Path) -> None:
    stored = load_root_credential(Settings(data_dir=tmp_path))
    given = load_root_credential(
        Settings(data_dir=tmp_path, root_access_key="AKEXAMPLE", root_secret_key="s" * 40)
    )
    assert (given.access_key, given.secret_key) == ("AKEXAMPLE", "s" * 40)
    assert load_root_credential(Settings(data_dir=tmp_path)) == stored
