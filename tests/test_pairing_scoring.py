"""Scores, hard rules and reasons from people attributes, with hand-worked answers."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.pairing.instance import run
from mentoring.pairing.scoring import Mentee, Mentor, Rules, Weights, explain, score_pairs, shared_hours, utc_window

NINE_TO_FIVE = ("09:00", "17:00")


def test_berlin_and_new_york_share_two_hours_in_january():
    # Berlin 09-17 CET = 08-16 UTC; New York 09-17 EST = 14-22 UTC -> 14-16.
    assert shared_hours("Europe/Berlin", NINE_TO_FIVE, "America/New_York", NINE_TO_FIVE, date(2025, 1, 15)) == 2


def test_berlin_and_new_york_share_three_hours_between_the_us_and_eu_dst_switches():
    # 10 March 2025: New York already on EDT (13-21 UTC), Berlin still on CET (08-16 UTC).
    assert shared_hours("Europe/Berlin", NINE_TO_FIVE, "America/New_York", NINE_TO_FIVE, date(2025, 3, 10)) == 3


def test_berlin_and_new_york_share_two_hours_in_summer():
    # CEST 07-15 UTC vs EDT 13-21 UTC.
    assert shared_hours("Europe/Berlin", NINE_TO_FIVE, "America/New_York", NINE_TO_FIVE, date(2025, 7, 1)) == 2


def test_a_window_across_the_spring_forward_night_is_an_hour_shorter():
    # 30 March 2025 Berlin jumps 02:00 -> 03:00: 00:00 CET (23:00 UTC) to 06:00 CEST (04:00 UTC) = 5 h.
    assert shared_hours("Europe/Berlin", ("00:00", "06:00"), "UTC", ("00:00", "24:00"), date(2025, 3, 30)) == 5


def test_tokyo_and_los_angeles_share_an_hour_across_the_date_line():
    # Tokyo 09-18 JST = 00-09 UTC; Los Angeles 09-17 PST on the previous day = 17-01 UTC.
    assert shared_hours("Asia/Tokyo", ("09:00", "18:00"), "America/Los_Angeles", NINE_TO_FIVE, date(2025, 1, 15)) == 1


def test_a_night_shift_runs_past_midnight():
    start, end = utc_window("UTC", ("22:00", "06:00"), date(2025, 1, 15))

    assert (end - start, shared_hours("UTC", ("22:00", "06:00"), "UTC", ("05:00", "12:00"), date(2025, 1, 15))) == (
        timedelta(hours=8), 1)


zones = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC",
                         "America/Sao_Paulo", "Pacific/Chatham"])
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@settings(max_examples=300, deadline=None)
@given(zones, clock, clock, zones, clock, clock, st.dates(date(2024, 1, 1), date(2026, 12, 31)))
def test_shared_hours_never_exceed_either_window_across_dst_changes(tz_a, a0, a1, tz_b, b0, b1, day):
    if a0 == a1 or b0 == b1:
        return
    a_start, a_end = utc_window(tz_a, (a0, a1), day)
    hours = shared_hours(tz_a, (a0, a1), tz_b, (b0, b1), day)

    assert 0 <= hours <= (a_end - a_start).total_seconds() / 3600
    assert shared_hours(tz_a, (a0, a1), tz_a, (a0, a1), day) == (a_end - a_start).total_seconds() / 3600


def pair_score(mentee, mentor, **kwargs):
    return score_pairs([mentee], [mentor], **kwargs).matrix[0, 0]


def test_score_is_the_weighted_sum_worked_by_hand():
    mentee = Mentee("e1", work_items=("Payments v2", "Ledger"), goals=("system design", "SQL", "go"),
                    tz="Europe/Berlin", working_hours=NINE_TO_FIVE)
    mentor = Mentor("m1", work_items=("payments  V2",), skills=("System Design",),
                    tz="America/New_York", working_hours=NINE_TO_FIVE)

    # work 1/2 × 0.5 + skills 1/3 × 0.3 + hours 2/8 × 0.2
    assert pair_score(mentee, mentor) == pytest.approx(0.25 + 0.1 + 0.05)


def test_weights_are_configurable():
    mentee = Mentee("e1", work_items=("Ledger",))
    mentor = Mentor("m1", work_items=("Ledger",))

    assert pair_score(mentee, mentor, weights=Weights(work=2.0)) == pytest.approx(2.0)


def test_load_penalty_starts_at_half_the_load_cap_and_is_full_at_the_cap():
    mentee = Mentee("e1")
    penalties = [-pair_score(mentee, Mentor("m1", load=load)) for load in (0, 3, 4, 6, 9)]

    assert penalties == pytest.approx([0, 0, 0.2 / 3, 0.2, 0.2])


def test_recent_pair_is_penalised_when_the_no_repeat_rule_is_off():
    mentee = Mentee("e1", work_items=("Ledger",), recent_mentors=frozenset({"m1"}))
    mentor = Mentor("m1", work_items=("Ledger",))

    assert pair_score(mentee, mentor, rules=Rules(no_repeat=False)) == pytest.approx(0.5 - 0.3)


@pytest.mark.parametrize(
    ("mentee", "mentor", "rule"),
    [
        (Mentee("e1", manager_id="m1"), Mentor("m1"), "manager or direct report"),
        (Mentee("e1"), Mentor("m1", manager_id="e1"), "manager or direct report"),
        (Mentee("e1", opt_outs=frozenset({"m1"})), Mentor("m1"), "opted out"),
        (Mentee("e1"), Mentor("m1", opt_outs=frozenset({"e1"})), "opted out"),
        (Mentee("e1", recent_mentors=frozenset({"m1"})), Mentor("m1"), "paired in a recent cohort"),
        (Mentee("e1", tz="Asia/Tokyo", working_hours=NINE_TO_FIVE), Mentor("m1", working_hours=NINE_TO_FIVE),
         "under 1 h shared working hours"),
        (Mentee("p1"), Mentor("p1"), "the mentee themselves"),
    ],
)
def test_hard_rules_exclude_the_pair(mentee, mentor, rule):
    scored = score_pairs([mentee], [mentor])

    assert math.isnan(scored.matrix[0, 0])
    assert scored.excluded[rule][0, 0]


def test_unknown_working_hours_neither_score_nor_exclude():
    scored = score_pairs([Mentee("e1", working_hours=NINE_TO_FIVE)], [Mentor("m1")])

    assert (scored.matrix[0, 0], np.isnan(scored.hours[0, 0])) == (0.0, True)


def test_reasons_name_the_shared_work_skills_hours_and_penalties():
    mentee = Mentee("e1", work_items=("Payments v2", "Ledger", "Search"), goals=("system design",),
                    tz="Europe/Berlin", working_hours=NINE_TO_FIVE, recent_mentors=frozenset({"m1"}))
    mentor = Mentor("m1", work_items=("ledger", "payments v2"), skills=("System Design", "Go"), load=4,
                    tz="Europe/London", working_hours=("09:00", "13:00"))
    rules = Rules(no_repeat=False)
    scored = score_pairs([mentee], [mentor], rules=rules)

    assert explain(mentee, mentor, scored, 0, 0, Weights(), rules) == [
        "both on Payments v2 and Ledger",
        "mentor has system design, which mentee wants to build",
        "4 h shared working hours",
        "paired in a recent cohort (-0.3)",
        "mentor already has 4 mentee(s) elsewhere (-0.07)",
    ]


def people_instance(**extra):
    return {
        "mentors": [
            {"id": "m1", "capacity": 1, "work_items": ["Payments v2"], "skills": ["system design"],
             "tz": "America/New_York", "working_hours": ["09:00", "17:00"]},
            {"id": "m2", "capacity": 0, "work_items": ["Search"], "tz": "Europe/Berlin",
             "working_hours": ["09:00", "17:00"]},
        ],
        "mentees": [
            {"id": "e1", "work_items": ["Payments v2"], "goals": ["system design"], "tz": "Europe/Berlin",
             "working_hours": ["09:00", "17:00"]},
            {"id": "e2", "work_items": ["Payments v2"], "tz": "Europe/Berlin", "working_hours": ["09:00", "17:00"],
             "manager_id": "m2"},
            {"id": "e3", "manager_id": "m1", "opt_outs": ["m2"]},
        ],
        **extra,
    }


def test_people_instance_pairs_carry_reasons_and_the_unmatched_their_why():
    out = run(people_instance(reference_date="2025-03-10"))

    assert out["pairs"] == [{
        "mentee": "e1", "mentor": "m1", "score": pytest.approx(0.5 + 0.3 + 0.2 * 3 / 8),
        "reasons": ["both on Payments v2", "mentor has system design, which mentee wants to build",
                    "3 h shared working hours"],
    }]
    assert out["why"] == {
        "e2": "all 1 allowed mentor(s) are full",
        "e3": "no allowed mentor among 2: 1 opted out, 1 manager or direct report",
    }


def test_reference_date_changes_the_shared_hours():
    january, march = run(people_instance()), run(people_instance(reference_date="2025-03-10"))

    assert (january["pairs"][0]["reasons"][-1], march["pairs"][0]["reasons"][-1]) == (
        "2 h shared working hours", "3 h shared working hours")


def test_minimum_shared_hours_is_a_configurable_rule():
    out = run(people_instance(rules={"min_shared_hours": 2.5}))

    assert (out["pairs"], out["why"]["e2"]) == (
        [], "no allowed mentor among 2: 1 manager or direct report, 1 under 2.5 h shared working hours")
