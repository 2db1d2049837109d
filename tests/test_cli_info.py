"""`jaxmag info`, the cache folder the CLI picks, the global --no-cache flag, and the
defaults every subcommand's --help shows."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import jax
import pytest

from jaxmag.cli import _cache, main
from jaxmag.cli._info import PACKAGES
from jaxmag.cli._main import COMMANDS, parser


def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "jaxmag.cli", *args],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def test_info_json_names_the_backend_and_versions(capsys):
    assert main(["info", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["backend"] == jax.default_backend() and r["backend"] in ("cpu", "gpu", "tpu")
    assert r["device_count"] == len(jax.devices()) == len(r["devices"])
    assert {d["kind"] for d in r["devices"]} == {d.device_kind for d in jax.devices()}
    assert set(PACKAGES) | {"python"} <= set(r["versions"])
    assert r["versions"]["jax"] == jax.__version__
    assert r["cli_precision"]["sp4"] == "float64 unless --dtype float32"
    assert "info" not in r["cli_precision"]  # info switches nothing
    assert isinstance(r["x64_default"], bool)


@pytest.mark.slow  # a subprocess per switch; the fast suite's 10-minute budget
def test_info_text_and_the_cache_switches(tmp_path):
    env = dict(__import__("os").environ, JAXMAG_CACHE_DIR=str(tmp_path / "c"))
    out = _cli("info", env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert lines["backend"] == jax.default_backend()
    assert lines["compilation cache"] == f"on, {tmp_path / 'c'}"
    assert lines["jax"] == jax.__version__
    for args, e in [(("--no-cache", "info"), env), (("info", "--no-cache"), env),
                    (("info",), dict(env, JAXMAG_CACHE_DIR=""))]:  # fmt: skip
        out = _cli(*args, env=e)
        assert out.returncode == 0 and "compilation cache: off" in out.stdout, (args, out)


def test_cache_folder_order(monkeypatch, tmp_path):
    monkeypatch.delenv("JAXMAG_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert _cache.cache_dir() == tmp_path / "home/.cache/jaxmag/jax-compilation-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.cache_dir() == tmp_path / "xdg/jaxmag/jax-compilation-cache"
    monkeypatch.setenv("JAXMAG_CACHE_DIR", str(tmp_path / "mine"))
    assert _cache.cache_dir() == tmp_path / "mine"
    assert _cache.cache_dir(no_cache=True) is None
    monkeypatch.setenv("JAXMAG_CACHE_DIR", "")
    assert _cache.cache_dir() is None


def test_cache_settings_are_restored(tmp_path):
    before = jax.config.jax_compilation_cache_dir, jax.config.jax_enable_compilation_cache
    with _cache.enabled(tmp_path):
        assert jax.config.jax_compilation_cache_dir == str(tmp_path)
        assert jax.config.jax_persistent_cache_min_compile_time_secs == 0
    with _cache.enabled(None):
        assert jax.config.jax_enable_compilation_cache is False
    after = jax.config.jax_compilation_cache_dir, jax.config.jax_enable_compilation_cache
    assert after == before


NOTHING = (None, False, argparse.SUPPRESS)
"""Defaults the help does not show (no default, an off switch)."""


def _subparsers(p):
    for a in p._actions:
        if isinstance(a, argparse._SubParsersAction):
            for name, s in a.choices.items():
                yield name, s
                yield from ((f"{name} {n}", q) for n, q in _subparsers(s))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_shows_defaults(command, capsys):
    found = 0
    for name, s in _subparsers(parser()):
        if name.split()[0] != command:
            continue
        text = s.format_help()
        for a in s._actions:
            if not a.option_strings or any(a.default is x for x in NOTHING):
                continue
            shown = (",".join(map(str, a.default)) if isinstance(a.default, tuple)
                     else str(a.default))  # fmt: skip
            assert f"(default: {shown})" in " ".join(text.split()), (name, a.dest)
            found += 1
    if command in ("sp4", "hysteresis", "trust", "switching"):
        assert found >= 2
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "usage: jaxmag" in capsys.readouterr().out


def test_cli_imports_fast():
    # importing the CLI does not import matplotlib or optax (the commands do, when run)
    code = "import sys, jaxmag.cli; print([m for m in ('matplotlib', 'optax') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert Path(_cache.__file__).read_text().count("\nimport jax") == 0
