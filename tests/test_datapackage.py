"""data/cohort.csv is a plain CSV; data/datapackage.json describes it (Frictionless Data Package).

The descriptor's Table Schema is generated from data/dictionary.yml: the tests
regenerate it and compare (drift fails), check the mapping against the raw YAML
with a mapping written out here, and let frictionless itself validate the package
and catch a broken cell.
"""

from __future__ import annotations

import csv
import json
import re
import shutil

import frictionless
import pandas as pd
import pytest
import yaml

from nettx_utils.data import datapackage
from nettx_utils.data.dictionary import load_dictionary
from nettx_utils.errors import NettxError
from nettx_utils.project import DEFAULT_COHORT, DEFAULT_DICTIONARY, PROJECT_ROOT

DESCRIPTOR = datapackage.DEFAULT_DESCRIPTOR


def committed() -> dict:
    return json.loads(DESCRIPTOR.read_text(encoding="utf-8"))


def raw_columns() -> list[dict]:
    return yaml.safe_load(DEFAULT_DICTIONARY.read_text(encoding="utf-8"))["columns"]


def test_the_csv_starts_with_its_header_and_every_reader_gets_the_dictionary_columns():
    """pandas and the csv module, with their defaults (no comment=), read 32 patients."""
    names = [c["name"] for c in raw_columns()]
    table = pd.read_csv(DEFAULT_COHORT)
    assert list(table.columns) == names
    assert len(table) == 32 and table["patient_id"].is_unique
    with DEFAULT_COHORT.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == names and len(rows) == 33
    assert not any(line.startswith("#") for line in DEFAULT_COHORT.read_text().splitlines())


def test_the_committed_descriptor_is_the_one_the_generator_writes():
    """Regenerated from the dictionary and the committed CSV, byte for byte: a column edited
    in dictionary.yml, or a CSV changed without its descriptor, fails here."""
    seed = committed()["nettx"]["seed"]
    fresh = datapackage.package_descriptor(DEFAULT_COHORT, seed=seed, rows=32)
    assert datapackage.dumps(fresh) == DESCRIPTOR.read_text(encoding="utf-8")
    (resource,) = committed()["resources"]
    assert resource["schema"] == datapackage.table_schema(load_dictionary())


def test_the_schema_follows_the_dictionary_rules():
    """Each field against the raw YAML, with the mapping written out independently."""
    expected_type = {
        "id": "string",
        "text": "string",
        "number": "number",
        "integer": "integer",
        "boolean": "boolean",
        "category": "string",
    }
    (resource,) = committed()["resources"]
    schema = resource["schema"]
    assert schema["missingValues"] == [""] and schema["primaryKey"] == ["patient_id"]
    fields = schema["fields"]
    assert [f["name"] for f in fields] == [c["name"] for c in raw_columns()]
    for column, field in zip(raw_columns(), fields, strict=True):
        constraints = field.get("constraints", {})
        assert field["type"] == expected_type[column["type"]], column["name"]
        assert field["title"] == column["label"]
        assert constraints.get("required", False) is (not column["missing"]), column["name"]
        assert constraints.get("minimum") == column.get("min")
        assert constraints.get("maximum") == column.get("max")
        if column["type"] == "category":
            assert constraints["enum"] == list(column["levels"])
            assert all(str(label) in field["description"] for label in column["levels"].values())
        else:
            assert "enum" not in constraints
        if column["type"] == "boolean":
            assert (field["trueValues"], field["falseValues"]) == (["1"], ["0"])
        if column.get("unit"):
            assert f"({column['unit']})" in field["description"]


def test_booleans_are_written_as_the_schema_says():
    """Every boolean cell of the CSV is 1, 0 or empty (and empty only where allowed)."""
    table = pd.read_csv(DEFAULT_COHORT, dtype=str, keep_default_na=False)
    for column in raw_columns():
        if column["type"] != "boolean":
            continue
        allowed = {"0", "1", ""} if column["missing"] else {"0", "1"}
        assert set(table[column["name"]]) <= allowed, column["name"]


def test_frictionless_validates_the_package():
    report = frictionless.validate(str(DESCRIPTOR))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_frictionless_reads_the_types_the_loader_reads():
    """Through the schema, frictionless gets the same deaths and ages as pandas."""
    package = frictionless.Package(str(DESCRIPTOR))
    rows = package.get_table_resource("cohort").read_rows()
    plain = pd.read_csv(DEFAULT_COHORT)
    assert len(rows) == 32
    assert sum(row["died"] is True for row in rows) == int((plain["died"] == 1).sum())
    assert [float(row["age_at_lt_years"]) for row in rows] == plain["age_at_lt_years"].tolist()
    assert {row["sex"] for row in rows} == set(plain["sex"])


def test_frictionless_catches_a_broken_cell_and_a_changed_file(tmp_path):
    """A copy with an unknown code: with the old hash and size, their errors and the schema's;
    with both refreshed (datapackage.update_recorded_checksum), only the schema's."""
    shutil.copy(DEFAULT_COHORT, tmp_path / "cohort.csv")
    shutil.copy(DESCRIPTOR, tmp_path / "datapackage.json")
    path = tmp_path / "cohort.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^(SYN-01,)(male|female),", r"\1other,", text, flags=re.M))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert {e.type for e in report.tasks[0].errors} == {
        "constraint-error",
        "hash-count",
        "byte-count",
    }
    datapackage.update_recorded_checksum(path, tmp_path / "datapackage.json")
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    errors = report.tasks[0].errors
    assert [(e.type, e.field_name) for e in errors] == [("constraint-error", "sex")]


def test_the_descriptor_says_synthetic_and_names_generator_seed_and_licence():
    descriptor = committed()
    notice = descriptor["nettx"]["notice"]
    assert notice.startswith("SYNTHETIC DATA - not real patients.")
    assert "SYNTHETIC" in descriptor["title"] and notice in descriptor["description"]
    assert descriptor["resources"][0]["description"] == notice
    assert descriptor["nettx"]["synthetic"] is True
    assert descriptor["nettx"]["generator"] == "nettx_utils.synth"
    seed = descriptor["nettx"]["seed"]
    assert f"(seed {seed})" in notice
    assert descriptor["nettx"]["command"] == (
        f"python -m nettx_utils synth --seed {seed} --out data/cohort.csv"
    )
    (licence,) = descriptor["licenses"]
    assert licence["name"] in {"CC0-1.0", "CC-BY-4.0"}
    assert descriptor["nettx"]["license_reason"].startswith(licence["name"])


def test_the_source_is_the_paper_with_the_bibliography_doi():
    bibliography = (PROJECT_ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    entry = re.search(r"@\w+\{sposito2021,(.*?)\n\}", bibliography, re.S)
    assert entry, "references.bib has no sposito2021 entry"
    doi = re.search(r"doi\s*=\s*\{([^}]*)\}", entry.group(1), re.I).group(1)
    (source,) = committed()["sources"]
    assert source["path"].lower() == f"https://doi.org/{doi}".lower()


def test_the_dictionary_keeps_the_notice_and_no_checksum():
    """The checksum has one home (the descriptor); the dictionary still says synthetic."""
    text = DEFAULT_DICTIONARY.read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "datapackage.json" in text
    assert "synthetic_cohort_sha256" not in text
    assert datapackage.recorded_checksum() == datapackage.file_sha256(DEFAULT_COHORT)


def test_a_descriptor_that_is_not_the_generators_is_not_read(tmp_path):
    other = tmp_path / "datapackage.json"
    other.write_text(
        json.dumps({"name": "x", "resources": [{"name": "cohort", "hash": "sha256:ab"}]})
    )
    assert datapackage.read_descriptor(other) is None
    assert datapackage.recorded_checksum(other) is None
    (tmp_path / "broken.json").write_text("{not json")
    assert datapackage.read_descriptor(tmp_path / "broken.json") is None
    assert datapackage.read_descriptor(tmp_path / "missing.json") is None
    with pytest.raises(NettxError, match=r"was not written by nettx_utils\.synth"):
        datapackage.check_writable(other)


def test_the_count_of_locoregional_treatments_says_what_an_empty_cell_means():
    """The dictionary's note reaches the descriptor: empty = no LRT, Table 1 among the treated."""
    (resource,) = committed()["resources"]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    text = fields["n_pre_lt_lrt"]["description"]
    assert "An empty cell means no locoregional treatment" in text
    assert "among the treated patients only" in text
    assert (
        "An empty cell is a missing value." not in text
    )  # the generic sentence would contradict it
    assert "An empty cell is a missing value." in fields["mib1_primary_pct"]["description"]


def test_the_age_note_states_the_loaders_tolerance():
    from nettx_utils.data.cohort import AGE_TOLERANCE_YEARS

    note = load_dictionary()["age_at_recurrence_years"].note
    assert f"by more than {AGE_TOLERANCE_YEARS:g} year" in note
    assert "AGE_TOLERANCE_YEARS" in note
