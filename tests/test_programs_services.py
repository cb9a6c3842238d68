"""Program use cases: cohorts, participants, pairing runs around locked pairs,
swaps, publishing, history; and the database → engine instance builder."""

from datetime import date, timedelta

import pytest
from django.core import mail

from mentoring import services
from mentoring import services_programs as svc
from mentoring.services_programs import pairing as program_pairing
from mentoring.errors import Conflict, DomainError, NotPermitted
from mentoring.models_programs import Cohort, Pair, PairChange, PairingRun, Participant, Program
from mentoring.selectors_programs import pairing_instance
from mentoring.tasks_programs import pairing_run_task
from tests.factories import PersonFactory
from tests.factories_programs import CohortFactory, PairFactory, ParticipantFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def someone(org, actor, name, work=(), skills=(), **fields):
    person = PersonFactory(organization=org, display_name=name, email=f"{name.lower().replace(' ', '.')}@acme.test",
                           **fields)
    services.person_update(actor=actor, membership=person, skills=list(skills),
                           work_items=[(item, "") for item in work])
    return person


def join(cohort, person, role="mentee", **fields):
    return ParticipantFactory(cohort=cohort, membership=person, role=role, **fields)


@pytest.fixture
def cohort(org_a):
    return CohortFactory(program=ProgramFactory(organization=org_a, name="Onboarding"))


def pairs_by_name(cohort):
    return {p.mentee.membership.display_name: p.mentor.membership.display_name
            for p in Pair.objects.for_org(cohort.organization).filter(cohort=cohort)
            .select_related("mentee__membership", "mentor__membership")}


# --- Programs and cohorts -----------------------------------------------------------------

@pytest.mark.parametrize("days", [28, 42, 56])
def test_a_cohort_of_4_to_8_weeks_is_created_with_the_org_ratio(manager, days):
    program = svc.program_create(actor=manager, name="Onboarding")

    cohort = svc.cohort_create(actor=manager, program=program, name="Spring", starts_on=date(2026, 3, 2),
                               ends_on=date(2026, 3, 2) + timedelta(days=days))

    assert cohort.ratio == manager.organization.cohort_ratio == 6
    assert cohort.status == Cohort.Status.DRAFT


@pytest.mark.parametrize("days", [-7, 0, 27, 57, 90])
def test_a_cohort_shorter_than_4_or_longer_than_8_weeks_is_refused(manager, days):
    program = svc.program_create(actor=manager, name="Onboarding")

    with pytest.raises(DomainError) as error:
        svc.cohort_create(actor=manager, program=program, name="Spring", starts_on=date(2026, 3, 2),
                          ends_on=date(2026, 3, 2) + timedelta(days=days))

    assert "4 to 8 weeks" in error.value.errors["ends_on"][0]
    assert not Cohort.objects.for_org(manager.organization).exists()


def test_program_with_a_bad_first_cohort_names_the_cohort_field_and_creates_nothing(manager):
    with pytest.raises(DomainError) as error:
        svc.program_create(actor=manager, name="Onboarding", first_cohort={
            "name": "Spring", "starts_on": date(2026, 3, 2), "ends_on": date(2026, 3, 9)})

    assert "cohort_ends_on" in error.value.errors
    assert not Program.objects.for_org(manager.organization).exists()


def test_a_mentor_cannot_create_a_program(mentor):
    with pytest.raises(NotPermitted):
        svc.program_create(actor=mentor, name="Mine")


def test_a_network_program_has_no_cohorts(manager):
    program = svc.program_create(actor=manager, name="Guild", kind="network")

    with pytest.raises(DomainError):
        svc.cohort_create(actor=manager, program=program, name="C", starts_on=date(2026, 3, 2),
                          ends_on=date(2026, 4, 2))


# --- Participants ------------------------------------------------------------------------------

def test_filter_hired_in_the_last_90_days_adds_only_recent_hires(org_a, manager, cohort):
    today = date(2026, 2, 20)
    recent = someone(org_a, manager, "Rita Recent", hire_date=today - timedelta(days=30))
    edge = someone(org_a, manager, "Eddie Edge", hire_date=today - timedelta(days=90))
    someone(org_a, manager, "Olaf Old", hire_date=today - timedelta(days=91))
    someone(org_a, manager, "Nina Nodate")

    result = svc.participants_add_by_filter(actor=manager, cohort=cohort, role="mentee", hired_within_days=90,
                                            today=today)

    added = set(Participant.objects.for_org(org_a).filter(cohort=cohort).values_list("membership_id", flat=True))
    assert result["added"] == 2
    assert added == {recent.pk, edge.pk}


def test_filter_by_team_and_title_skips_people_already_in_the_cohort(org_a, manager, cohort):
    lead = someone(org_a, manager, "Lea Lead", team="Payments", title="Staff Engineer")
    someone(org_a, manager, "Sam Sales", team="Sales", title="Staff Engineer")
    join(cohort, lead, role="mentor")

    result = svc.participants_add_by_filter(actor=manager, cohort=cohort, role="mentor", team="Payments",
                                            title="staff")

    assert (result["added"], result["skipped"]) == (0, 1)


def test_picking_a_person_of_another_org_is_refused(manager, cohort, outsider):
    with pytest.raises(DomainError) as error:
        svc.participants_add(actor=manager, cohort=cohort, role="mentee", membership_ids=[outsider.pk])

    assert "membership_ids" in error.value.errors
    assert not Participant.objects.for_org(cohort.organization).exists()


def test_csv_of_emails_and_roles_adds_everyone_or_nobody(org_a, manager, cohort):
    someone(org_a, manager, "Ann Alpha")
    someone(org_a, manager, "Bob Beta")

    with pytest.raises(DomainError) as error:
        svc.participants_add_csv(actor=manager, cohort=cohort,
                                 content="email,role\nann.alpha@acme.test,mentor\nnobody@acme.test,mentee\n")
    assert "nobody@acme.test" in error.value.errors["file"][0]
    assert not Participant.objects.for_org(org_a).exists()

    result = svc.participants_add_csv(actor=manager, cohort=cohort,
                                      content=b"email,role\nann.alpha@acme.test,mentor\nBOB.BETA@acme.test,mentee\n")

    roles = dict(Participant.objects.for_org(org_a).values_list("membership__display_name", "role"))
    assert result["added"] == 2
    assert roles == {"Ann Alpha": "mentor", "Bob Beta": "mentee"}


def test_participant_update_sets_goals_skills_capacity_and_opt_outs(org_a, manager, cohort):
    mentor_p = join(cohort, someone(org_a, manager, "Max Mentor"), role="mentor")
    mentee_p = join(cohort, someone(org_a, manager, "Mia Mentee"))

    svc.participant_update(actor=manager, participant=mentor_p, capacity=2)
    svc.participant_update(actor=manager, participant=mentee_p, goals="Lead a design review",
                           goal_skills=["System design", "system-design"], opt_outs=[mentor_p.membership_id])

    mentor_p.refresh_from_db()
    mentee_p.refresh_from_db()
    assert mentor_p.effective_capacity == 2
    assert [s.name for s in mentee_p.goal_skills.all()] == ["System design"]
    assert list(mentee_p.opt_outs.all()) == [mentor_p.membership]


def test_a_mentee_has_no_capacity(org_a, manager, cohort):
    mentee_p = join(cohort, someone(org_a, manager, "Mia Mentee"))

    with pytest.raises(DomainError):
        svc.participant_update(actor=manager, participant=mentee_p, capacity=3)


# --- The database → engine instance -------------------------------------------------------------------

def test_mentee_on_payments_v2_gets_the_mentor_on_payments_v2_with_that_reason(org_a, manager, cohort):
    pat = someone(org_a, manager, "Pat Payments", work=["Payments v2"], skills=["Go"])
    someone_else = someone(org_a, manager, "Sid Search", work=["Search relevance"], skills=["Go"])
    mina = someone(org_a, manager, "Mina Newhire", work=["payments  V2"])
    join(cohort, pat, role="mentor")
    join(cohort, someone_else, role="mentor")
    join(cohort, mina)

    run = svc.pairing_run(actor=manager, cohort=cohort)

    pair = Pair.objects.for_org(org_a).select_related("mentor__membership").get(cohort=cohort)
    assert run.status == PairingRun.Status.DONE
    assert pair.mentor.membership == pat
    assert "both on payments  V2" in pair.reasons
    assert pair.score > 0


def test_instance_carries_goals_hours_managers_opt_outs_and_recent_mentors(org_a, manager, cohort):
    boss = someone(org_a, manager, "Bea Boss", skills=["Hiring"], time_zone="America/New_York")
    report = someone(org_a, manager, "Rob Report", manager=boss)
    old_mentor = someone(org_a, manager, "Olly Old")
    previous = CohortFactory(program=cohort.program, starts_on=date(2026, 1, 5), status=Cohort.Status.ENDED)
    PairFactory(cohort=previous, mentee=join(previous, report), mentor=join(previous, old_mentor, role="mentor"))
    join(cohort, boss, role="mentor", capacity=3)
    mentee_p = join(cohort, report)
    mentee_p.goal_skills.set(services._skills_for(org_a, ["Hiring"]))
    mentee_p.opt_outs.set([old_mentor])

    built = pairing_instance(cohort)

    (mentee,), (mentor,) = built.instance["mentees"], built.instance["mentors"]
    assert mentee == {"id": str(report.pk), "work_items": [], "tz": "Europe/Berlin",
                      "working_hours": ["09:00", "17:00"], "manager_id": str(boss.pk),
                      "opt_outs": [str(old_mentor.pk)], "goals": ["Hiring"], "recent_mentors": [str(old_mentor.pk)]}
    assert (mentor["capacity"], mentor["skills"], mentor["tz"]) == (3, ["Hiring"], "America/New_York")
    assert built.instance["reference_date"] == "2026-03-02"


# --- Pairing runs --------------------------------------------------------------------------------------------

def test_pairing_respects_capacity_and_says_why_a_mentee_is_unmatched(org_a, manager, cohort):
    join(cohort, someone(org_a, manager, "Max Mentor"), role="mentor", capacity=1)
    join(cohort, someone(org_a, manager, "Ann Alpha"))
    join(cohort, someone(org_a, manager, "Bob Beta"))

    run = svc.pairing_run(actor=manager, cohort=cohort)

    waiting = Participant.objects.for_org(org_a).get(cohort=cohort, role="mentee", pair__isnull=True)
    assert (run.pair_count, run.unmatched_count) == (1, 1)
    assert "full" in waiting.unmatched_why


def test_pairing_honours_opt_outs_and_the_manager_rule(org_a, manager, cohort):
    boss = someone(org_a, manager, "Bea Boss", work=["Ledger"])
    other = someone(org_a, manager, "Olly Other")
    third = someone(org_a, manager, "Tess Third", work=["Ledger"])
    join(cohort, boss, role="mentor")
    join(cohort, other, role="mentor")
    join(cohort, third, role="mentor")
    join(cohort, someone(org_a, manager, "Rob Report", work=["Ledger"], manager=boss))
    picky = join(cohort, someone(org_a, manager, "Pia Picky", work=["Ledger"]))
    picky.opt_outs.set([third])

    svc.pairing_run(actor=manager, cohort=cohort)

    pairs = pairs_by_name(cohort)
    assert pairs["Rob Report"] == "Tess Third"  # not his own manager
    assert pairs["Pia Picky"] == "Bea Boss"  # not the mentor she opted out of


def test_an_unmatched_mentee_whose_only_mentor_is_their_manager_is_told_so(org_a, manager, cohort):
    boss = someone(org_a, manager, "Bea Boss")
    join(cohort, boss, role="mentor")
    join(cohort, someone(org_a, manager, "Rob Report", manager=boss))

    run = svc.pairing_run(actor=manager, cohort=cohort)

    assert run.unmatched_count == 1
    assert "manager or direct report" in Participant.objects.for_org(org_a).get(role="mentee").unmatched_why


def test_rerun_keeps_locked_pairs_and_reduces_those_mentors_capacity(org_a, manager, cohort):
    star = join(cohort, someone(org_a, manager, "Sue Star", work=["Ledger"]), role="mentor", capacity=2)
    join(cohort, someone(org_a, manager, "Pete Plain", work=["Search"]), role="mentor", capacity=2)
    ann = join(cohort, someone(org_a, manager, "Ann Alpha", work=["Ledger"]))
    join(cohort, someone(org_a, manager, "Bob Beta", work=["Search"]))
    join(cohort, someone(org_a, manager, "Cal Gamma", work=["Ledger"]))
    svc.pairing_run(actor=manager, cohort=cohort)
    first = pairs_by_name(cohort)
    locked = Pair.objects.for_org(org_a).get(mentee=ann)
    svc.pair_lock(actor=manager, pair=locked)
    # Ann now suits Pete better and Dan wants Sue too: only the lock keeps Ann with Sue.
    services.person_update(actor=manager, membership=ann.membership, work_items=[("Search", "")])
    join(cohort, someone(org_a, manager, "Dan Delta", work=["Ledger"]))

    svc.pairing_run(actor=manager, cohort=cohort)

    second = pairs_by_name(cohort)
    assert first == {"Ann Alpha": "Sue Star", "Bob Beta": "Pete Plain", "Cal Gamma": "Sue Star"}
    assert Pair.objects.for_org(org_a).get(mentee=ann).pk == locked.pk
    assert second["Ann Alpha"] == "Sue Star"
    assert Pair.objects.for_org(org_a).filter(mentor=star).count() == 2  # the lock used one of her two places
    assert len(second) == 4


def test_the_next_cohort_rotates_away_from_last_pairs(org_a, manager, cohort):
    star = someone(org_a, manager, "Sue Star", work=["Ledger"])
    plain = someone(org_a, manager, "Pete Plain")
    ann = someone(org_a, manager, "Ann Alpha", work=["Ledger"])
    for person, role in ((star, "mentor"), (plain, "mentor"), (ann, "mentee")):
        join(cohort, person, role=role)
    svc.pairing_run(actor=manager, cohort=cohort)
    svc.cohort_publish(actor=manager, cohort=cohort)
    svc.cohort_end(actor=manager, cohort=cohort)
    following = svc.cohort_create(actor=manager, program=cohort.program, name="Next", starts_on=date(2026, 5, 4),
                                  ends_on=date(2026, 6, 15))
    for person, role in ((star, "mentor"), (plain, "mentor"), (ann, "mentee")):
        join(following, person, role=role)

    svc.pairing_run(actor=manager, cohort=following)

    assert pairs_by_name(cohort) == {"Ann Alpha": "Sue Star"}
    assert pairs_by_name(following) == {"Ann Alpha": "Pete Plain"}


def test_a_second_run_while_one_is_open_is_a_conflict(org_a, manager, cohort):
    join(cohort, someone(org_a, manager, "Max Mentor"), role="mentor")
    join(cohort, someone(org_a, manager, "Ann Alpha"))
    PairingRun.objects.for_org(org_a).create(organization=org_a, cohort=cohort, status="running")

    with pytest.raises(Conflict):
        svc.pairing_run(actor=manager, cohort=cohort)


def test_large_cohorts_pair_in_the_background_with_progress(org_a, manager, cohort, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    monkeypatch.setattr(program_pairing, "BACKGROUND_FROM_MENTEES", 2)  # a "large" cohort without 200 people
    join(cohort, someone(org_a, manager, "Max Mentor"), role="mentor")
    join(cohort, someone(org_a, manager, "Ann Alpha"))
    join(cohort, someone(org_a, manager, "Bob Beta"))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = svc.pairing_run(actor=manager, cohort=cohort)
    queued = (run.status, run.progress, Pair.objects.for_org(org_a).count())
    status = pairing_run_task(str(run.pk))  # what the worker runs
    run.refresh_from_db()

    assert run.in_background and len(callbacks) == 1
    assert queued == ("queued", 0, 0)
    assert (status, run.progress, run.pair_count) == ("done", 100, 2)
    assert pairing_run_task(str(run.pk)) == "done"  # a redelivered task changes nothing
    assert Pair.objects.for_org(org_a).count() == 2


# --- Adjusting pairs ---------------------------------------------------------------------------------------------

@pytest.fixture
def two_pairs(org_a, manager, cohort):
    a_mentor = join(cohort, someone(org_a, manager, "Ada Mentor", work=["Ledger"]), role="mentor", capacity=1)
    b_mentor = join(cohort, someone(org_a, manager, "Ben Mentor", work=["Search"]), role="mentor", capacity=1)
    ann = join(cohort, someone(org_a, manager, "Ann Alpha", work=["Ledger"]))
    bob = join(cohort, someone(org_a, manager, "Bob Beta", work=["Search"]))
    svc.pairing_run(actor=manager, cohort=cohort)
    pairs = {p.mentee_id: p for p in Pair.objects.for_org(org_a).filter(cohort=cohort)}
    return pairs[ann.pk], pairs[bob.pk], a_mentor, b_mentor


def test_swap_exchanges_mentors_rescores_and_is_recorded(manager, two_pairs):
    ann_pair, bob_pair, a_mentor, b_mentor = two_pairs

    svc.pair_swap(actor=manager, pair=ann_pair, other=bob_pair)

    ann_pair.refresh_from_db()
    bob_pair.refresh_from_db()
    change = PairChange.objects.for_org(manager.organization).filter(action="swap").get()
    assert (ann_pair.mentor_id, bob_pair.mentor_id) == (b_mentor.pk, a_mentor.pk)
    assert not any("both on" in r for r in ann_pair.reasons)
    assert change.actor == manager
    assert [p["mentor"] for p in change.before["pairs"]] == ["Ada Mentor", "Ben Mentor"]
    assert [p["mentor"] for p in change.after["pairs"]] == ["Ben Mentor", "Ada Mentor"]


def test_swap_that_breaks_an_opt_out_is_refused_and_changes_nothing(manager, two_pairs):
    ann_pair, bob_pair, a_mentor, b_mentor = two_pairs
    ann_pair.mentee.opt_outs.set([b_mentor.membership])

    with pytest.raises(DomainError) as error:
        svc.pair_swap(actor=manager, pair=ann_pair, other=bob_pair)

    ann_pair.refresh_from_db()
    assert "opted out" in error.value.first_message
    assert ann_pair.mentor_id == a_mentor.pk


def test_a_locked_pair_cannot_be_swapped_or_unpaired(manager, two_pairs):
    ann_pair, bob_pair, _, _ = two_pairs
    svc.pair_lock(actor=manager, pair=ann_pair)

    with pytest.raises(Conflict):
        svc.pair_swap(actor=manager, pair=ann_pair, other=bob_pair)
    with pytest.raises(Conflict):
        svc.pair_unpair(actor=manager, pair=ann_pair)


def test_unpair_then_assign_by_hand_checks_capacity_and_locks(manager, two_pairs):
    ann_pair, bob_pair, a_mentor, b_mentor = two_pairs
    ann = svc.pair_unpair(actor=manager, pair=ann_pair)

    with pytest.raises(DomainError) as full:
        svc.pair_assign(actor=manager, mentee=ann, mentor=b_mentor)
    pair = svc.pair_assign(actor=manager, mentee=ann, mentor=a_mentor)

    assert "full" in full.value.first_message
    assert pair.locked and pair.origin == "manual"
    assert "both on Ledger" in pair.reasons


def test_every_change_leaves_a_history_row_with_who_and_what(manager, two_pairs):
    ann_pair, bob_pair, _, _ = two_pairs
    svc.pair_lock(actor=manager, pair=ann_pair)
    svc.pair_unlock(actor=manager, pair=ann_pair)
    svc.pair_unpair(actor=manager, pair=bob_pair)

    actions = list(PairChange.objects.for_org(manager.organization).order_by("at", "id")
                   .values_list("action", "actor_id"))

    assert [a for a, _ in actions] == ["run", "lock", "unlock", "unpair"]
    assert {actor for _, actor in actions} == {manager.pk}


# --- Publish and end ---------------------------------------------------------------------------------------------

def test_publish_emails_each_mentee_and_mentor_after_commit(manager, cohort, two_pairs,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        svc.cohort_publish(actor=manager, cohort=cohort)

    cohort.refresh_from_db()
    to = sorted(m.to[0] for m in mail.outbox)
    ann_mail = next(m for m in mail.outbox if m.to == ["ann.alpha@acme.test"])
    assert cohort.status == "published"
    assert to == ["ada.mentor@acme.test", "ann.alpha@acme.test", "ben.mentor@acme.test", "bob.beta@acme.test"]
    assert "Your mentor: Ada Mentor" in ann_mail.body
    assert "both on Ledger" in ann_mail.body


def test_a_published_cohort_is_fixed_and_can_end(manager, cohort, two_pairs):
    ann_pair, bob_pair, _, _ = two_pairs
    svc.cohort_publish(actor=manager, cohort=cohort)

    with pytest.raises(Conflict):
        svc.pair_swap(actor=manager, pair=ann_pair, other=bob_pair)
    with pytest.raises(Conflict):
        svc.pairing_run(actor=manager, cohort=cohort)
    ended = svc.cohort_end(actor=manager, cohort=cohort)

    assert ended.status == "ended"
    with pytest.raises(Conflict):
        svc.cohort_end(actor=manager, cohort=cohort)


def test_publishing_without_pairs_is_refused(manager, cohort):
    with pytest.raises(DomainError):
        svc.cohort_publish(actor=manager, cohort=cohort)


def test_a_mentee_cannot_run_pairing(mentee, cohort):
    with pytest.raises(NotPermitted):
        svc.pairing_run(actor=mentee, cohort=cohort)
