"""The dependency pins are exact, split into what the book needs (requirements.txt), the
development tools (requirements-dev.txt) and JupyterLab (requirements-lab.txt); the lock
holds them all, and environment.yml repeats requirements.txt's."""

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


def requirements(name="requirements.txt"):
    return _pins((ROOT / name).read_text().splitlines())


SPLIT = ("requirements.txt", "requirements-dev.txt", "requirements-lab.txt")


def test_every_requirement_is_pinned_exactly():
    pins = requirements()
    assert {"jupyter-book", "lifelines", "pandas", "papermill", "scipy"} <= set(pins)
    assert pins["jupyter-book"].startswith("1."), "Jupyter Book 2 fetches its theme at build time"
    assert int(pins["pandas"].split(".")[0]) < 3, "lifelines needs pandas < 3"


def test_environment_yml_repeats_the_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == requirements()
    assert "python=3.11" in env["dependencies"]


def test_lock_agrees_with_the_direct_pins():
    lock = _pins((ROOT / "constraints.txt").read_text().splitlines())
    for file in SPLIT:
        for name, version in requirements(file).items():
            assert lock.get(name) == version, f"{file}: {name} {version}, lock {lock.get(name)}"


def test_development_tools_are_not_requirements_of_the_book():
    book, dev, lab = (requirements(file) for file in SPLIT)
    assert {"pytest", "selenium", "ruff"} <= set(dev)
    assert not {"pytest", "selenium", "ruff", "jupyterlab"} & set(book)
    assert set(lab) == {"jupyterlab"}
    assert not set(book) & set(dev) and not set(book) & set(lab), "a package pinned twice"
    for file in SPLIT[1:]:
        assert "-r requirements.txt" in (ROOT / file).read_text().splitlines()
