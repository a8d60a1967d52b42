"""The cohort's data dictionary: what each column means, its type and allowed values.

:func:`load_dictionary` reads ``data/dictionary.yaml`` into a :class:`Dictionary` of
:class:`Column` entries, checked once (types, codes, no column listed twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from nettx_utils.errors import CohortError
from nettx_utils.project import DEFAULT_DICTIONARY

TYPES = frozenset({"id", "number", "integer", "boolean", "category", "text"})


@dataclass(frozen=True)
class Column:
    """One column of the data dictionary."""

    name: str
    type: str
    label: str
    unit: str | None = None
    required: bool = True
    missing: bool = False
    min: float | None = None
    max: float | None = None
    warn_above: float | None = None
    levels: dict[str, str] = field(default_factory=dict)
    feeds: str = ""
    note: str = ""
    """What a value (or an empty cell) means beyond the fields above, in one or two sentences."""


@dataclass(frozen=True)
class Dictionary:
    """The data dictionary: the columns a cohort file must have, in order."""

    columns: tuple[Column, ...]
    path: Path

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def label(self, name: str) -> str:
        """The printed label of a column."""
        return self[name].label

    def level_label(self, name: str, code: str) -> str:
        """The printed label of one category code."""
        return self[name].levels.get(code, code)


def load_dictionary(path: str | Path | None = None) -> Dictionary:
    """Read the data dictionary (YAML) and check that it is well formed."""
    path = Path(path) if path is not None else DEFAULT_DICTIONARY
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CohortError(f"{path}: cannot read the data dictionary ({exc}).") from None
    return _parse_dictionary(raw, path)


@lru_cache(maxsize=4)
def _cached_dictionary(path: Path) -> Dictionary:
    return load_dictionary(path)


def _parse_dictionary(raw: object, path: Path) -> Dictionary:
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), list):
        raise CohortError(f"{path}: expected a mapping with a 'columns' list.")
    columns = []
    for i, entry in enumerate(raw["columns"], start=1):
        if not isinstance(entry, dict) or "name" not in entry or "type" not in entry:
            raise CohortError(f"{path}: column entry {i} needs at least 'name' and 'type'.")
        if entry["type"] not in TYPES:
            raise CohortError(
                f"{path}: column {entry['name']!r} has unknown type {entry['type']!r}; "
                f"expected one of {sorted(TYPES)}."
            )
        levels = {str(k): str(v) for k, v in (entry.get("levels") or {}).items()}
        if entry["type"] == "category" and not levels:
            raise CohortError(f"{path}: category column {entry['name']!r} lists no levels.")
        columns.append(
            Column(
                name=entry["name"],
                type=entry["type"],
                label=entry.get("label", entry["name"]),
                unit=entry.get("unit"),
                required=bool(entry.get("required", True)),
                missing=bool(entry.get("missing", False)),
                min=entry.get("min"),
                max=entry.get("max"),
                warn_above=entry.get("warn_above"),
                levels=levels,
                feeds=entry.get("feeds", ""),
                note=" ".join(str(entry.get("note", "")).split()),
            )
        )
    names = [c.name for c in columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise CohortError(f"{path}: columns listed twice: {', '.join(duplicated)}.")
    return Dictionary(columns=tuple(columns), path=path)
