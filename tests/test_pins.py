"""The dependency pins are exact, and environment.yml repeats requirements.txt's."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"not an exact pin: {line!r}"
        pins[name.strip().lower()] = version.strip()
    return pins


def requirements():
    return _pins((ROOT / "requirements.txt").read_text().splitlines())


def test_every_requirement_is_pinned_exactly():
    pins = requirements()
    assert {"jupyter-book", "lifelines", "pandas", "papermill", "scipy", "seaborn"} <= set(pins)
    assert pins["jupyter-book"].startswith("1."), "Jupyter Book 2 fetches its theme at build time"
    assert int(pins["pandas"].split(".")[0]) < 3, "lifelines needs pandas < 3"


def test_environment_yml_repeats_the_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == requirements()
    assert "python=3.11" in env["dependencies"]


def test_lock_agrees_with_the_direct_pins():
    lock = _pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in requirements().items():
        assert lock.get(name) == version, f"{name}: requirements {version}, lock {lock.get(name)}"
