"""factory_boy factories: the one way tests make rows."""

import factory
from allauth.account.models import EmailAddress

from mentoring.models import Membership, Organization, User

PASSWORD = "touchpoint-test-pw"


class ModelFactory(factory.django.DjangoModelFactory):
    """Factories write through the default (unscoped) manager: a factory names
    the organisation explicitly, which is what scoping asks of app code."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class._default_manager


class UserFactory(ModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(ModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    time_zone = "Europe/Berlin"


class MembershipFactory(ModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda m: m.user.email if m.user else f"{m.display_name.lower()}@example.test")
    display_name = factory.Faker("name")
    title = "Engineer"
    team = "Platform"
    time_zone = "Europe/Berlin"


class PersonFactory(MembershipFactory):
    """Someone imported into an org who has not signed in yet."""

    user = None
    email = factory.Sequence(lambda n: f"imported{n}@example.test")
