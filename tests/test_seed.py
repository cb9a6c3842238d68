"""``manage.py seed_demo``: the demo orgs, logins and people are there,
deterministic and idempotent."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command

from mentoring.models import Membership, Organization, Skill, User, WorkItem

pytestmark = pytest.mark.django_db

ROLES = ("manager", "mentor", "mentee", "hr")


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def people_of(slug):
    org = Organization.objects.get(slug=slug)
    return sorted(Membership.objects.for_org(org).values_list("email", "display_name", "team", "title",
                                                               "manager__email", "is_mentor", "is_mentee"))


def counts():
    orgs = list(Organization.objects.all())
    return {
        "orgs": len(orgs),
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "people": sum(Membership.objects.for_org(org).count() for org in orgs),
        "skills": sum(Skill.objects.for_org(org).count() for org in orgs),
        "work_items": sum(WorkItem.objects.for_org(org).count() for org in orgs),
        "skill_links": Membership.skills.through.objects.count(),
    }


def test_default_seed_creates_northwind_and_contoso_with_their_time_zones():
    seed()
    assert dict(Organization.objects.values_list("slug", "time_zone")) == {
        "northwind": "Europe/London", "contoso": "America/New_York"}


def test_every_demo_login_signs_in_with_a_verified_email_and_its_role():
    seed()
    for slug in ("northwind", "contoso"):
        org = Organization.objects.get(slug=slug)
        for role in ROLES:
            email = f"{role}@{slug}.example"
            user = authenticate(email=email, password="touchpoint-demo")
            assert user is not None and user.email == email
            assert EmailAddress.objects.filter(user=user, email=email, verified=True, primary=True).exists()
            assert Membership.objects.for_org(org).get(user=user).roles == [role]


def test_each_org_gets_sixty_people_besides_the_four_logins():
    seed()
    for slug in ("northwind", "contoso"):
        org = Organization.objects.get(slug=slug)
        assert Membership.objects.for_org(org).filter(user__isnull=True).count() == 60
        assert Membership.objects.for_org(org).count() == 64


def test_people_have_titles_teams_skills_work_items_and_external_terms():
    seed()
    org = Organization.objects.get(slug="northwind")
    people = Membership.objects.for_org(org)
    assert people.filter(title="").count() == 0
    assert {"Payments", "Platform", "Mobile", "Data", "Design", "People Ops", "Sales"} <= \
        set(people.values_list("team", flat=True))
    assert people.filter(skills__isnull=True).count() == 0
    assert people.filter(is_external=False, work_items__isnull=True).count() == 0
    externals = people.filter(is_external=True)
    assert externals.exists()
    assert externals.filter(hourly_rate__isnull=True).count() == 0
    assert set(externals.values_list("currency", flat=True)) == {"GBP"}


def test_people_have_recent_hires_and_role_changes_after_hire():
    seed()
    org = Organization.objects.get(slug="contoso")
    people = Membership.objects.for_org(org).filter(user__isnull=True, is_external=False)
    anchor = max(people.values_list("hire_date", flat=True))
    hire_dates = sorted(people.values_list("hire_date", flat=True))
    assert (anchor - hire_dates[0]).days > 2 * 365
    assert sum(1 for d in hire_dates if (anchor - d).days <= 90) >= 3
    assert any(start > hired for hired, start in people.values_list("hire_date", "role_start_date"))


def test_managers_form_a_tree_without_loops_rooted_at_one_person():
    seed()
    org = Organization.objects.get(slug="northwind")
    manager_of = dict(Membership.objects.for_org(org).filter(is_external=False)
                      .values_list("id", "manager_id"))
    roots = {person for person, manager in manager_of.items() if manager is None}
    assert len(roots) == 1
    for person in manager_of:
        seen = set()
        while person is not None:
            assert person not in seen
            seen.add(person)
            person = manager_of[person]
        assert seen & roots


def test_seed_is_deterministic_for_the_same_seed():
    seed("--seed", "7", "--weeks", "0")  # people only: sessions PROTECT people from the delete
    first = people_of("northwind")
    Organization.objects.all().delete()
    User.objects.all().delete()
    seed("--seed", "7", "--weeks", "0")
    assert people_of("northwind") == first


def test_another_seed_gives_other_people():
    seed("--seed", "7", "--weeks", "0")  # people only: sessions PROTECT people from the delete
    first = people_of("northwind")
    Organization.objects.all().delete()
    User.objects.all().delete()
    seed("--seed", "8", "--weeks", "0")
    assert people_of("northwind") != first


def test_seeding_twice_changes_nothing():
    seed()
    before, people_before = counts(), people_of("contoso")
    output = seed()
    assert counts() == before
    assert people_of("contoso") == people_before
    assert "0 new people" in output


def test_three_orgs_of_two_hundred_people():
    output = seed("--orgs", "3", "--people", "200", "--weeks", "52")
    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["contoso", "northwind", "org-3"]
    org3 = Organization.objects.get(slug="org-3")
    assert Membership.objects.for_org(org3).count() == 204
    assert authenticate(email="hr@org-3.example", password="touchpoint-demo") is not None
    assert "mentee@org-3.example" in output


def test_a_larger_run_keeps_the_first_people_and_adds_the_rest():
    seed("--people", "30")
    first = people_of("northwind")
    seed("--people", "60")
    assert set(first) <= set(people_of("northwind"))
    assert len(people_of("northwind")) == 64
