"""Unit tests of the questionnaire loader: the built-in file, broken files and the catalog."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from survey_app.domain.questionnaire import (
    Questionnaire,
    QuestionnaireError,
    load_catalog,
    load_questionnaire,
    parse_questionnaire,
)

from helpers import KOTLER_PATH


@pytest.fixture(scope="module")
def kotler() -> Questionnaire:
    """The built-in Kotler questionnaire, straight from its file."""
    return load_questionnaire(KOTLER_PATH)


@pytest.fixture(scope="module")
def kotler_yaml() -> dict[str, Any]:
    """The built-in file's raw data (never modified: tests take a deep copy)."""
    return yaml.safe_load(KOTLER_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def data(kotler_yaml: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy of the built-in file's data for a test to break."""
    return copy.deepcopy(kotler_yaml)


def write_yaml(path: Path, content: Any) -> Path:
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load_error(path: Path) -> QuestionnaireError:
    """Load ``path`` expecting it to be refused; return the error."""
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    return info.value


# --- the built-in questionnaire -------------------------------------------------------------


def test_builtin_identity(kotler: Questionnaire) -> None:
    assert kotler.id == "kotler-2006"
    assert kotler.version == 1
    assert kotler.title == "How sales and marketing work together"


def test_builtin_has_twenty_items_in_order(kotler: Questionnaire) -> None:
    assert kotler.item_ids == (
        "k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10",
        "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20",
    )  # fmt: skip
    assert len({item.key for item in kotler.items}) == 20


def test_builtin_dimensions_and_item_mapping(kotler: Questionnaire) -> None:
    assert [d.id for d in kotler.dimensions] == [
        "communication", "planning", "process_metrics", "culture", "customer", "structure",
    ]  # fmt: skip
    assert kotler.items_by_dimension == {
        "communication": ("k05", "k06", "k07"),
        "planning": ("k04", "k08", "k11", "k20"),
        "process_metrics": ("k01", "k12", "k14", "k15"),
        "culture": ("k02", "k10", "k16"),
        "customer": ("k03", "k09", "k13"),
        "structure": ("k17", "k18", "k19"),
    }


def test_builtin_stages(kotler: Questionnaire) -> None:
    assert [(s.id, s.lower_bound) for s in kotler.stages] == [
        ("undefined", 20),
        ("defined", 40),
        ("aligned", 60),
        ("integrated", 80),
    ]
    assert all(s.label and s.description for s in kotler.stages)


def test_builtin_scale(kotler: Questionnaire) -> None:
    assert (kotler.scale.min, kotler.scale.max) == (1, 5)
    assert list(kotler.scale.values) == [1, 2, 3, 4, 5]
    assert sorted(kotler.scale.labels) == [1, 2, 3, 4, 5]
    assert kotler.scale.labels[1] == "Strongly disagree"
    assert kotler.scale.labels[5] == "Strongly agree"
    assert kotler.scale.dont_know == "Don't know"
    assert kotler.total_range == (20, 100)


def test_builtin_needs_sixteen_answers(kotler: Questionnaire) -> None:
    assert kotler.answers_needed == 16


def test_answers_needed_defaults_to_eighty_percent(data: dict[str, Any]) -> None:
    del data["min_answered"]
    assert parse_questionnaire(data, "test").answers_needed == 16
    data["min_answered"] = 12
    assert parse_questionnaire(data, "test").answers_needed == 12


# --- broken files ---------------------------------------------------------------------------


def test_duplicate_item_id_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    data["items"][1]["id"] = "k01"
    path = write_yaml(tmp_path / "dup-item.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "items: id 'k01' is used more than once" in message


def test_item_with_unknown_dimension_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    data["items"][4]["dimension"] = "finance"
    path = write_yaml(tmp_path / "unknown-dimension.yaml", data)
    error = load_error(path)
    message = str(error)
    assert str(path) in message
    assert "items[4].dimension" in message
    assert "finance" in message
    assert error.source == str(path)


def test_scale_labels_missing_a_value_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    del data["scale"]["labels"][3]
    path = write_yaml(tmp_path / "labels.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "scale.labels" in message


def test_stage_bounds_must_start_at_twenty(tmp_path: Path, data: dict[str, Any]) -> None:
    data["stages"][0]["lower_bound"] = 0
    path = write_yaml(tmp_path / "start.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "stages[0].lower_bound" in message


def test_stage_bounds_must_increase(tmp_path: Path, data: dict[str, Any]) -> None:
    data["stages"][2]["lower_bound"] = 40  # same as the stage before
    path = write_yaml(tmp_path / "flat.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "stages[2].lower_bound" in message


def test_stage_bound_above_hundred_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    data["stages"][3]["lower_bound"] = 120
    path = write_yaml(tmp_path / "high.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "stages[3].lower_bound" in message


def test_missing_required_field_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    del data["title"]
    path = write_yaml(tmp_path / "no-title.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "title" in message


def test_unknown_field_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    data["colour"] = "red"
    path = write_yaml(tmp_path / "extra.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "colour" in message


def test_unknown_field_inside_an_item_names_its_location(tmp_path: Path, data: dict[str, Any]) -> None:
    data["items"][2]["weight"] = 2
    path = write_yaml(tmp_path / "item-extra.yaml", data)
    message = str(load_error(path))
    assert str(path) in message
    assert "items[2].weight" in message


def test_invalid_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("id: [unclosed\ntitle: x\n", encoding="utf-8")
    message = str(load_error(path))
    assert str(path) in message
    assert "YAML" in message
    assert "line 1" in message


def test_top_level_list_is_refused(tmp_path: Path, data: dict[str, Any]) -> None:
    path = write_yaml(tmp_path / "list.yaml", [data])
    message = str(load_error(path))
    assert str(path) in message
    assert "(top level)" in message


def test_every_problem_is_reported(tmp_path: Path, data: dict[str, Any]) -> None:
    data["items"][1]["id"] = "k01"
    data["stages"][0]["lower_bound"] = 0
    path = write_yaml(tmp_path / "two-problems.yaml", data)
    error = load_error(path)
    assert len(error.problems) == 2
    assert all(line.startswith(f"{path}: ") for line in str(error).splitlines())


def test_json_file_loads_like_the_yaml(tmp_path: Path, data: dict[str, Any], kotler: Questionnaire) -> None:
    path = tmp_path / "kotler.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # label keys become strings "1"…"5"
    loaded = load_questionnaire(path)
    assert loaded.model_dump() == kotler.model_dump()
    assert sorted(loaded.scale.labels) == [1, 2, 3, 4, 5]


def test_invalid_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"id": "x",', encoding="utf-8")
    message = str(load_error(path))
    assert str(path) in message
    assert "JSON" in message


# --- the catalog ------------------------------------------------------------------------------


def test_catalog_loads_good_files_and_reports_broken_ones(tmp_path: Path, data: dict[str, Any]) -> None:
    good = write_yaml(tmp_path / "a-good.yaml", data)
    broken_data = copy.deepcopy(data)
    broken_data["id"] = "broken"
    broken_data["items"][4]["dimension"] = "finance"
    broken = write_yaml(tmp_path / "b-broken.yaml", broken_data)
    (tmp_path / "notes.txt").write_text("not a questionnaire", encoding="utf-8")

    catalog = load_catalog([tmp_path, tmp_path / "missing-folder"])

    assert set(catalog.questionnaires) == {"kotler-2006"}
    loaded = catalog.get("kotler-2006")
    assert loaded is not None
    assert loaded.item_ids[0] == "k01"
    assert catalog.get("broken") is None
    assert len(catalog.errors) == 1
    assert catalog.errors[0].source == str(broken)
    assert "items[4].dimension" in str(catalog.errors[0])
    assert str(good) not in str(catalog.errors[0])


def test_catalog_reports_a_second_file_with_the_same_id(tmp_path: Path, data: dict[str, Any]) -> None:
    first = write_yaml(tmp_path / "a.yaml", data)
    data["title"] = "Second copy"
    second = write_yaml(tmp_path / "b.yaml", data)

    catalog = load_catalog([tmp_path])

    assert set(catalog.questionnaires) == {"kotler-2006"}
    assert catalog.questionnaires["kotler-2006"].title == "How sales and marketing work together"
    assert len(catalog.errors) == 1
    error = catalog.errors[0]
    assert error.source == str(second)
    assert "kotler-2006" in str(error)
    assert "already defined" in str(error)
    assert str(first) in str(error)


def test_catalog_reports_duplicates_across_folders(tmp_path: Path, data: dict[str, Any]) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    write_yaml(tmp_path / "one" / "z.yaml", data)
    second = write_yaml(tmp_path / "two" / "a.yaml", data)

    catalog = load_catalog([tmp_path / "one", tmp_path / "two"])

    assert set(catalog.questionnaires) == {"kotler-2006"}
    assert [error.source for error in catalog.errors] == [str(second)]
