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
        ("get_float", "soon", "must be a finite number"),
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


# -- numeric settings: finite, in range, and the error says where the value came from --------------------

@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0.5", "86401", "1e9", "1e400",
                                   "thirty", "", "0x10"])
def test_a_lock_timeout_from_the_environment_that_is_not_finite_or_in_range_is_refused(value: str) -> None:
    from open_finops.database import lock_timeout

    config = load_config(None, environ={"OPEN_FINOPS_PROJECT_LOCK_TIMEOUT": value})
    with pytest.raises(ConfigError) as caught:
        lock_timeout(config)
    assert caught.value.message == (
        f"setting project.lock_timeout must be a duration in seconds, or such as 90s, 5m or 1h, from 0 to 86400, "
        f"not {value!r} (from environment variable OPEN_FINOPS_PROJECT_LOCK_TIMEOUT)"
    )
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("toml", ["nan", "inf", "-inf", "+inf", "-3", "1e300", "true", '"soon"', "99999999999999999"])
def test_a_lock_timeout_in_the_file_that_is_not_finite_or_in_range_names_the_file(tmp_path: Path, toml: str) -> None:
    from open_finops.database import lock_timeout

    path = write(tmp_path / "config.toml", f"[project]\nlock_timeout = {toml}\n")
    with pytest.raises(ConfigError, match=rf"^setting project\.lock_timeout must be a duration in seconds, or such as "
                                          rf"90s, 5m or 1h, from 0 to 86400, not .* \(from config file {path}:2\)$"):
        lock_timeout(load_config(path, environ={}))


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("2.5", 2.5), (" 30 ", 30.0), ("86400", 86400.0),
                                               ("90s", 90.0), ("5m", 300.0), ("24h", 86400.0)])
def test_a_lock_timeout_in_range_is_read_as_seconds(value: str, expected: float) -> None:
    from open_finops.database import lock_timeout

    assert lock_timeout(load_config(None, environ={"OPEN_FINOPS_PROJECT_LOCK_TIMEOUT": value})) == expected
    assert lock_timeout(load_config(None, environ={})) == 30.0


@pytest.mark.parametrize("value", ["0MB", "0", "-1GB", "1MB", "63MB", "100000TB", "99999GB", "lots", "512",
                                   "512MB; DROP TABLE x", "1e3MB"])
def test_a_duckdb_memory_limit_that_is_zero_negative_tiny_or_beyond_this_machine_is_refused(value: str) -> None:
    from open_finops.database import memory_limit

    config = load_config(None, environ={"OPEN_FINOPS_PROJECT_DUCKDB_MEMORY_LIMIT": value})
    with pytest.raises(ConfigError, match=r"^setting project\.duckdb_memory_limit must be a size such as 512MB or "
                                          r"2GB from 64MB to [\d.]+[MGT]B, not .* \(from environment variable "
                                          r"OPEN_FINOPS_PROJECT_DUCKDB_MEMORY_LIMIT\)$"):
        memory_limit(config)


def test_a_duckdb_memory_limit_given_as_a_toml_number_names_the_file(tmp_path: Path) -> None:
    from open_finops.database import memory_limit

    path = write(tmp_path / "config.toml", "[project]\nduckdb_memory_limit = 512\n")
    with pytest.raises(ConfigError, match=rf"not 512 \(from config file {path}:2\)$"):
        memory_limit(load_config(path, environ={}))


@pytest.mark.parametrize("value", ["384MB", "1GiB", "64MB", " 2 GB "])
def test_a_sensible_duckdb_memory_limit_is_kept(value: str) -> None:
    from open_finops.database import memory_limit

    assert memory_limit(load_config(None, environ={"OPEN_FINOPS_PROJECT_DUCKDB_MEMORY_LIMIT": value})) == value.strip()


def test_whole_number_settings_take_their_range_and_name_a_flag_as_the_origin() -> None:
    config = load_config(None, environ={"OPEN_FINOPS_DEMO_WORKERS": "9"})
    assert config.get_int("demo", "workers", minimum=1, maximum=16) == 9
    with pytest.raises(ConfigError, match=r"^setting demo\.workers must be a whole number from 1 to 8, not '9' "
                                          r"\(from environment variable OPEN_FINOPS_DEMO_WORKERS\)$"):
        config.get_int("demo", "workers", minimum=1, maximum=8)
    with pytest.raises(ConfigError, match=r"must be a whole number of at least 1, not 0 \(from flag --workers\)$"):
        config.get_int("demo", "workers", 0, minimum=1, flag_name="--workers")
    with pytest.raises(ConfigError, match=r"must be a finite number, not nan \(from the default\)$"):
        config.get_float("demo", "ratio", default=float("nan"))


# -- the file itself ------------------------------------------------------------------------------------

def test_a_config_path_that_is_a_folder_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(ConfigError) as by_flag:
        load_config(folder, environ={})
    assert by_flag.value.message == f"config file {folder} is a folder, not a file; check the --config path"
    with pytest.raises(ConfigError) as by_env:
        load_config(None, environ={"OPEN_FINOPS_CONFIG": str(folder)})
    assert by_env.value.message == (f"config file {folder} (from OPEN_FINOPS_CONFIG) is a folder, not a file; "
                                    "fix or unset OPEN_FINOPS_CONFIG")


@pytest.mark.parametrize("raw", [b'[project]\ndata_dir = "caf\xe9"\n', b"\xff\xfe[\x00p\x00", b"# \x80\n[aws]\n"])
def test_a_config_file_that_is_not_utf8_is_a_one_line_config_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError, match=rf"^config file {path} is not UTF-8 text \(byte 0x[0-9a-f]{{2}} at offset "
                                          r"\d+\); save it as UTF-8 and run again$"):
        load_config(path, environ={})


@pytest.mark.parametrize("where", ["flag", "env", "file"])
def test_a_data_dir_that_is_a_file_is_a_config_error_naming_where_it_was_set(tmp_path: Path, where: str) -> None:
    blocker = write(tmp_path / "blocker", "x")
    config_path = write(tmp_path / "config.toml", f'[project]\ndata_dir = "{blocker}/data"\n')
    config = load_config(config_path if where == "file" else None,
                         environ={"OPEN_FINOPS_PROJECT_DATA_DIR": f"{blocker}/data"} if where == "env" else {})
    origin = {"flag": "flag --data-dir", "env": "environment variable OPEN_FINOPS_PROJECT_DATA_DIR",
              "file": f"config file {config_path}:2"}[where]
    with pytest.raises(ConfigError) as caught:
        config.data_dir(f"{blocker}/data" if where == "flag" else None)
    assert caught.value.message == (f"data directory {blocker}/data (from {origin}) lies under {blocker}, which is a "
                                    "file, not a folder; point --data-dir or [project] data_dir at a folder")
    assert config.masked()["project"]["data_dir"]  # config show still shows the setting in force


# -- the same, as a user meets them: one line, exit 2 -----------------------------------------------------

def _bad_config(tmp_path: Path, case: str) -> list[str]:
    if case == "config is a folder":
        (tmp_path / "folder.toml").mkdir()
        return ["-c", str(tmp_path / "folder.toml"), "config", "show"]
    if case == "config is not UTF-8":
        (tmp_path / "latin1.toml").write_bytes('[aws]\nbucket = "facturación"\n'.encode("latin-1"))
        return ["-c", str(tmp_path / "latin1.toml"), "config", "show"]
    write(tmp_path / "blocker", "x")
    if case == "data_dir is a file":
        return ["state", "show", "--data-dir", str(tmp_path / "blocker")]
    return ["exports", "list", "--data-dir", str(tmp_path / "blocker" / "data")]


@pytest.mark.parametrize("case", ["config is a folder", "config is not UTF-8", "data_dir is a file",
                                  "data_dir lies under a file"])
def test_each_bad_place_is_one_error_line_and_exit_2(cli, tmp_path: Path, case: str) -> None:
    from finops_fakes import registry_of

    result = cli(registry_of(), *_bad_config(tmp_path, case))

    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert "unexpected" not in result.stderr and "does not exist" not in result.stderr
