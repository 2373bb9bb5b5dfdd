"""Settings defaults and the refusals of bad values."""

from __future__ import annotations

import stat

import pytest

from forum.settings import SECRET_KEY_FILE, Settings, SettingsError


def test_defaults_keep_everything_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite://{tmp_path / 'data' / 'forum.sqlite3'}"
    assert settings.allowed_origins == ()
    assert settings.redis_url is None
    assert settings.is_sqlite


def test_secret_is_generated_once_with_private_permissions(tmp_path):
    env = {"FORUM_DATA_DIR": str(tmp_path / "d")}
    first = Settings.from_env(env)
    path = tmp_path / "d" / SECRET_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert Settings.from_env(env).secret_key == first.secret_key
    assert first.secret_key not in repr(first)


def test_secret_from_environment_wins_and_writes_nothing(tmp_path):
    env = {"FORUM_DATA_DIR": str(tmp_path / "d"), "FORUM_SECRET_KEY": "k" * 32}
    assert Settings.from_env(env).secret_key == "k" * 32
    assert not (tmp_path / "d" / SECRET_KEY_FILE).exists()


def test_values_from_environment(tmp_path):
    settings = Settings.from_env(
        {
            "FORUM_DATA_DIR": str(tmp_path),
            "FORUM_SECRET_KEY": "k" * 32,
            "FORUM_DATABASE_URL": "postgres://postgres@127.0.0.1/forum",
            "FORUM_ALLOWED_ORIGINS": "https://blog.example, http://localhost:4000/",
            "FORUM_REDIS_URL": "redis://127.0.0.1:6379/0",
            "FORUM_DB_POOL_SIZE": "5",
        }
    )
    assert settings.database_url == "postgres://postgres@127.0.0.1/forum"
    assert not settings.is_sqlite
    assert settings.allowed_origins == ("https://blog.example", "http://localhost:4000")
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.db_pool_size == 5


def test_the_thread_cache_can_be_sized_or_turned_off(tmp_path):
    base = {"FORUM_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).thread_cache_mb == 16
    assert Settings.from_env({**base, "FORUM_THREAD_CACHE_MB": "0"}).thread_cache_mb == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FORUM_ALLOWED_ORIGINS": "blog.example"}, "FORUM_ALLOWED_ORIGINS"),
        ({"FORUM_DB_POOL_SIZE": "many"}, "FORUM_DB_POOL_SIZE"),
        ({"FORUM_DB_POOL_SIZE": "0"}, "FORUM_DB_POOL_SIZE: must be at least 1, got 0"),
        ({"FORUM_THREAD_CACHE_MB": "-1"}, "FORUM_THREAD_CACHE_MB: must be at least 0"),
        ({"FORUM_SECRET_KEY": "short"}, "at least 16"),
    ],
)
def test_bad_values_are_refused_by_name(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"FORUM_DATA_DIR": str(tmp_path), **env})
