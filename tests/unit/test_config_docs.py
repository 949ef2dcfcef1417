"""docs/CONFIG.md describes every setting, and load_settings honours its precedence rules."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from hydria.config import (
    ConfigError,
    Settings,
    load_settings,
    setting_docs,
    setting_names,
    settings_to_env,
)

CONFIG_DOC = Path(__file__).resolve().parents[2] / "docs" / "CONFIG.md"


def _doc_rows() -> dict[str, str]:
    """Setting name -> its table row in docs/CONFIG.md (backticks removed)."""
    rows: dict[str, str] = {}
    for line in CONFIG_DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip().replace("`", "") for c in line.strip("|").split("|")]
        rows[cells[0]] = " | ".join(cells)
    return rows


def _default_text(value: object) -> str:
    """How a default is written in the doc: as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return json.dumps(list(value), separators=(", ", ": "))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Path):
        return str(value)  # written "./hydria-data": the same path
    return json.dumps(value)


@pytest.mark.parametrize("name", setting_names())
def test_config_doc_row_names_setting_env_variable_and_doc(name: str) -> None:
    row = _doc_rows().get(name)
    assert row is not None, f"docs/CONFIG.md has no table row for setting {name!r}"
    assert f"HYDRIA_{name.upper()}" in row
    assert setting_docs()[name] in row, f"description of {name!r} differs from its field doc"


@pytest.mark.parametrize("field", fields(Settings), ids=lambda f: f.name)
def test_config_doc_row_shows_current_default(field) -> None:  # type: ignore[no-untyped-def]
    row = _doc_rows()[field.name]
    assert _default_text(field.default) in row


def test_config_doc_lists_no_setting_that_does_not_exist() -> None:
    assert set(_doc_rows()) == set(setting_names())


def test_config_doc_states_precedence_and_sample_toml_loads(tmp_path: Path) -> None:
    text = CONFIG_DOC.read_text(encoding="utf-8")
    assert "HYDRIA_CONFIG" in text
    sample = text.split("```toml", 1)[1].split("```", 1)[0]
    path = tmp_path / "hydria.toml"
    path.write_text(sample, encoding="utf-8")
    settings = load_settings(path, env={})
    assert settings.port == 9000
    assert settings.domains == ("localhost", "s3.example.test")
    assert settings.access_log is True


def test_load_settings_without_sources_gives_defaults() -> None:
    assert load_settings(env={}) == Settings()


def test_load_settings_reads_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "hydria.toml"
    path.write_text(
        'port = 9100\ndata-dir = "/srv/hydria"\ndomains = ["a.test", "b.test"]\n'
        "access_log = true\norphan_grace_seconds = 10\n",
        encoding="utf-8",
    )
    settings = load_settings(path, env={})
    assert settings.port == 9100
    assert settings.data_dir == Path("/srv/hydria")
    assert settings.domains == ("a.test", "b.test")
    assert settings.access_log is True
    assert settings.orphan_grace_seconds == 10.0


def test_load_settings_finds_toml_file_through_hydria_config(tmp_path: Path) -> None:
    path = tmp_path / "hydria.toml"
    path.write_text('region = "eu-west-3"\n', encoding="utf-8")
    assert load_settings(env={"HYDRIA_CONFIG": str(path)}).region == "eu-west-3"


def test_load_settings_env_overrides_toml_and_flags_override_env(tmp_path: Path) -> None:
    path = tmp_path / "hydria.toml"
    path.write_text('port = 9100\nregion = "eu-west-1"\nlog_level = "debug"\n', encoding="utf-8")
    env = {"HYDRIA_PORT": "9200", "HYDRIA_REGION": "eu-central-1"}
    settings = load_settings(path, env=env, overrides={"port": 9300, "region": None})
    assert settings.port == 9300  # flag beats env and file
    assert settings.region == "eu-central-1"  # env beats file; an absent flag (None) is ignored
    assert settings.log_level == "debug"  # only the file set it


def test_load_settings_env_parses_lists_and_booleans() -> None:
    env = {"HYDRIA_DOMAINS": "s3.test, files.test ,", "HYDRIA_ACCESS_LOG": "yes"}
    settings = load_settings(env=env)
    assert settings.domains == ("s3.test", "files.test")
    assert settings.access_log is True


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"HYDRIA_PORT": "http"}, "port"),
        ({"HYDRIA_PORT": "70000"}, "port"),
        ({"HYDRIA_WORKERS": "-1"}, "workers"),
        ({"HYDRIA_INLINE_THRESHOLD": "lots"}, "inline_threshold"),
        ({"HYDRIA_ACCESS_LOG": "maybe"}, "access_log"),
        ({"HYDRIA_LOG_LEVEL": "loud"}, "log_level"),
        ({"HYDRIA_ORPHAN_GRACE_SECONDS": "an hour"}, "orphan_grace_seconds"),
        ({"HYDRIA_MIN_PART_SIZE": "10", "HYDRIA_MAX_PART_SIZE": "5"}, "min_part_size"),
    ],
)
def test_load_settings_bad_env_value_raises_config_error_naming_key(
    env: dict[str, str], key: str
) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings(env=env)


def test_load_settings_bad_toml_value_names_key(tmp_path: Path) -> None:
    path = tmp_path / "hydria.toml"
    path.write_text('group_commit_max = "many"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="group_commit_max"):
        load_settings(path, env={})


def test_load_settings_boolean_given_for_integer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hydria.toml"
    path.write_text("port = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="port"):
        load_settings(path, env={})


def test_load_settings_unknown_toml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hydria.toml"
    path.write_text("prot = 9000\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="prot"):
        load_settings(path, env={})


def test_load_settings_malformed_toml_names_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("port = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.toml"):
        load_settings(path, env={})


def test_load_settings_missing_file_names_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="absent.toml"):
        load_settings(tmp_path / "absent.toml", env={})


def test_load_settings_unknown_override_is_refused() -> None:
    with pytest.raises(ConfigError, match="colour"):
        load_settings(env={}, overrides={"colour": "blue"})


def test_settings_to_env_round_trips_for_worker_processes(tmp_path: Path) -> None:
    original = load_settings(
        env={},
        overrides={
            "data_dir": str(tmp_path),
            "domains": ("a.test", "b.test"),
            "access_log": True,
            "orphan_grace_seconds": 12.5,
            "workers": 3,
        },
    )
    assert load_settings(env=settings_to_env(original)) == original
