"""One factory per model. Authorities, themes and target groups come from the data migrations."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from boroughs.models import Borough, Commission, Recommendation
from projects import models


def borough(slug="hackney"):
    return Borough.objects.get(slug=slug)


def theme(slug="cohesion"):
    return models.Theme.objects.get(slug=slug)


def target_group(slug="older-people"):
    return models.TargetGroup.objects.get(slug=slug)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("a-long-test-password")


class CommissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commission

    title = factory.Sequence(lambda n: f"Test Cohesion Commission {n}")
    lead_borough = factory.LazyFunction(borough)
    kind = Commission.Kind.COHESION
    status = Commission.Status.REPORTED
    established_on = datetime.date(2020, 1, 1)
    reported_on = datetime.date(2021, 1, 1)
    summary = "A commission for the tests."


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    commission = factory.SubFactory(CommissionFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = "Bring neighbours together."


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Funder

    name = factory.Sequence(lambda n: f"Test Foundation {n}")
    slug = factory.LazyAttribute(lambda f: f.name.lower().replace(" ", "-"))
    kind = models.Funder.Kind.TRUST


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FundingSettlement

    funder = factory.SubFactory(FunderFactory)
    programme = "Connected Communities"
    recipient = factory.LazyFunction(borough)
    total_amount = Decimal("100000.00")
    first_year = 2024
    last_year = 2024
    restrictions = "light-touch"
    awarded_on = datetime.date(2024, 2, 1)


class YearlyAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.YearlyAllocation

    settlement = factory.SubFactory(SettlementFactory)
    financial_year = factory.SelfAttribute("settlement.first_year")
    amount = factory.SelfAttribute("settlement.total_amount")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A published project with one theme unless told otherwise, complete enough to publish."""

    class Meta:
        model = models.Project
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Test Befriending Network {n}")
    summary = "Volunteers visit older neighbours every week."
    description = "A longer description."
    lead_borough = factory.LazyFunction(borough)
    delivery_status = models.Project.DeliveryStatus.ACTIVE
    start_date = datetime.date(2024, 4, 1)
    contact_name = "Community engagement team"
    contact_email = "community@example.org"
    no_funding_reason = "Run by volunteers within existing budgets."
    publication_state = models.Project.PublicationState.PUBLISHED

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create:
            self.themes.set(extracted if extracted is not None else [theme()])

    @factory.post_generation
    def target_groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_groups.set(extracted)

    @factory.post_generation
    def partner_boroughs(self, create, extracted, **kwargs):
        if create and extracted:
            self.partner_boroughs.set(extracted)


class ProjectFundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProjectFunding

    settlement = factory.SubFactory(SettlementFactory)
    project = factory.SubFactory(ProjectFactory)
    amount = Decimal("25000.00")
