"""Every definition test that loads YAML runs on both paths: libyaml's composer and pure Python."""

from __future__ import annotations

import pytest
import yaml

from reconciler.definitions import yamlsafe

PATHS = ("libyaml", "pure-python")
#: the modules that load YAML in this process (test_yaml_paths compares both paths itself)
_BOTH_PATH_MODULES = ("test_broken_corpus", "test_examples", "test_hardening", "test_load", "test_semantic")


@pytest.fixture(autouse=True)
def yaml_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    path = getattr(request, "param", "libyaml")
    if path == "libyaml":
        assert yaml.__with_libyaml__ and yamlsafe.FAST_LOADER is not None, "PyYAML was installed without libyaml"
    else:
        monkeypatch.setattr(yamlsafe, "FAST_LOADER", None)
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "yaml_path" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in _BOTH_PATH_MODULES:
        metafunc.parametrize("yaml_path", PATHS, indirect=True)
