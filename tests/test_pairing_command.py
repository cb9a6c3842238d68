"""`manage.py pair --instance IN.json --out OUT.json` (DESIGN.md §4), no database needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent


def pair(tmp_path, instance) -> dict:
    source, target = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(instance if isinstance(instance, str) else json.dumps(instance))
    call_command("pair", instance=str(source), out=str(target))
    return json.loads(target.read_text())


def test_design_example_pairs_nobody_because_the_only_pair_is_forbidden(tmp_path):
    out = pair(tmp_path, {
        "mentors": [{"id": "m1", "capacity": 6}], "mentees": [{"id": "e1"}],
        "scores": {"e1": {"m1": 0.83}}, "forbidden": [["e1", "m1"]],
    })

    assert (out["pairs"], out["unmatched"], out["objective"]) == ([], ["e1"], 0.0)
    assert out["why"] == {"e1": "no allowed mentor among 1: 1 forbidden"}


def test_explicit_scores_give_the_optimal_pairs_and_objective(tmp_path):
    out = pair(tmp_path, {
        "mentors": [{"id": "m1", "capacity": 1}, {"id": "m2", "capacity": 1}],
        "mentees": [{"id": "e1"}, {"id": "e2"}, {"id": "e3"}],
        "scores": {"e1": {"m1": 0.9, "m2": 0.2}, "e2": {"m1": 0.4}, "e3": {"m2": 0.1}},
    })

    # Two pairs either way; 0.9 + 0.1 beats 0.2 + 0.4.
    assert out["pairs"] == [{"mentee": "e1", "mentor": "m1", "score": 0.9},
                            {"mentee": "e3", "mentor": "m2", "score": 0.1}]
    assert (out["unmatched"], out["objective"]) == (["e2"], pytest.approx(1.0))
    assert out["why"] == {"e2": "all 1 allowed mentor(s) are full"}
    assert out["seconds"] >= 0


def test_people_attributes_give_pairs_with_reasons(tmp_path):
    out = pair(tmp_path, {
        "mentors": [{"id": "m1", "capacity": 2, "work_items": ["Payments v2"], "skills": ["system design"]}],
        "mentees": [{"id": "e1", "work_items": ["Payments v2"], "goals": ["system design"]}],
        "reference_date": "2025-03-10",
    })

    assert out["pairs"] == [{"mentee": "e1", "mentor": "m1", "score": pytest.approx(0.8), "reasons": [
        "both on Payments v2", "mentor has system design, which mentee wants to build"]}]


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ({"mentors": [], "mentees": [{"id": "e1"}], "scores": {"e9": {}}}, "unknown mentee 'e9'"),
        ({"mentors": [{"id": "m1"}], "mentees": [{"id": "e1"}], "scores": {"e1": {"m9": 1}}}, "unknown mentor 'm9'"),
        ({"mentors": [{"id": "m1", "capacity": -2}], "mentees": []}, "capacity must be a non-negative integer"),
        ({"mentors": [{"id": "m1", "capacity": 1.5}], "mentees": []}, "capacity must be a non-negative integer"),
        ({"mentors": [], "mentees": [{"id": "e1"}, {"id": "e1"}]}, "duplicate id 'e1'"),
        ({"mentors": [{"id": "m1"}, {"id": "m1"}], "mentees": []}, "duplicate id 'm1'"),
        ({"mentors": [{"id": "m1"}], "mentees": [{"id": "e1"}], "scores": {"e1": {"m1": "x"}}}, "must be a number"),
        ({"mentors": [{"id": "m1"}], "mentees": [], "forbidden": [["e1", "m1"]]}, "unknown mentee 'e1'"),
        ({"mentors": [], "mentees": [{"id": "e1", "tz": "Mars/Olympus", "working_hours": ["09:00", "17:00"]}]},
         "unknown time zone"),
        ({"mentors": [], "mentees": [{"id": "e1", "working_hours": ["9am", "5pm"]}]}, "expected HH:MM"),
        ({"mentors": [], "mentees": [], "weights": {"charisma": 1}}, "unknown setting"),
        ({"mentors": [], "mentees": [], "reference_date": "next monday"}, "YYYY-MM-DD"),
        ({"mentees": []}, "mentors: expected a list"),
    ],
)
def test_invalid_instance_is_a_command_error_with_a_clear_message(tmp_path, instance, message):
    with pytest.raises(CommandError, match=message):
        pair(tmp_path, instance)


def test_missing_instance_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("pair", instance=str(tmp_path / "absent.json"), out=str(tmp_path / "out.json"))


def test_invalid_instance_on_the_command_line_prints_no_traceback(tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"mentors": [{"id": "m1", "capacity": -1}], "mentees": []}))

    done = subprocess.run([sys.executable, "manage.py", "pair", "--instance", str(source), "--out",
                           str(tmp_path / "out.json")], cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert done.returncode == 1
    assert "capacity must be a non-negative integer" in done.stderr and "Traceback" not in done.stderr


def test_a_person_on_both_lists_is_never_their_own_mentor(tmp_path):
    out = pair(tmp_path, {
        "mentors": [{"id": "p1", "capacity": 1}], "mentees": [{"id": "p1"}], "scores": {"p1": {"p1": 1.0}},
    })

    assert (out["pairs"], out["unmatched"]) == ([], ["p1"])
