"""``pip install .`` as an operator runs it (not editable): a wheel built from this tree,
installed into its own virtualenv, run from a directory that is not the source tree,
finds everything it ships: the SQL, the web pages' templates and static files, the PBX
configuration (asterisk-config/) and the prompts (sounds/)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "ivr", "simnet", "asterisk-config", "sounds")
PROMPT = sorted(json.loads((REPO / "sounds" / "prompts.json").read_text())["prompts"])[0]
RECORDING = Path(f"sounds/innu/{PROMPT}.wav")
"""An Innu-aimun recording added to the built copy only: recordings must ship too."""


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def write_recording(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 800)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtualenv holding the wheel of this tree; its dependencies are this test run's
    (a path line in a .pth file, so no network is needed for them)."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(
                origin,
                source / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "node_modules"),
            )
        else:
            shutil.copy2(origin, source / name)
    write_recording(source / RECORDING)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ".",
        cwd=source)  # fmt: skip
    (wheel,) = (work / "dist").glob("information_itum-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", wheel, cwd=work)  # fmt: skip
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work)
    (Path(purelib.strip()) / "test-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    shutil.rmtree(source)  # nothing may be read from the tree it was built from
    yield venv


def ivr_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env["IVR_DATA_DIR"] = str(tmp_path / "var")
    return {**env, **settings}


def test_the_package_imported_is_the_installed_one(installed: Path, tmp_path: Path) -> None:
    code = (
        "import ivr, ivr.storage.queries as q, ivr.web.app as w, ivr.web.admin.render as r;"
        "print(ivr.__file__); print(q.SQL_DIR); print(w.STATIC_DIR); print(r.TEMPLATES)"
    )
    lines = run(installed / "bin" / "python", "-c", code, cwd=tmp_path).split()
    package, sql, static, templates = (Path(line) for line in lines)
    assert package.is_relative_to(installed)
    assert REPO not in package.parents
    assert (sql / "alerts.sql").is_file()
    assert (sql.parent / "schema.sql").is_file()
    assert (static / "admin.css").is_file()
    assert (templates / "base.html").is_file()


def test_show_config_names_the_shipped_prompts(installed: Path, tmp_path: Path) -> None:
    output = run(installed / "bin" / "ivr", "show-config", cwd=tmp_path, env=ivr_env(tmp_path))
    (line,) = [line for line in output.splitlines() if line.startswith("IVR_SOUNDS_DIR=")]
    sounds = Path(line.partition("=")[2])
    assert sounds.is_relative_to(installed)
    assert (sounds / "prompts.json").is_file()
    code = (
        "from ivr.channels.voice.prompts import prompt_sources; from ivr.shipped import SOUNDS_DIR;"
        "print('\\n'.join(f'{s.language} {s.recording}' for s in prompt_sources(SOUNDS_DIR)))"
    )
    sources = run(installed / "bin" / "python", "-c", code, cwd=tmp_path).splitlines()
    assert len(sources) > 10
    assert f"innu {sounds / RECORDING.relative_to('sounds')}" in sources


def test_render_pbx_config_writes_every_shipped_file(installed: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(
        f"asterisk:x:{os.getuid()}:{os.getgid()}::/var/lib/asterisk:/usr/sbin/nologin\n"
    )
    secret = "packaging-check-secret-0123456789"
    env = ivr_env(tmp_path, IVR_ASTERISK_ROOT=str(root), IVR_AMI_SECRET=secret)
    output = run(installed / "bin" / "ivr", "render-pbx-config", cwd=tmp_path, env=env)
    etc = root / Path(output.strip()).parent.relative_to("/")
    assert sorted(p.name for p in etc.glob("*.conf")) == sorted(
        p.name for p in (REPO / "asterisk-config").glob("*.conf")
    )
    assert secret in (etc / "manager.conf").read_text()


async def test_migrate_creates_the_schema(
    installed: Path, tmp_path: Path, empty_database_url: str
) -> None:
    env = ivr_env(tmp_path, IVR_DATABASE_URL=empty_database_url)
    output = await asyncio.to_thread(
        run, installed / "bin" / "ivr", "migrate", cwd=tmp_path, env=env
    )
    assert output.startswith("migrations applied:")
    assert "none" not in output
