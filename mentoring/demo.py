"""Demo data for ``manage.py seed_demo``: organisations, the four demo logins
and a realistic, deterministic population of people.

Determinism: every person is generated from ``random.Random(f"{seed}:{org}:{i}")``
and from their index alone, so person *i* is the same whatever ``--people`` is,
and a larger run only adds people.  Dates are offsets from the org's *anchor*,
the day the org was first seeded (its ``created_at`` in its own time zone):
two fresh databases seeded on the same day hold the same people, and re-running
on a later day changes nothing.

Idempotence: rows are created only when missing (people by email, logins by
email), never rewritten.  Later features extend the seed with history (cohorts,
sessions, next steps, surveys, kudos) for ``--weeks`` weeks.
"""

from __future__ import annotations

import functools
import random
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, time as clock, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify

from .models import Membership, Organization, Skill, User, WorkItem
from .services import organization_create

DEMO_PASSWORD = "touchpoint-demo"
DEFAULT_SEED = 42
BATCH = 2000

# (slug, name, time zone, currency). Orgs past the list are org-3, org-4, ...
ORGS = [
    ("northwind", "Northwind Traders", "Europe/London", "GBP"),
    ("contoso", "Contoso", "America/New_York", "USD"),
]
EXTRA_ORGS = [
    ("Fabrikam", "Europe/Berlin", "EUR"),
    ("Tailspin Toys", "America/Los_Angeles", "USD"),
    ("Wide World Importers", "Asia/Singapore", "SGD"),
    ("Adventure Works", "Australia/Sydney", "AUD"),
]
OTHER_ZONES = ["Europe/Berlin", "Europe/Lisbon", "Asia/Kolkata", "America/Sao_Paulo", "America/Chicago",
               "Africa/Lagos", "Asia/Singapore", "America/Los_Angeles"]

FIRST_NAMES = [
    "Aarav", "Abena", "Adam", "Ade", "Aisha", "Akira", "Alba", "Alejandro", "Alice", "Amara", "Amir", "Ana",
    "Andrea", "Anja", "Arjun", "Astrid", "Beatriz", "Ben", "Bilal", "Camille", "Carlos", "Chen", "Chloe",
    "Chidi", "Clara", "Dana", "Daniel", "Dara", "David", "Diego", "Dimitri", "Elena", "Eli", "Emeka", "Emma",
    "Erik", "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hugo", "Ibrahim", "Ines",
    "Isla", "Ivan", "Jack", "Jamal", "Jana", "Jonas", "Joon", "Julia", "Kai", "Kavya", "Kenji", "Kofi",
    "Laila", "Lars", "Laura", "Leon", "Lina", "Lucas", "Lucia", "Mai", "Malik", "Marco", "Maria", "Mateo",
    "Maya", "Mei", "Mia", "Mohammed", "Nadia", "Naomi", "Nia", "Nikhil", "Nina", "Noah", "Olga", "Omar",
    "Oscar", "Paula", "Pedro", "Priya", "Rafael", "Rania", "Ravi", "Rosa", "Ruth", "Sam", "Sara", "Sean",
    "Sofia", "Soren", "Tariq", "Thea", "Tomas", "Uma", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zoe",
]
LAST_NAMES = [
    "Abbott", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Brennan", "Brown",
    "Campbell", "Castro", "Chen", "Costa", "Dubois", "Duarte", "Eriksson", "Evans", "Fernandes", "Fischer",
    "Fontaine", "Garcia", "Gupta", "Haddad", "Hansen", "Hartley", "Hoffmann", "Hughes", "Ibrahim", "Ivanova",
    "Jensen", "Johnson", "Kaur", "Kim", "Kowalski", "Kumar", "Lambert", "Larsen", "Lee", "Lopez", "Martin",
    "Mensah", "Meyer", "Moreau", "Morris", "Murphy", "Nakamura", "Nguyen", "Novak", "Nowak", "Obi", "Okafor",
    "Oliveira", "Osei", "Park", "Patel", "Perez", "Petrov", "Popescu", "Quinn", "Rahman", "Ramos", "Reyes",
    "Rossi", "Santos", "Schmidt", "Schneider", "Shah", "Silva", "Singh", "Smith", "Sousa", "Suzuki", "Tanaka",
    "Taylor", "Thomas", "Torres", "Van Dijk", "Vasquez", "Wagner", "Walsh", "Wang", "Weber", "Williams",
    "Wilson", "Wright", "Yamamoto", "Yilmaz", "Young", "Zhang",
]

# Team -> head title, titles by level (1 junior .. 4 principal), skills, current work.
TEAMS = {
    "Payments": {
        "head": "Head of Payments",
        "titles": {1: ["Associate Software Engineer"], 2: ["Software Engineer", "QA Engineer"],
                   3: ["Senior Software Engineer", "Engineering Manager, Payments"], 4: ["Staff Engineer"]},
        "skills": ["Python", "Go", "Payments", "PCI DSS", "API design", "PostgreSQL", "Fraud detection"],
        "work": ["Payments v2", "Checkout redesign", "Refunds API", "Strong customer authentication"],
    },
    "Platform": {
        "head": "Head of Platform Engineering",
        "titles": {1: ["Junior Platform Engineer"], 2: ["Platform Engineer", "Site Reliability Engineer"],
                   3: ["Senior Platform Engineer", "Engineering Manager, Platform"], 4: ["Principal Engineer"]},
        "skills": ["Kubernetes", "Terraform", "Go", "Observability", "Incident response", "PostgreSQL", "AWS"],
        "work": ["Kubernetes upgrade", "Observability stack", "CI speed-up", "Data platform migration"],
    },
    "Mobile": {
        "head": "Head of Mobile",
        "titles": {1: ["Associate Mobile Engineer"], 2: ["iOS Engineer", "Android Engineer"],
                   3: ["Senior iOS Engineer", "Senior Android Engineer"], 4: ["Staff Mobile Engineer"]},
        "skills": ["Swift", "Kotlin", "React Native", "Accessibility", "App performance", "API design"],
        "work": ["Checkout redesign", "Offline mode", "App start-up time", "Payments v2"],
    },
    "Data": {
        "head": "Head of Data",
        "titles": {1: ["Junior Data Analyst"], 2: ["Data Analyst", "Data Engineer"],
                   3: ["Senior Data Engineer", "Senior Data Scientist"], 4: ["Principal Data Scientist"]},
        "skills": ["SQL", "Python", "dbt", "Machine learning", "Experimentation", "Data modelling", "Airflow"],
        "work": ["Data platform migration", "Churn model", "Metrics layer", "Event tracking v3"],
    },
    "Design": {
        "head": "Head of Design",
        "titles": {1: ["Junior Product Designer"], 2: ["Product Designer", "UX Researcher"],
                   3: ["Senior Product Designer", "Design Manager"], 4: ["Principal Designer"]},
        "skills": ["User research", "Figma", "Design systems", "Accessibility", "Prototyping", "Copywriting"],
        "work": ["Checkout redesign", "Design system 2.0", "Accessibility audit", "Onboarding flow research"],
    },
    "People Ops": {
        "head": "Head of People",
        "titles": {1: ["People Coordinator"], 2: ["Recruiter", "People Partner"],
                   3: ["Senior People Partner", "Talent Acquisition Lead"], 4: ["Principal People Partner"]},
        "skills": ["Coaching", "Hiring", "Employment law", "Facilitation", "Compensation", "Onboarding"],
        "work": ["Career ladder refresh", "Onboarding programme", "Engagement survey", "Mentoring pilot"],
    },
    "Sales": {
        "head": "VP Sales",
        "titles": {1: ["Sales Development Representative"], 2: ["Account Executive", "Solutions Consultant"],
                   3: ["Senior Account Executive", "Sales Manager"], 4: ["Enterprise Sales Director"]},
        "skills": ["Negotiation", "Discovery calls", "Salesforce", "Public speaking", "Forecasting", "Pricing"],
        "work": ["EMEA expansion", "CRM migration", "Enterprise pricing", "Partner programme"],
    },
}
TEAM_NAMES = list(TEAMS)
SHARED_SKILLS = ["Code review", "System design", "Stakeholder management", "Public speaking", "Writing",
                 "Leadership", "Estimation", "Technical writing"]
EXTERNAL_TITLES = ["Fractional CTO", "Independent Design Coach", "Executive Coach", "Freelance Staff Engineer",
                   "Sales Coach", "Data Science Consultant"]
FAN_OUT = 8            # direct reports per manager inside a team (a k-ary tree)
EXTERNAL_EVERY = 25    # every 25th person is an external mentor
WORKING_STARTS = [clock(8, 0), clock(8, 30), clock(9, 0), clock(9, 0), clock(9, 30), clock(10, 0)]

# The four demo logins of every org: role -> (names per org, title, team, skills, work items).
LOGINS = {
    "manager": (["Priya Raman", "Marcus Lee"], "Program Manager, Mentoring", "People Ops",
                ["Facilitation", "Coaching", "Stakeholder management"], ["Mentoring pilot"]),
    "mentor": (["Daniel Okafor", "Aisha Bello"], "Staff Engineer", "Payments",
               ["Python", "System design", "Payments", "Code review"], ["Payments v2", "Checkout redesign"]),
    "mentee": (["Lena Fischer", "Tomás Herrera"], "Software Engineer", "Payments",
               ["Python", "Payments", "API design"], ["Payments v2"]),
    "hr": (["Sam Whitaker", "Grace Kim"], "People Partner", "People Ops",
           ["Employment law", "Onboarding"], ["Engagement survey"]),
}


@dataclass
class OrgSummary:
    slug: str
    name: str
    created: bool
    people: int = 0
    new_people: int = 0
    mentors: int = 0
    mentees: int = 0
    external: int = 0
    recent_hires: int = 0
    skills: int = 0
    work_items: int = 0


@dataclass
class SeedResult:
    orgs: list[OrgSummary] = field(default_factory=list)
    seconds: float = 0.0


def org_specs(count: int) -> list[tuple[str, str, str, str]]:
    specs = list(ORGS[:count])
    for n in range(len(specs) + 1, count + 1):
        name, zone, currency = EXTRA_ORGS[(n - 3) % len(EXTRA_ORGS)]
        specs.append((f"org-{n}", name, zone, currency))
    return specs


def login_email(role: str, slug: str) -> str:
    return f"{role}@{slug}.example"


def seed(*, orgs: int = 2, people: int = 60, weeks: int = 12, seed: int = DEFAULT_SEED) -> SeedResult:
    started = time.monotonic()
    result = SeedResult()
    password_hash = functools.cache(lambda: make_password(DEMO_PASSWORD))  # hashing is slow on purpose: once
    for org_index, spec in enumerate(org_specs(orgs)):
        with transaction.atomic():
            result.orgs.append(_seed_org(org_index, spec, people=people, seed=seed, password_hash=password_hash))
    result.seconds = time.monotonic() - started
    return result


def _seed_org(org_index, spec, *, people, seed, password_hash) -> OrgSummary:
    slug, name, zone, currency = spec
    org = Organization.objects.filter(slug=slug).first()
    summary = OrgSummary(slug=slug, name=name if org is None else org.name, created=org is None)
    if org is None:
        org = organization_create(slug=slug, name=name, time_zone=zone)
    anchor = org.created_at.astimezone(ZoneInfo(org.time_zone)).date()
    generated = generate_people(org_index=org_index, slug=slug, zone=org.time_zone, currency=currency,
                                count=people, seed=seed, anchor=anchor)
    skill_ids = _ensure_skills(org, generated)
    summary.new_people = _insert_people(org, generated, skill_ids)
    _ensure_logins(org, org_index, anchor, skill_ids, password_hash)

    members = Membership.objects.for_org(org)
    summary.people = members.count()
    summary.mentors = members.filter(is_mentor=True).count()
    summary.mentees = members.filter(is_mentee=True).count()
    summary.external = members.filter(is_external=True).count()
    summary.recent_hires = members.filter(hire_date__gt=anchor - timedelta(days=90)).count()
    summary.skills = Skill.objects.for_org(org).count()
    summary.work_items = WorkItem.objects.for_org(org).count()
    return summary


# --- Generation (pure: no database) -----------------------------------------------

@dataclass
class Person:
    email: str
    display_name: str
    title: str
    team: str
    manager_index: int | None
    time_zone: str
    working_hours_start: clock
    working_hours_end: clock
    hire_date: date
    role_start_date: date
    is_mentor: bool
    is_mentee: bool
    skills: list[str]
    work_items: list[tuple[str, str]]
    is_external: bool = False
    hourly_rate: Decimal | None = None
    currency: str = ""


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def generate_people(*, org_index: int, slug: str, zone: str, currency: str, count: int, seed: int,
                    anchor: date) -> list[Person]:
    """The org's people in index order. Person 0 runs the org; each team has a
    head reporting to person 0 and members in a tree of FAN_OUT under the head."""
    people: list[Person] = []
    taken: dict[str, int] = {}
    team_sizes = dict.fromkeys(TEAM_NAMES, 0)
    team_members: dict[str, list[int]] = {team: [] for team in TEAM_NAMES}
    internal = 0
    for i in range(count):
        rng = random.Random(f"{seed}:{org_index}:{i}")
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = f"{_ascii(first)}.{_ascii(last)}"
        taken[base] = taken.get(base, 0) + 1
        email = f"{base}{taken[base] if taken[base] > 1 else ''}@{slug}.example"
        start = rng.choice(WORKING_STARTS)
        end = clock(start.hour + 8, start.minute + (30 if rng.random() < 0.3 and start.minute == 0 else 0))
        person_zone = zone if rng.random() < 0.75 else rng.choice(OTHER_ZONES)

        if i % EXTERNAL_EVERY == EXTERNAL_EVERY - 1:
            hired = anchor - timedelta(days=rng.randint(20, 365))
            team = rng.choice(TEAM_NAMES)
            people.append(Person(
                email=email, display_name=f"{first} {last}", title=rng.choice(EXTERNAL_TITLES), team="",
                manager_index=None, time_zone=rng.choice(OTHER_ZONES + [zone]), working_hours_start=start,
                working_hours_end=end, hire_date=hired, role_start_date=hired, is_mentor=True, is_mentee=False,
                skills=rng.sample(TEAMS[team]["skills"], 3) + rng.sample(SHARED_SKILLS, 1),
                work_items=[], is_external=True, hourly_rate=Decimal(rng.randrange(80, 250, 5)),
                currency=currency))
            continue

        if internal == 0:
            team, title, manager_index, level = "", "Chief Executive Officer", None, 5
            hire_offset = rng.randint(1100, 1500)
        else:
            team = TEAM_NAMES[(internal - 1) % len(TEAM_NAMES)]
            position = team_sizes[team]  # 0 is the head; then a FAN_OUT-ary tree under them
            team_sizes[team] += 1
            if position == 0:
                title, manager_index, level = TEAMS[team]["head"], 0, 5
                hire_offset = rng.randint(700, 1400)
            else:
                manager_index = team_members[team][(position - 1) // FAN_OUT]
                level = rng.choices([1, 2, 3, 4], weights=[2, 5, 4, 1])[0]
                title = rng.choice(TEAMS[team]["titles"][level])
                # About one in eight joined in the last 90 days; the rest over ~3 years.
                hire_offset = rng.randint(3, 90) if rng.random() < 0.125 else rng.randint(91, 1095)
            team_members[team].append(i)
        internal += 1
        hired = anchor - timedelta(days=hire_offset)
        role_start = hired
        if hire_offset > 240 and rng.random() < 0.3:
            # A transfer or promotion since hire.
            role_start = anchor - timedelta(days=rng.randint(30, hire_offset - 180))
        recent = hire_offset <= 180
        pool = TEAMS[team]["skills"] if team else SHARED_SKILLS
        skills = rng.sample(pool, rng.randint(2, 4)) + rng.sample(SHARED_SKILLS, rng.randint(0, 2))
        work_pool = TEAMS[team]["work"] if team else ["Company strategy 2025"]
        work = rng.sample(work_pool, min(len(work_pool), rng.randint(1, 2)))
        people.append(Person(
            email=email, display_name=f"{first} {last}", title=title, team=team, manager_index=manager_index,
            time_zone=person_zone, working_hours_start=start, working_hours_end=end, hire_date=hired,
            role_start_date=role_start,
            is_mentor=level >= 3 and rng.random() < 0.8,
            is_mentee=level <= 2 or (recent and rng.random() < 0.7),
            skills=skills,
            work_items=[(name, f"https://tracker.{slug}.example/projects/{slugify(name)}"
                         if rng.random() < 0.5 else "") for name in work]))
    return people


# --- Writing --------------------------------------------------------------------------

def _ensure_skills(org, generated: list[Person]) -> dict[str, object]:
    names = {name for p in generated for name in p.skills}
    names |= {name for spec in LOGINS.values() for name in spec[3]}
    wanted = dict(Skill.normalise(name) for name in sorted(names))
    Skill.objects.for_org(org).bulk_create(
        [Skill(organization=org, slug=slug, name=display) for slug, display in wanted.items()],
        ignore_conflicts=True, batch_size=BATCH)
    return dict(Skill.objects.for_org(org).values_list("slug", "id"))


def _insert_people(org, generated: list[Person], skill_ids) -> int:
    """Create the people that are missing (by email); existing rows are left alone."""
    ids = dict(Membership.objects.for_org(org).values_list("email", "id"))
    new: list[Membership] = []
    for person in generated:
        if person.email in ids:
            continue
        member = Membership(
            organization=org, email=person.email, display_name=person.display_name, title=person.title,
            team=person.team, time_zone=person.time_zone, working_hours_start=person.working_hours_start,
            working_hours_end=person.working_hours_end, hire_date=person.hire_date,
            role_start_date=person.role_start_date, is_mentor=person.is_mentor, is_mentee=person.is_mentee,
            is_external=person.is_external, hourly_rate=person.hourly_rate, currency=person.currency)
        # Managers come earlier in index order, so their id is known (ids are made in Python).
        if person.manager_index is not None:
            member.manager_id = ids[generated[person.manager_index].email]
        ids[person.email] = member.id
        new.append(member)
    Membership.objects.for_org(org).bulk_create(new, batch_size=BATCH)

    new_emails = {m.email for m in new}
    through = Membership.skills.through
    links, items = [], []
    for person in generated:
        if person.email not in new_emails:
            continue
        member_id = ids[person.email]
        slugs = {Skill.normalise(name)[0] for name in person.skills}
        links += [through(membership_id=member_id, skill_id=skill_ids[slug]) for slug in sorted(slugs)]
        items += [WorkItem(organization=org, membership_id=member_id, name=name, url=url)
                  for name, url in person.work_items]
    through.objects.bulk_create(links, batch_size=BATCH)
    WorkItem.objects.for_org(org).bulk_create(items, batch_size=BATCH)
    return len(new)


def _ensure_logins(org, org_index: int, anchor: date, skill_ids, password_hash) -> None:
    members = Membership.objects.for_org(org)
    heads = dict(members.filter(manager__isnull=False, manager__manager__isnull=True)
                 .exclude(team="").values_list("team", "id"))
    for role, (names, title, team, skills, work) in LOGINS.items():
        email = login_email(role, org.slug)
        display_name = names[org_index % len(names)]
        first, last = display_name.split(" ", 1)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create(email=email, first_name=first, last_name=last, password=password_hash())
        address = EmailAddress.objects.filter(user=user, email=email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        elif not (address.verified and address.primary):
            EmailAddress.objects.filter(pk=address.pk).update(verified=True, primary=True)

        member = members.filter(email=email).first()
        if member is None:
            # The mentee joined recently (a ramp in progress); the others are established.
            hired = anchor - timedelta(days=30 if role == "mentee" else 700)
            member = members.create(
                organization=org, user=user, email=email, display_name=display_name, title=title, team=team,
                manager_id=heads.get(team), time_zone=org.time_zone, hire_date=hired, role_start_date=hired,
                **{f"is_{role}": True})
            member.skills.set([skill_ids[Skill.normalise(name)[0]] for name in skills])
            WorkItem.objects.for_org(org).bulk_create(
                [WorkItem(organization=org, membership=member, name=name) for name in work])
        elif member.user_id != user.pk or not getattr(member, f"is_{role}") or not member.is_active:
            members.filter(pk=member.pk).update(user=user, is_active=True, deactivated_at=None,
                                                **{f"is_{role}": True})
