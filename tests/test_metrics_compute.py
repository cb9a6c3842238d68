"""The pure metric computation (metrics/compute) on small hand-made datasets.
Every expected answer is worked out by hand in the comments beside it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from metrics.compute import figures as f
from metrics.compute.groups import Policy, group_payload
from metrics.compute.km import bootstrap_median_difference, km_quantiles
from metrics.compute.privacy import apply_k, figure_values, group_too_small


def d(y, m, day) -> int:
    return date(y, m, day).toordinal()


def everyone(n):
    return np.ones(n, dtype=bool)


# --- Kaplan–Meier ------------------------------------------------------------------------------

def test_km_median_and_p75_with_censoring():
    # (2,e) (3,e) (3,c) (5,e) (8,c) (10,e), 6 people:
    # t=2: 6 at risk, 1 event → S = 5/6 = .833
    # t=3: 5 at risk (the one censored at 3 still counts), 1 event → S = .833·4/5 = .667
    # t=5: 3 at risk (5, 8, 10), 1 event → S = .667·2/3 = .444 ≤ .5 → median 5
    # t=10: 1 at risk, 1 event → S = 0 ≤ .25 → p75 10
    assert km_quantiles([2, 3, 3, 5, 8, 10], [1, 1, 0, 1, 0, 1]) == [5, 10]


def test_km_not_reached_when_most_are_censored():
    # t=4: 4 at risk, 1 event → S = .75; nobody else ramps → never ≤ .5
    assert km_quantiles([4, 6, 7, 9], [1, 0, 0, 0]) == [None, None]


def test_km_share_exactly_half_counts_as_reached():
    # S(1) = 3/4, S(2) = 3/4·2/3 = .5 (≤ 50%) → median 2; S(3) = .5·1/2 = .25 → p75 3
    assert km_quantiles([1, 2, 3, 4], [1, 1, 1, 1]) == [2, 3]


def test_km_ties_count_together():
    # t=3: 4 at risk, 2 events (2 censored at 3 too) → S = 1 − 2/4 = .5 → median 3; no later event
    assert km_quantiles([3, 3, 3, 3], [1, 1, 0, 0]) == [3, None]


def test_km_of_nobody_is_not_reached():
    assert km_quantiles([], []) == [None, None]


# --- Ramp time ---------------------------------------------------------------------------------

def ramp_history():
    # Period 1 Jan – 1 Mar 2025.
    return f.History(
        people=6,
        ev_person=[0, 1, 1, 2, 3, 4, 5],
        ev_kind=[f.HIRE, f.HIRE, f.TRANSFER, f.HIRE, f.HIRE, f.HIRE, f.PROMOTION],
        ev_day=[d(2025, 1, 1), d(2025, 1, 1), d(2025, 2, 1), d(2025, 2, 19), d(2024, 12, 1), d(2025, 1, 10),
                d(2025, 1, 20)],
        ms_person=[0, 1, 1, 3, 4],
        ms_day=[d(2025, 1, 11), d(2025, 1, 20), d(2025, 2, 21), d(2024, 12, 20), d(2025, 3, 5)],
    )


def test_ramp_time_censors_people_not_ramped_by_the_end():
    # p0: hired 1 Jan, milestone 11 Jan → 10 days, ramped.
    # p1: latest start is the transfer of 1 Feb (the 20 Jan milestone was before it) → 21 Feb: 20 days.
    # p2: hired 19 Feb, no milestone → censored at 1 Mar: 10 days.
    # p3: hired before the period → not counted. p5: a promotion is no role start.
    # p4: hired 10 Jan, milestone 5 Mar is after `to` → censored at 1 Mar: 21 + 28 + 1 = 50 days.
    # Ordered 10e 10c 20e 50c: S(10) = 3/4; S(20) = 3/4·1/2 = .375 → median 20; never ≤ .25 → p75 not reached.
    fig = f.ramp_time(ramp_history(), everyone(6), d(2025, 1, 1), d(2025, 3, 1))

    assert (fig["n"], fig["ramped"], fig["censored"]) == (4, 2, 2)
    assert (fig["median_days"], fig["p75_days"]) == (20, None)


def test_ramp_time_of_a_group_counts_only_its_members():
    # Without p4: 10e 10c 20e → S(10) = 2/3, S(20) = 0 → median 20 and p75 20.
    member = everyone(6)
    member[4] = False
    fig = f.ramp_time(ramp_history(), member, d(2025, 1, 1), d(2025, 3, 1))

    assert (fig["n"], fig["median_days"], fig["p75_days"]) == (3, 20, 20)


def test_ramp_time_of_an_empty_group():
    fig = f.ramp_time(ramp_history(), np.zeros(6, dtype=bool), d(2025, 1, 1), d(2025, 3, 1))

    assert (fig["n"], fig["median_days"], fig["p75_days"], fig["ramped"]) == (0, None, None, 0)


# --- Action completion -------------------------------------------------------------------------

def action_history():
    steps = [  # owner, session/created day, due, done (-1: open)
        (0, d(2025, 1, 2), d(2025, 1, 9), d(2025, 1, 8)),     # a
        (1, d(2025, 1, 5), d(2025, 1, 12), d(2025, 1, 25)),   # b
        (1, d(2025, 2, 20), d(2025, 2, 27), f.NOT_DONE),      # c
        (2, d(2024, 12, 20), d(2025, 1, 3), d(2025, 1, 3)),   # d
        (0, d(2025, 2, 10), d(2025, 3, 10), d(2025, 3, 3)),   # e
    ]
    owner, day, due, done = zip(*steps)
    return f.History(people=3, st_owner=owner, st_session_day=day, st_created_day=day, st_due_day=due,
                     st_done_day=done)


def test_action_completion_on_time_within_14_days_and_median_days():
    # Period 1 Jan – 1 Mar 2025.
    # Due in the period: a, b, c, d. On or before due: a (8 ≤ 9) and d (3 Jan = due) → 2/4; owners 0, 1, 2.
    # Sessions in the period at least 14 days before 1 Mar (≤ 15 Feb): a, b, e (c is 20 Feb, d before).
    #   done within 14 days: a (6 days); b took 20; e was done 3 Mar, after `to` → 1/3; owners 0, 1.
    # Done in the period: a (6 days), b (20), d (14) → median 14; owners 0, 1, 2.
    fig = f.action_completion(action_history(), everyone(3), d(2025, 1, 1), d(2025, 3, 1))

    assert fig["on_time"] == {"n": 3, "steps": 4, "done": 2, "share": 0.5}
    assert fig["within_14_days"] == {"n": 2, "steps": 3, "done": 1, "share": pytest.approx(1 / 3)}
    assert fig["days_to_done"] == {"n": 3, "steps": 3, "median_days": 14}


def test_action_completion_of_an_empty_group_has_no_shares():
    fig = f.action_completion(action_history(), np.zeros(3, dtype=bool), d(2025, 1, 1), d(2025, 3, 1))

    assert fig["on_time"]["share"] is None and fig["days_to_done"]["median_days"] is None
    assert fig["on_time"]["n"] == fig["within_14_days"]["n"] == 0


# --- Sessions: micro-outcomes, touch frequency, mentor load ------------------------------------

def session_history():
    sessions = [  # mentor, mentee, day, status, minutes, next steps
        (9, 0, d(2025, 1, 6), f.DONE, 20, 1),        # s1  week of 6 Jan
        (9, 1, d(2025, 1, 7), f.DONE, 35, 0),        # s2  week of 6 Jan
        (9, 0, d(2025, 1, 13), f.DONE, 15, 2),       # s3  week of 13 Jan
        (9, 2, d(2025, 1, 14), f.CANCELLED, 30, 0),  # s4
        (9, 1, d(2025, 1, 8), f.BOOKED, 30, 0),      # s5  week of 6 Jan
        (9, 0, d(2025, 1, 15), f.BOOKED, 30, 0),     # s6  week of 13 Jan
        (9, 0, d(2025, 1, 16), f.DONE, 20, 1),       # s7  week of 13 Jan
        (8, 2, d(2025, 2, 3), f.DONE, 25, 1),        # s8
    ]
    mentor, mentee, day, status, minutes, steps = zip(*sessions)
    # Mentees 0 and 1 in a cohort from Mon 6 Jan to Sun 2 Feb 2025 (4 ISO weeks); 2 in none.
    return f.History(people=10, s_mentor=mentor, s_mentee=mentee, s_day=day, s_status=status, s_minutes=minutes,
                     s_steps=steps, p_person=[0, 1, 9], p_role=[f.MENTEE, f.MENTEE, f.MENTOR],
                     p_start=[d(2025, 1, 6)] * 3, p_end=[d(2025, 2, 2)] * 3, p_cohort=[0] * 3, p_program=[0] * 3)


def test_micro_outcome_rate_and_durations_within_bounds():
    # Logged: s1 s2 s3 s7 s8 = 5; with a next step: s1 s3 s7 s8 = 4 → 4/5.
    # Minutes 20 35 15 20 25; within 15–30: all but 35 → 4/5. Mentees 0, 1, 2.
    fig = f.micro_outcome(session_history(), everyone(10), d(2025, 1, 1), d(2025, 3, 1), min_minutes=15,
                          max_minutes=30)

    assert (fig["n"], fig["sessions"], fig["rate"], fig["within_bounds_share"]) == (3, 5, 0.8, 0.8)
    assert [b["sessions"] for b in fig["durations"]] == [0, 1, 2, 1, 1]  # <15, 15–19, 20–24, 25–30, >30


def test_touch_frequency_counts_mentee_weeks_in_a_cohort_and_weeks_over_cap():
    # Mentee-weeks: 2 mentees × 4 weeks = 8.
    # Mentee 0: 6 Jan: s1 = 1; 13 Jan: s3 s6 s7 = 3 (over cap 2); 20 and 27 Jan: 0.
    # Mentee 1: 6 Jan: s2 s5 = 2 (booked s5 is held: not cancelled); then 0, 0, 0.
    # Held sessions 6 / 8 weeks = .75 per mentee-week; over cap 1/8. Mentee 2 is in no cohort.
    fig = f.touch_frequency(session_history(), everyone(10), d(2025, 1, 1), d(2025, 3, 1), cap=2)

    assert (fig["n"], fig["mentee_weeks"], fig["mean_per_week"]) == (2, 8, 0.75)
    assert (fig["over_cap"], fig["over_cap_share"]) == (1, 0.125)
    assert [b["mentee_weeks"] for b in fig["distribution"]] == [5, 1, 1, 1]


def test_touch_frequency_counts_only_weeks_inside_the_period():
    # Period 13–19 Jan: one week for each mentee: 3 (mentee 0, over cap) and 0 → mean 1.5, over cap 1/2.
    fig = f.touch_frequency(session_history(), everyone(10), d(2025, 1, 13), d(2025, 1, 19), cap=2)

    assert (fig["mentee_weeks"], fig["mean_per_week"], fig["over_cap_share"]) == (2, 1.5, 0.5)


def test_mentor_load_per_week_and_top_share():
    # Held: mentor 9 gives s1 s2 s3 s5 s6 s7 = 6, mentor 8 gives s8 = 1 → 7.
    # Weeks of 1 Jan – 1 Mar 2025: Mondays 30 Dec … 24 Feb = 56/7 + 1 = 9.
    # Mean 7 / (2 mentors × 9 weeks) = .3889; top ⌈0.1·2⌉ = 1 mentor: 6/7; busiest week: mentor 9, 13 Jan = 3.
    fig = f.mentor_load(session_history(), everyone(10), d(2025, 1, 1), d(2025, 3, 1))

    assert (fig["n"], fig["sessions"], fig["weeks"], fig["top_mentors"]) == (2, 7, 9, 1)
    assert fig["mean_per_week"] == pytest.approx(7 / 18)
    assert fig["top_share"] == pytest.approx(6 / 7)
    assert fig["max_in_a_week"] == 3


def test_mentor_load_top_ten_percent_rounds_up():
    # 11 mentors, mentor i gives i + 1 sessions (1…11, 66 in all): top ⌈1.1⌉ = 2 → (11 + 10) / 66.
    mentor = [m for m in range(11) for _ in range(m + 1)]
    h = f.History(people=11, s_mentor=mentor, s_mentee=[0] * 66, s_day=[d(2025, 1, 6)] * 66,
                  s_status=[f.DONE] * 66, s_minutes=[20] * 66, s_steps=[1] * 66)

    fig = f.mentor_load(h, everyone(11), d(2025, 1, 6), d(2025, 1, 12))

    assert (fig["top_mentors"], fig["top_share"]) == (2, pytest.approx(21 / 66))


# --- Mobility and promotion velocity ------------------------------------------------------------

def test_mobility_per_100_person_years_and_months_to_promotion():
    # 2024 (366 days). Exposure: p0, p1, p3 the whole year (366 each); p2 left on 1 Jul: 182 + 1 = 183 days.
    # 366·3 + 183 = 1281 days = 1281/365.25 person-years.
    # Promotions: p0 (1 Jun), p1 (1 Sep) = 2; transfers: p1 (1 Mar) = 1.
    # Role starts in 2024: p1 transfer 1 Mar → promoted 1 Sep = 184 days; p3 hired 1 Jan, never → censored at
    # 31 Dec = 365 days. KM: S(184) = 1/2 → median 184 days = 184 / 30.4375 months.
    h = f.History(people=4, end_day=[10**7, 10**7, d(2024, 7, 1), 10**7],
                  ev_person=[0, 1, 1, 3], ev_kind=[f.PROMOTION, f.TRANSFER, f.PROMOTION, f.HIRE],
                  ev_day=[d(2024, 6, 1), d(2024, 3, 1), d(2024, 9, 1), d(2024, 1, 1)])

    fig = f.mobility(h, everyone(4), d(2024, 1, 1), d(2024, 12, 31))

    assert fig["person_years"] == pytest.approx(1281 / 365.25)
    assert fig["promotions_per_100py"] == pytest.approx(2 / (1281 / 365.25) * 100)
    assert fig["transfers_per_100py"] == pytest.approx(1 / (1281 / 365.25) * 100)
    assert fig["to_promotion"] == {"n": 2, "promoted": 1, "censored": 1,
                                   "median_months": pytest.approx(184 / 30.4375)}


# --- Sentiment ---------------------------------------------------------------------------------

def sentiment_history():
    return f.History(people=3, sv_person=[0, 1, 0, 2], sv_score=[5, 3, 4, 2],
                     sv_day=[d(2025, 1, 6), d(2025, 1, 7), d(2025, 1, 14), d(2025, 1, 15)],
                     sv_comment=["Clear next step", "", "Useful", "Too short"])


def test_sentiment_mean_share_and_weekly_trend():
    # Scores 5 3 4 2 → mean 14/4 = 3.5; 4–5: two of four. Week of 6 Jan: 5, 3 (people 0, 1) → 4.0;
    # week of 13 Jan: 4, 2 (people 0, 2) → 3.0. Comments newest first, without who wrote them.
    fig = f.sentiment(sentiment_history(), everyone(3), d(2025, 1, 1), d(2025, 3, 1), k=3)

    assert (fig["n"], fig["answers"], fig["mean"], fig["share_4_5"]) == (3, 4, 3.5, 0.5)
    assert [(t["week"], t["n"], t["mean"]) for t in fig["trend"]] == [(d(2025, 1, 6), 2, 4.0),
                                                                      (d(2025, 1, 13), 2, 3.0)]
    assert fig["comments"] == ["Too short", "Useful", "Clear next step"]


def test_sentiment_comments_only_when_the_group_meets_k():
    fig = f.sentiment(sentiment_history(), everyone(3), d(2025, 1, 1), d(2025, 3, 1), k=5)

    assert fig["comments"] == []


# --- Bootstrap ---------------------------------------------------------------------------------

def test_bootstrap_of_constant_groups_has_a_point_interval():
    # Everyone in A ramps at day 10, everyone in B at day 20: every resample gives 10 − 20.
    boot = bootstrap_median_difference([10] * 20, [1] * 20, [20] * 20, [1] * 20)

    assert (boot["difference"], boot["low"], boot["high"]) == (-10, -10, -10)
    assert boot["resamples"] >= 1000 and boot["usable"] == boot["resamples"]


def test_bootstrap_is_repeatable_and_brackets_the_difference():
    rng = np.random.default_rng(1)
    a, b = rng.integers(5, 40, 60), rng.integers(20, 60, 60)
    first = bootstrap_median_difference(a, np.ones(60), b, np.ones(60))
    second = bootstrap_median_difference(a, np.ones(60), b, np.ones(60))

    assert first == second
    # No censoring: S = (60 − i)/60 reaches .5 at the 30th smallest time, in each group.
    assert first["difference"] == np.sort(a)[29] - np.sort(b)[29]
    assert first["low"] <= first["difference"] <= first["high"]


def test_bootstrap_without_a_reached_median_is_not_estimable():
    boot = bootstrap_median_difference([4, 6, 7, 9], [1, 0, 0, 0], [1, 2], [1, 1])

    assert boot["difference"] is None and boot["low"] is None


# --- Privacy -----------------------------------------------------------------------------------

def test_figures_below_k_are_suppressed_without_their_values():
    shown = apply_k({"a": {"n": 4, "median": 12}, "b": {"n": 5, "median": 9}, "c": {"n": 0, "median": None}}, 5)

    assert shown["a"] == {"suppressed": True, "reason": "fewer than 5"}
    assert shown["b"] == {"n": 5, "median": 9}
    assert shown["c"] == {"n": 0, "median": None}  # no data: nothing to reveal


def test_a_figure_isolating_fewer_than_k_against_its_parent_is_suppressed():
    # Parent 9, group 7: subtracting reveals 2 people → suppressed. Parent 7, group 7: nothing left out.
    assert apply_k({"x": {"n": 7, "v": 1}}, 5, {"x": {"n": 9, "v": 2}})["x"].get("suppressed")
    assert apply_k({"x": {"n": 7, "v": 1}}, 5, {"x": {"n": 7, "v": 1}})["x"] == {"n": 7, "v": 1}
    assert apply_k({"x": {"n": 7, "v": 1}}, 5, {"x": {"n": 12, "v": 2}})["x"] == {"n": 7, "v": 1}


def test_group_too_small_or_leaving_too_few_out():
    assert group_too_small(4, 5) and group_too_small(8, 5, parent_size=10)
    assert not group_too_small(8, 5, parent_size=8) and not group_too_small(8, 5, parent_size=13)


def group_history():
    # Ten people all hired 1 Jan 2025; people 0–5 are mentees in a cohort (Jan), 6–9 are not.
    # p0–p5 ramp after 10 days; p6–p9 after 30 days.
    return f.History(
        people=10, ev_person=list(range(10)), ev_kind=[f.HIRE] * 10, ev_day=[d(2025, 1, 1)] * 10,
        ms_person=list(range(10)), ms_day=[d(2025, 1, 11)] * 6 + [d(2025, 1, 31)] * 4,
        p_person=list(range(6)), p_role=[f.MENTEE] * 6, p_start=[d(2025, 1, 6)] * 6, p_end=[d(2025, 2, 2)] * 6,
        p_cohort=[0] * 6, p_program=[0] * 6)


def test_a_group_below_k_shows_no_figure_at_all():
    member = np.zeros(10, dtype=bool)
    member[:4] = True
    payload, _ = group_payload(group_history(), member, d(2025, 1, 1), d(2025, 3, 1), Policy(k=5))

    assert [n for n, _ in figure_values(payload) if n] == []
    assert payload["group"]["suppressed"] and payload["ramp"]["suppressed"]


def test_comparison_side_below_k_suppresses_both_sides_and_the_difference():
    # 6 participants vs 4 others with k = 5: the 4 are below k, and the 6 are their complement.
    payload, _ = group_payload(group_history(), everyone(10), d(2025, 1, 1), d(2025, 3, 1), Policy(k=5))
    ramp = payload["comparison"]["ramp_days"]

    assert ramp["participants"]["suppressed"] and ramp["comparison"]["suppressed"] and ramp["difference"] is None
    assert payload["ramp"]["n"] == 10 and payload["ramp"]["median_days"] == 10  # S(10) = 4/10 ≤ .5


def test_comparison_with_both_sides_at_k_shows_both_n_and_the_interval():
    # k = 4: participants ramp in 10 days (n 6), the others in 30 (n 4) → difference −20, a point interval.
    payload, _ = group_payload(group_history(), everyone(10), d(2025, 1, 1), d(2025, 3, 1), Policy(k=4))
    ramp = payload["comparison"]["ramp_days"]

    assert (ramp["participants"]["n"], ramp["comparison"]["n"]) == (6, 4)
    assert (ramp["participants"]["median"], ramp["comparison"]["median"]) == (10, 30)
    assert (ramp["difference"]["difference"], ramp["difference"]["low"], ramp["difference"]["high"]) == (-20, -20, -20)


def test_a_team_filter_that_leaves_fewer_than_k_of_the_parent_out_is_suppressed():
    # Parent: all 10; the filter keeps 8 → 2 left out < k = 5 → the whole combination is suppressed.
    h = group_history()
    parent_payload, parent_raw = group_payload(h, everyone(10), d(2025, 1, 1), d(2025, 3, 1), Policy(k=5))
    member = everyone(10)
    member[:2] = False

    payload, _ = group_payload(h, member, d(2025, 1, 1), d(2025, 3, 1), Policy(k=5),
                               parent=(everyone(10), parent_raw))

    assert parent_payload["ramp"]["n"] == 10
    assert [n for n, _ in figure_values(payload) if n] == []


# --- Shortcuts give the same figures ------------------------------------------------------------

def random_history(seed=3, people=60):
    rng = np.random.default_rng(seed)
    frm, n = d(2025, 1, 1), 400
    return f.History(
        people=people, team=rng.integers(0, 4, people),
        ev_person=rng.integers(0, people, 80), ev_day=rng.integers(frm - 100, frm + 200, 80),
        ev_kind=rng.integers(0, 3, 80),
        ms_person=rng.integers(0, people, 50), ms_day=rng.integers(frm - 50, frm + 250, 50),
        s_mentor=rng.integers(0, 10, n), s_mentee=rng.integers(10, people, n),
        s_day=rng.integers(frm - 60, frm + 200, n),
        s_status=rng.integers(0, 3, n), s_minutes=rng.integers(10, 35, n), s_steps=rng.integers(0, 2, n),
        st_owner=rng.integers(0, people, n), st_session_day=rng.integers(frm - 60, frm + 200, n),
        st_created_day=rng.integers(frm - 60, frm + 200, n), st_due_day=rng.integers(frm - 50, frm + 210, n),
        st_done_day=np.where(rng.random(n) < .6, rng.integers(frm - 50, frm + 210, n), f.NOT_DONE),
        sv_person=rng.integers(0, people, n), sv_day=rng.integers(frm - 60, frm + 200, n),
        sv_score=rng.integers(1, 6, n), sv_comment=[f"c{i}" if i % 4 == 0 else "" for i in range(n)],
        p_person=rng.integers(0, people, 40), p_role=rng.integers(0, 2, 40),
        p_start=rng.integers(frm - 30, frm + 150, 40), p_end=rng.integers(frm + 160, frm + 190, 40),
        p_cohort=rng.integers(0, 3, 40), p_program=rng.integers(0, 2, 40))


def plain(figures):
    """Figures without the working arrays, for comparison."""
    if isinstance(figures, dict):
        return {k: plain(v) for k, v in figures.items() if not k.startswith("_")}
    if isinstance(figures, list):
        return [plain(v) for v in figures]
    return figures


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_window_and_restrict_give_the_figures_of_the_whole_history(seed):
    from metrics.compute.groups import raw_figures

    h = random_history(seed)
    frm, to = d(2025, 2, 1), d(2025, 5, 31)
    member = h.team == seed % 4

    whole = raw_figures(h, member, frm, to, Policy(k=2))
    cut = raw_figures(h.window(frm, to).restrict(member), member, frm, to, Policy(k=2))

    assert whole["ramp"]["n"] + whole["micro_outcome"]["sessions"] > 0  # the group has data to compare
    assert plain(cut) == plain(whole)


def test_participants_are_cohort_members_and_people_in_held_sessions():
    from metrics.compute.groups import participants_mask

    h = session_history()
    # 1 Jan – 1 Mar: the cohort (0, 1, mentor 9) plus s8's mentor 8 and mentee 2 (held, no cohort).
    # 14 Jan only: the cohort overlaps; the one session that day (s4, mentee 2) was cancelled.
    assert np.flatnonzero(participants_mask(h, d(2025, 1, 1), d(2025, 3, 1))).tolist() == [0, 1, 2, 8, 9]
    assert np.flatnonzero(participants_mask(h, d(2025, 1, 14), d(2025, 1, 14))).tolist() == [0, 1, 9]
