"""Program pages: the manager's flow end to end, roles, and flat query counts."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from mentoring import services
from mentoring import services_programs as svc
from mentoring.models_programs import Cohort, Pair, PairingRun, Participant, Program
from tests.factories_programs import CohortFactory, PairFactory, ParticipantFactory, ProgramFactory

pytestmark = [pytest.mark.django_db]


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def test_manager_creates_a_cohort_adds_by_filter_runs_locks_and_publishes(
        org_a, manager, mentor, mentee, client_for, django_capture_on_commit_callbacks):
    services.person_update(actor=manager, membership=mentor, work_items=[("Payments v2", "")])
    services.person_update(actor=manager, membership=mentee, work_items=[("Payments v2", "")],
                           hire_date=date.today() - timedelta(days=10))
    client = client_for(manager)

    created = client.post(url("program_create", org_a), {
        "name": "Onboarding", "kind": "cohort", "recent_cohorts": 2, "min_shared_hours": 1,
        "cohort_name": "Spring", "cohort_starts_on": "2026-03-02", "cohort_ends_on": "2026-04-13"})
    cohort = Cohort.objects.for_org(org_a).get()
    by_filter = client.post(url("cohort_participants", org_a, cohort_id=cohort.pk),
                            {"how": "filter", "role": "mentee", "hired_within_days": 90})
    picked = client.post(url("cohort_participants", org_a, cohort_id=cohort.pk),
                         {"how": "pick", "role": "mentor", "people": [str(mentor.pk)]})
    ran = client.post(url("cohort_pairing_run", org_a, cohort_id=cohort.pk), follow=True)
    pair = Pair.objects.for_org(org_a).get()
    locked = client.post(url("pair_lock", org_a, pair_id=pair.pk))
    rerun = client.post(url("cohort_pairing_run", org_a, cohort_id=cohort.pk))
    confirm = client.get(url("cohort_publish", org_a, cohort_id=cohort.pk))
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(url("cohort_publish", org_a, cohort_id=cohort.pk))
    home = client_for(mentee).get(url("org_home", org_a))

    assert created.status_code == 302 and by_filter.status_code == 302 and picked.status_code == 302
    assert ran.status_code == 200
    assert "both on Payments v2" in ran.content.decode()
    assert locked.status_code == rerun.status_code == published.status_code == 302
    assert Pair.objects.for_org(org_a).get().pk == pair.pk  # kept by the re-run
    assert "Publish" in confirm.content.decode()
    assert Cohort.objects.for_org(org_a).get().status == "published"
    assert re.search(r"Your mentor: Otto Mentor", home.content.decode())


def test_program_form_with_too_short_a_cohort_is_a_400_with_the_field_message(org_a, manager, client_for):
    response = client_for(manager).post(url("program_create", org_a), {
        "name": "Onboarding", "kind": "cohort", "recent_cohorts": 2, "min_shared_hours": 1,
        "cohort_name": "Spring", "cohort_starts_on": "2026-03-02", "cohort_ends_on": "2026-03-20"})

    assert response.status_code == 400
    assert "4 to 8 weeks" in response.content.decode()
    assert not Program.objects.for_org(org_a).exists()


def test_a_refused_swap_shows_the_rule_with_status_400(org_a, manager, client_for):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a))
    one, two = PairFactory(cohort=cohort), PairFactory(cohort=cohort)
    one.mentee.opt_outs.set([two.mentor.membership])

    response = client_for(manager).post(url("cohort_swap", org_a, cohort_id=cohort.pk),
                                        {"pair": str(one.pk), "other": str(two.pk)})

    assert response.status_code == 400
    assert "opted out" in response.content.decode()


@pytest.fixture
def cohort_world(org_a):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a))
    pair = PairFactory(cohort=cohort)
    run = PairingRun.objects.for_org(org_a).create(organization=org_a, cohort=cohort, status="done")
    return {"program_id": cohort.program_id, "cohort_id": cohort.pk, "participant_id": pair.mentee_id,
            "pair_id": pair.pk, "run_id": run.pk}


MANAGER_ROUTES = {
    "program_list": ((), "GET"), "program_create": ((), "GET"), "program_detail": (("program_id",), "GET"),
    "cohort_create": (("program_id",), "GET"), "cohort_detail": (("cohort_id",), "GET"),
    "cohort_participants": (("cohort_id",), "GET"),
    "participant_edit": (("cohort_id", "participant_id"), "GET"),
    "participant_remove": (("cohort_id", "participant_id"), "POST"),
    "cohort_pairing_run": (("cohort_id",), "POST"), "cohort_swap": (("cohort_id",), "POST"),
    "cohort_assign": (("cohort_id",), "POST"), "cohort_publish": (("cohort_id",), "GET"),
    "cohort_end": (("cohort_id",), "GET"), "cohort_history": (("cohort_id",), "GET"),
    "pairing_run_progress": (("run_id",), "GET"), "pair_lock": (("pair_id",), "POST"),
    "pair_unlock": (("pair_id",), "POST"), "pair_unpair": (("pair_id",), "POST"),
}


@pytest.mark.parametrize("name", sorted(MANAGER_ROUTES))
@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_a_member_without_the_manager_role_gets_403_and_the_manager_does_not(
        name, who, request, org_a, manager, cohort_world, client_for):
    keys, method = MANAGER_ROUTES[name]
    target = url(name, org_a, **{k: cohort_world[k] for k in keys})
    member = request.getfixturevalue(who)

    refused = getattr(client_for(member), method.lower())(target)
    allowed = getattr(client_for(manager), method.lower())(target)

    assert refused.status_code == 403
    assert allowed.status_code not in (403, 404)


def test_pages_list_every_route_of_the_program_urls():
    from mentoring.urls_programs import urlpatterns

    assert {p.name for p in urlpatterns} == set(MANAGER_ROUTES)


def test_progress_fragment_polls_while_open_and_reloads_the_page_when_done(org_a, manager, client_for):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a))
    run = PairingRun.objects.for_org(org_a).create(organization=org_a, cohort=cohort, status="running",
                                                       progress=60, stage="Finding the best pairs", mentee_count=300)
    client = client_for(manager)
    target = url("pairing_run_progress", org_a, run_id=run.pk)

    running = client.get(target, HTTP_HX_REQUEST="true")
    run.status, run.progress = "done", 100
    run.save()
    done = client.get(target, HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert 'value="60"' in running.content.decode()
    assert "HX-Refresh" not in running
    assert done["HX-Refresh"] == "true"


# --- Query counts stay flat -------------------------------------------------------------------------

def cohort_of(org, pairs: int):
    cohort = CohortFactory(program=ProgramFactory(organization=org, name=f"P{pairs}"))
    for _ in range(pairs):
        pair = PairFactory(cohort=cohort, reasons=["both on Ledger"])
        ParticipantFactory(cohort=cohort, role="mentee", unmatched_why="all 1 mentor(s) are full")
        pair.mentee.goal_skills.set(services._skills_for(org, ["Go"]))
    return cohort


def queries_for(client, target) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(target)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["cohort_detail", "cohort_participants", "cohort_history"])
def test_cohort_pages_cost_the_same_queries_for_2_and_12_pairs(name, org_a, manager, client_for):
    small, large = cohort_of(org_a, 2), cohort_of(org_a, 12)
    client = client_for(manager)
    for cohort in (small, large):
        svc.pair_lock(actor=manager, pair=Pair.objects.for_org(org_a).filter(cohort=cohort).first())

    counts = [queries_for(client, url(name, org_a, cohort_id=c.pk))
              for c in (small, large)]

    assert counts[0] == counts[1]


def test_program_list_costs_the_same_queries_for_1_and_8_programs(org_a, manager, client_for):
    client = client_for(manager)
    ProgramFactory(organization=org_a)
    one = queries_for(client, url("program_list", org_a))
    for _ in range(7):
        CohortFactory(program=ProgramFactory(organization=org_a))
    eight = queries_for(client, url("program_list", org_a))

    assert one == eight


def test_the_mentee_home_shows_only_published_pairs(org_a, manager, client_for):
    cohort = CohortFactory(program=ProgramFactory(organization=org_a, name="Onboarding"))
    pair = PairFactory(cohort=cohort, reasons=["both on Ledger"])
    client = client_for(pair.mentee.membership)

    draft = client.get(url("org_home", org_a)).content.decode()
    cohort.status = Cohort.Status.PUBLISHED
    cohort.save()
    published = client.get(url("org_home", org_a)).content.decode()

    assert "Your mentor" not in draft
    assert f"Your mentor: {pair.mentor.membership.display_name}" in published
    assert "both on Ledger" in published
    assert Participant.objects.for_org(org_a).count() == 2


def test_the_home_shows_published_pairs_without_a_query_per_pair(org_a, client_for, django_assert_num_queries):
    # The pairs query loads only the columns the home shows; a deferred column read per pair would add queries.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cohort = CohortFactory(program=ProgramFactory(organization=org_a, name="Onboarding"))
    pair = PairFactory(cohort=cohort, reasons=["both on Ledger"])
    client = client_for(pair.mentee.membership)
    client.get(url("org_home", org_a))
    with CaptureQueriesContext(connection) as draft:
        client.get(url("org_home", org_a))
    cohort.status = Cohort.Status.PUBLISHED
    cohort.save()

    with django_assert_num_queries(len(draft)):
        published = client.get(url("org_home", org_a)).content.decode()
    assert f"Your mentor: {pair.mentor.membership.display_name}" in published
    assert "Onboarding" in published and cohort.name in published
