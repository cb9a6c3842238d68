"""The people pages: directory with live search, person page and edit form."""

import pytest
from django.urls import reverse

from mentoring import services
from mentoring.models import Membership
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def people_url(**params):
    from urllib.parse import urlencode

    return reverse("people_list", args=["acme"]) + ("?" + urlencode(params) if params else "")


def make_people(org, count, **fields):
    people = PersonFactory.create_batch(count, organization=org, **fields)
    boss = people[0]
    for person in people[1:]:
        services.person_update(actor=person, membership=person, skills=["Go", "Python"])
    Membership.objects.for_org(org).filter(pk__in=[p.pk for p in people[1:]]).update(manager=boss)
    return people


def test_people_list_shows_name_title_team_manager_zone_and_skills(client_for, mentee):
    boss = PersonFactory(organization=mentee.organization, display_name="Bea Boss")
    services.person_update(actor=mentee, membership=mentee, skills=["Rust"], manager=boss, title="Analyst")
    page = client_for(mentee).get(people_url()).content.decode()
    for text in ("Mina Mentee", "Analyst", "Platform", "Bea Boss", "Europe/Berlin", "Rust"):
        assert text in page


@pytest.mark.parametrize("count", [1, 30])
def test_people_list_query_count_does_not_grow_with_rows(client_for, manager, count, django_assert_num_queries):
    make_people(manager.organization, count)
    client = client_for(manager)
    # user, memberships (this org's and the org switcher's), teams, count, rows, skills prefetch
    with django_assert_num_queries(7):
        assert client.get(people_url()).status_code == 200


def test_search_filters_by_name_and_skill(client_for, mentee):
    ada = PersonFactory(organization=mentee.organization, display_name="Ada Lovelace")
    PersonFactory(organization=mentee.organization, display_name="Bob Byte")
    services.person_update(actor=mentee, membership=mentee, skills=["Kubernetes"])
    client = client_for(mentee)
    by_name = client.get(people_url(q="ada")).context["page"].object_list
    by_skill = client.get(people_url(q="kube")).context["page"].object_list
    assert [p.pk for p in by_name] == [ada.pk] and [p.pk for p in by_skill] == [mentee.pk]


def test_team_and_role_filters_combine(client_for, manager, mentor):
    PersonFactory(organization=manager.organization, team="Sales", is_mentor=True)
    target = PersonFactory(organization=manager.organization, team="Sales", is_mentor=False, is_mentee=True)
    page = client_for(manager).get(people_url(team="Sales", role="mentee")).context["page"]
    assert [p.pk for p in page.object_list] == [target.pk]


def test_unknown_filter_values_are_ignored_not_errors(client_for, manager):
    response = client_for(manager).get(people_url(team="No such team", role="pilot"))
    assert response.status_code == 200 and manager in response.context["page"].object_list


def test_live_search_returns_only_the_results_fragment(client_for, mentee):
    response = client_for(mentee).get(people_url(q="Mina"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<table" in body and "Mina Mentee" in body
    assert 'hx-swap-oob' in body and "HX-Request" in response["Vary"]


def test_a_full_page_request_has_the_filter_form_and_layout(client_for, mentee):
    body = client_for(mentee).get(people_url(q="Mina")).content.decode()
    assert "<html" in body and 'hx-get="/o/acme/people/"' in body and 'id="main"' in body


def test_pagination_keeps_filters_in_links(client_for, manager):
    PersonFactory.create_batch(55, organization=manager.organization, team="Ops")
    body = client_for(manager).get(people_url(team="Ops")).content.decode()
    assert "?team=Ops&amp;page=2" in body and "Page 1 of 2" in body


def test_an_empty_search_says_nobody_matches(client_for, mentee):
    body = client_for(mentee).get(people_url(q="zzzz")).content.decode()
    assert "Nobody matches these filters" in body


def test_person_page_shows_rate_to_managers_only(client_for, manager, mentee):
    expert = PersonFactory(organization=manager.organization)
    services.person_update(actor=manager, membership=expert, is_external=True, hourly_rate="150.00", currency="EUR")
    url = reverse("person_detail", args=["acme", expert.pk])
    assert "150.00 EUR" in client_for(manager).get(url).content.decode()
    assert "150.00" not in client_for(mentee).get(url).content.decode()


def profile_form(**changes):
    data = {"display_name": "Mina Mentee", "title": "Analyst", "team": "Data", "manager": "",
            "time_zone": "Europe/Berlin", "working_hours_start": "09:00", "working_hours_end": "17:00",
            "hire_date": "", "role_start_date": "", "skills": "SQL, data  modelling",
            "work_items": "Churn model | https://wiki.test/churn\nQuarterly report"}
    data.update(changes)
    return data


def test_a_member_edits_their_own_profile_with_skills_and_work_items(client_for, mentee):
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(mentee).post(url, profile_form())
    assert response.status_code == 302
    mentee.refresh_from_db()
    assert mentee.team == "Data"
    assert sorted(s.name for s in mentee.skills.all()) == ["SQL", "data modelling"]
    assert sorted((w.name, w.url) for w in mentee.work_items.all()) == [
        ("Churn model", "https://wiki.test/churn"), ("Quarterly report", "")]


def test_a_member_cannot_set_their_own_rate(client_for, mentee):
    url = reverse("person_edit", args=["acme", mentee.pk])
    client_for(mentee).post(url, profile_form(is_external="on", hourly_rate="999", currency="USD"))
    mentee.refresh_from_db()
    assert mentee.hourly_rate is None and not mentee.is_external


def test_a_member_cannot_edit_someone_else(client_for, mentee, mentor):
    url = reverse("person_edit", args=["acme", mentor.pk])
    assert client_for(mentee).post(url, profile_form()).status_code == 403


def test_a_manager_sets_a_rate_and_a_manager(client_for, manager, mentee):
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(manager).post(url, profile_form(manager=str(manager.pk), is_external="on",
                                                          hourly_rate="80", currency="eur"))
    assert response.status_code == 302
    mentee.refresh_from_db()
    assert (mentee.manager_id, str(mentee.hourly_rate), mentee.currency) == (manager.pk, "80.00", "EUR")


def test_a_manager_from_another_org_is_not_a_valid_choice(client_for, manager, mentee, outsider):
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(manager).post(url, profile_form(manager=str(outsider.pk)))
    assert response.status_code == 400 and "manager" in response.context["form"].errors


def test_a_manager_loop_is_a_field_error_not_a_500(client_for, manager, mentee):
    services.person_update(actor=manager, membership=manager, manager=mentee)
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(manager).post(url, profile_form(manager=str(manager.pk)))
    assert response.status_code == 400
    assert "would make a loop" in response.context["form"].errors["manager"][0]


def test_a_bad_work_item_link_names_the_line(client_for, mentee):
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(mentee).post(url, profile_form(work_items="Good\nBad | ftp://x"))
    assert response.status_code == 400
    assert "Line 2" in response.context["form"].errors["work_items"][0]


def test_a_rate_without_currency_is_a_field_error(client_for, manager, mentee):
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(manager).post(url, profile_form(hourly_rate="50", currency=""))
    assert response.status_code == 400 and "currency" in response.context["form"].errors


def test_the_edit_form_starts_with_the_current_profile(client_for, mentee):
    services.person_update(actor=mentee, membership=mentee, skills=["Go"], work_items=[("API", "https://a.test")])
    form = client_for(mentee).get(reverse("person_edit", args=["acme", mentee.pk])).context["form"]
    assert form.initial["skills"] == "Go" and form.initial["work_items"] == "API | https://a.test"


def test_a_deactivated_manager_does_not_block_saving_the_profile(client_for, manager, mentee, mentor):
    services.person_update(actor=manager, membership=mentee, manager=mentor)
    services.membership_deactivate(actor=manager, membership=mentor)
    url = reverse("person_edit", args=["acme", mentee.pk])
    response = client_for(mentee).post(url, profile_form(manager=str(mentor.pk)))
    assert response.status_code == 302
