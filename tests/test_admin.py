"""Curators' admin pages: lists, rules on settlements and projects, and the workflow's actions."""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from boroughs.models import Membership
from projects.models import Project, ProjectTransition

from .factories import (
    CommissionFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    YearlyAllocationFactory,
    borough,
    theme,
)

pytestmark = pytest.mark.django_db

MODELS = [
    model for model in admin.site._registry if model._meta.app_label in {"boroughs", "projects"}
]


@pytest.fixture
def catalogue(curator_user):
    commission = CommissionFactory()
    recommendation = RecommendationFactory(commission=commission)
    project = ProjectFactory(commission=commission)
    project.recommendations.set([recommendation])
    funding = ProjectFundingFactory(project=project)
    YearlyAllocationFactory(settlement=funding.settlement)
    Membership.objects.create(user=curator_user, borough=project.lead_borough)
    ProjectTransition.objects.create(
        project=project, action="publish", from_state="submitted", to_state="published"
    )
    return project


def url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_admin_page_answers_for_a_curator(curator, catalogue, model):
    assert curator.get(url(model, "changelist")).status_code == 200
    # Review steps are only ever recorded by the workflow, never added by hand.
    assert curator.get(url(model, "add")).status_code == (
        403 if model is ProjectTransition else 200
    )
    obj = model.objects.first()
    assert curator.get(url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_run_a_constant_number_of_queries(
    curator, catalogue, model, django_assert_max_num_queries
):
    curator.get(url(model, "changelist"))  # warm up the session and content types
    with django_assert_max_num_queries(12):
        curator.get(url(model, "changelist"))
    for n in range(5):
        funding = ProjectFundingFactory(project=ProjectFactory(title=f"More {n}"))
        YearlyAllocationFactory(settlement=funding.settlement)
        RecommendationFactory(commission=CommissionFactory())
    with django_assert_max_num_queries(12):
        curator.get(url(model, "changelist"))


def form_data(response):
    """The POST data a browser would send back for an admin change form, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for formset in response.context["inline_admin_formsets"]:
        formset = formset.formset
        forms += formset.forms
        management = formset.management_form
        for name, field in management.fields.items():
            data[management.add_prefix(name)] = management.initial.get(name, field.initial)
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None:
                continue
            if isinstance(value, list | tuple):
                value = [getattr(v, "pk", v) for v in value]
            elif hasattr(value, "pk"):
                value = value.pk
            data[form.add_prefix(name)] = value
    return data


def save_changed(curator, obj, changes):
    """The response to saving `obj`'s admin change form with `changes` made to what it holds."""
    change = url(type(obj), "change", obj.pk)
    data = form_data(curator.get(change))
    data.update(changes)
    return curator.post(change, data)


def test_a_settlement_whose_allocations_do_not_add_up_is_refused_with_a_message(curator):
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    YearlyAllocationFactory(settlement=settlement, amount=Decimal("1000"))
    response = save_changed(curator, settlement, {"total_amount": "1500"})
    assert response.status_code == 200
    assert (
        "The yearly allocations add up to £1,000.00, but the settlement&#x27;s total is "
        "£1,500.00." in response.text
    )
    settlement.refresh_from_db()
    assert settlement.total_amount == Decimal("1000")


def test_projects_funded_beyond_the_settlement_are_refused_with_a_message(curator):
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    ProjectFundingFactory(settlement=settlement, amount=Decimal("600"))
    ProjectFundingFactory(settlement=settlement, amount=Decimal("400"))
    response = save_changed(curator, settlement, {"project_fundings-0-amount": "601"})
    assert response.status_code == 200
    assert "exceeds the settlement&#x27;s total of £1,000.00" in response.text


def test_a_project_cannot_address_another_commissions_recommendations(curator, catalogue):
    elsewhere = RecommendationFactory(commission=CommissionFactory(title="Elsewhere Commission"))
    response = save_changed(curator, catalogue, {"recommendations": [elsewhere.pk]})
    assert response.status_code == 200
    assert "is not one" in response.text
    assert list(catalogue.recommendations.all()) != [elsewhere]


def test_a_project_needs_a_theme_and_its_lead_cannot_be_a_partner(curator, catalogue):
    changes = {"themes": [], "partner_boroughs": [borough("hackney").pk]}
    response = save_changed(curator, catalogue, changes)
    assert response.status_code == 200
    assert "Select at least one of the themes" in response.text
    assert "Hackney leads the project, so it cannot also be a partner." in response.text
    assert list(catalogue.themes.all()) == [theme()]


def test_a_curator_adds_a_project_and_its_slug_is_made_from_the_title(curator):
    response = curator.post(
        url(Project, "add"),
        {
            "title": "Hackney Walking Stories",
            "summary": "Neighbours walk and talk.",
            "lead_borough": borough("hackney").pk,
            "themes": [theme("isolation").pk],
            "delivery_status": "active",
            "start_date": "2025-04-01",
            "fundings-TOTAL_FORMS": 0,
            "fundings-INITIAL_FORMS": 0,
            "transitions-TOTAL_FORMS": 0,
            "transitions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(slug="hackney-walking-stories")
    assert project.created_by.is_superuser
    assert project.publication_state == "draft"


def test_the_admin_holds_a_project_s_status_to_its_dates(curator):
    project = ProjectFactory(start_date=datetime.date(2024, 4, 1), end_date=None)
    response = save_changed(curator, project, {"delivery_status": "completed"})
    assert response.status_code == 200
    assert (
        "Enter the date the project ended: a completed project has an end date on or before "
        "today." in response.text
    )
    project.refresh_from_db()
    assert project.delivery_status == "active"


def test_the_admin_asks_why_a_project_answers_a_recommendation_on_other_themes(curator):
    commission = CommissionFactory()
    recommendation = RecommendationFactory(commission=commission, number=3)
    recommendation.themes.set([theme("equalities")])
    project = ProjectFactory(commission=commission, themes=[theme("cohesion")])
    chosen = {"recommendations": [recommendation.pk]}
    refused = save_changed(curator, project, chosen)
    assert refused.status_code == 200
    assert "R3 shares none of the project&#x27;s themes" in refused.text
    assert not project.recommendations.exists()
    explained = save_changed(curator, project, {**chosen, "off_theme_reason": "Fair pay binds."})
    assert explained.status_code == 302
    assert list(project.recommendations.all()) == [recommendation]
