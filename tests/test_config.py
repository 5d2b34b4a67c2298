"""Configuration: where the file is found, and a flag > environment > file > default precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from open_finops.config import MASK, Config, env_name, load_config
from open_finops.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "conf" / "config.toml",
        '[project]\ndata_dir = "warehouse"\n\n[aws]\nbucket = "from-file"\nmax_files = 4\n',
    )


def test_flag_beats_environment_beats_file_beats_default(config_file: Path) -> None:
    env = {"OPEN_FINOPS_AWS_BUCKET": "from-env"}
    config = load_config(config_file, environ=env)

    assert config.get("aws", "bucket", flag="from-flag", default="from-default") == "from-flag"
    assert config.get("aws", "bucket", default="from-default") == "from-env"
    assert load_config(config_file, environ={}).get("aws", "bucket", default="from-default") == "from-file"
    assert config.get("aws", "region", default="from-default") == "from-default"


def test_environment_variable_names_are_prefix_section_key_in_upper_case() -> None:
    assert env_name("aws", "bucket") == "OPEN_FINOPS_AWS_BUCKET"
    assert env_name("project", "data-dir") == "OPEN_FINOPS_PROJECT_DATA_DIR"


def test_source_says_where_a_setting_comes_from(config_file: Path) -> None:
    config = load_config(config_file, environ={"OPEN_FINOPS_AWS_REGION": "eu-west-1"})
    assert config.source("aws", "region") == "env"
    assert config.source("aws", "bucket") == "file"
    assert config.source("aws", "profile") == "default"


def test_typed_getters_convert_environment_strings(config_file: Path) -> None:
    config = load_config(config_file, environ={"OPEN_FINOPS_AWS_RESET": "yes", "OPEN_FINOPS_AWS_WORKERS": " 8 "})
    assert config.get_bool("aws", "reset") is True
    assert config.get_int("aws", "workers") == 8
    assert config.get_int("aws", "max_files") == 4
    assert config.get_bool("aws", "quiet", default=False) is False


@pytest.mark.parametrize(
    ("getter", "value", "expected"),
    [
        ("get_bool", "maybe", "must be true or false"),
        ("get_int", "lots", "must be a whole number"),
        ("get_float", "soon", "must be a number"),
    ],
)
def test_a_malformed_typed_setting_is_a_config_error_naming_it(getter: str, value: str, expected: str) -> None:
    config = load_config(None, environ={"OPEN_FINOPS_AWS_OPTION": value})
    with pytest.raises(ConfigError, match=rf"setting aws\.option {expected}, not '{value}'"):
        getattr(config, getter)("aws", "option")


def test_relative_data_dir_from_the_file_resolves_against_the_files_folder(
    config_file: Path, isolated: Path
) -> None:
    config = load_config(config_file, environ={})
    assert config.data_dir() == config_file.parent / "warehouse"
    assert isolated != config_file.parent  # the working directory plays no part


def test_relative_data_dir_from_the_environment_stays_relative_to_the_working_directory(config_file: Path) -> None:
    config = load_config(config_file, environ={"OPEN_FINOPS_PROJECT_DATA_DIR": "elsewhere"})
    assert config.data_dir() == Path("elsewhere")


def test_data_dir_flag_wins_and_default_is_data(config_file: Path, tmp_path: Path) -> None:
    assert load_config(config_file, environ={}).data_dir(flag=tmp_path / "flag") == tmp_path / "flag"
    assert load_config(None, environ={}).data_dir() == Path("data")


def test_absolute_data_dir_from_the_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "absolute"
    path = write(tmp_path / "config.toml", f'[project]\ndata_dir = "{target}"\n')
    assert load_config(path, environ={}).data_dir() == target


def test_file_is_found_from_flag_then_environment_then_working_directory(
    tmp_path: Path, isolated: Path
) -> None:
    by_flag = write(tmp_path / "flag.toml", '[aws]\nbucket = "flag"\n')
    by_env = write(tmp_path / "env.toml", '[aws]\nbucket = "env"\n')
    write(isolated / "config.toml", '[aws]\nbucket = "cwd"\n')
    env = {"OPEN_FINOPS_CONFIG": str(by_env)}

    assert load_config(by_flag, environ=env).get("aws", "bucket") == "flag"
    assert load_config(None, environ=env).get("aws", "bucket") == "env"
    assert load_config(None, environ={}).get("aws", "bucket") == "cwd"


def test_no_file_anywhere_means_defaults_and_environment_only() -> None:
    config = load_config(None, environ={"OPEN_FINOPS_AWS_BUCKET": "b"})
    assert config.path is None
    assert config.get("aws", "bucket") == "b"


def test_missing_config_flag_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file .*nope\.toml does not exist; check the --config path"):
        load_config(tmp_path / "nope.toml", environ={})


def test_missing_file_named_by_the_environment_says_which_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="from OPEN_FINOPS_CONFIG"):
        load_config(None, environ={"OPEN_FINOPS_CONFIG": str(tmp_path / "nope.toml")})


def test_invalid_toml_is_a_one_line_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "[project\ndata_dir = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert "is not valid TOML" in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == 2


def test_a_top_level_key_outside_a_section_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'data_dir = "x"\n')
    with pytest.raises(ConfigError, match="top-level key 'data_dir' must be a \\[section\\] table"):
        load_config(path, environ={})


def test_section_merges_file_and_environment(config_file: Path) -> None:
    config = load_config(config_file, environ={"OPEN_FINOPS_AWS_BUCKET": "env", "OPEN_FINOPS_AWS_REGION": "r"})
    assert config.section("aws") == {"bucket": "env", "max_files": 4, "region": "r"}


def test_section_of_a_hyphenated_plugin_name_sees_its_environment_overrides() -> None:
    config = Config(environ={"OPEN_FINOPS_FINOPS_HELLO_GREETING": "hi"})
    assert config.get("finops-hello", "greeting") == "hi"
    assert config.section("finops-hello") == {"greeting": "hi"}


def test_masked_hides_secrets_from_file_and_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        '[aws]\nbucket = "b"\nsecret_access_key = "file-secret"\n\n'
        '[postgres]\npassword = "pw"\n[postgres.nested]\napi_token = "t"\n',
    )
    config = load_config(path, environ={"OPEN_FINOPS_AWS_SESSION_TOKEN": "env-secret"})
    shown = config.masked()
    assert shown["aws"] == {"bucket": "b", "secret_access_key": MASK, "session_token": MASK}
    assert shown["postgres"] == {"password": MASK, "nested": {"api_token": MASK}}
    assert "file-secret" not in repr(shown) and "env-secret" not in repr(shown)


def test_masked_always_shows_the_data_dir_in_force() -> None:
    assert load_config(None, environ={}).masked()["project"] == {"data_dir": "data"}


def test_masked_shows_no_sections_for_cores_own_variables() -> None:
    env = {"OPEN_FINOPS_PLUGINS": "aws", "OPEN_FINOPS_DEBUG": "1", "OPEN_FINOPS_CONFIG": ""}
    assert set(load_config(None, environ=env).masked()) == {"project"}
