"""The querysets' domain methods: what is published, where, when, searched and funded."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from boroughs.models import Borough, Commission
from projects import results as results_module
from projects.demo import delete_catalogue
from projects.facets import counts, valid_filters
from projects.filters.catalogue import ProjectFilterSet
from projects.models import FundingSettlement, Project, PublishedSearchVector

from .factories import (
    CommissionFactory,
    ProjectFactory,
    ProjectFundingFactory,
    SettlementFactory,
    borough,
    theme,
)

pytestmark = pytest.mark.django_db


def titles(queryset):
    return sorted(queryset.values_list("title", flat=True))


def test_published_is_what_the_public_may_see():
    ProjectFactory(title="Public")
    for state in ("draft", "submitted", "archived"):
        ProjectFactory(title=state.title(), publication_state=state)
    assert titles(Project.objects.published()) == ["Public"]


def test_in_borough_counts_lead_and_partner_boroughs_once_each():
    ProjectFactory(title="Led by Hackney")
    ProjectFactory(
        title="Camden with Hackney",
        lead_borough=borough("camden"),
        partner_boroughs=[borough("hackney"), borough("islington")],
    )
    ProjectFactory(title="Camden alone", lead_borough=borough("camden"))
    hackney = borough("hackney")
    assert titles(Project.objects.in_borough(hackney)) == ["Camden with Hackney", "Led by Hackney"]
    assert titles(Project.objects.led_by(hackney)) == ["Led by Hackney"]
    assert titles(Project.objects.in_borough(borough("islington"))) == ["Camden with Hackney"]


def test_with_any_theme_returns_each_project_once():
    ProjectFactory(title="Both", themes=[theme("cohesion"), theme("isolation")])
    ProjectFactory(title="Isolation", themes=[theme("isolation")])
    ProjectFactory(title="Safeguarding", themes=[theme("safeguarding")])
    chosen = Project.objects.with_any_theme([theme("cohesion"), theme("isolation")])
    assert titles(chosen) == ["Both", "Isolation"]
    assert titles(Project.objects.with_theme(theme("cohesion"))) == ["Both"]


@pytest.mark.parametrize(
    ("start", "end", "active_in_2024"),
    [
        (datetime.date(2023, 4, 1), datetime.date(2024, 1, 1), True),
        (datetime.date(2024, 12, 31), None, True),
        (datetime.date(2020, 1, 1), None, True),
        (datetime.date(2020, 1, 1), datetime.date(2023, 12, 31), False),
        (datetime.date(2025, 1, 1), None, False),
    ],
)
def test_active_in_a_year(start, end, active_in_2024):
    ProjectFactory(start_date=start, end_date=end, delivery_status="completed" if end else "active")
    assert Project.objects.active_in(2024).exists() is active_in_2024


def test_settlements_by_length_and_restrictions():
    single = SettlementFactory(first_year=2024, last_year=2024, restrictions="unrestricted")
    multi = SettlementFactory(first_year=2024, last_year=2026, restrictions="ring-fenced")
    light = SettlementFactory(first_year=2023, last_year=2025, restrictions="light-touch")
    assert set(FundingSettlement.objects.multi_year()) == {multi, light}
    assert set(FundingSettlement.objects.single_year()) == {single}
    assert set(FundingSettlement.objects.unrestricted()) == {single}
    assert set(FundingSettlement.objects.without_burdensome_restrictions()) == {single, light}
    assert set(FundingSettlement.objects.covering_year(2026)) == {multi}
    assert multi.is_multi_year
    assert not single.is_multi_year
    assert multi.years_label == "2024-25 to 2026-27"


def test_projects_with_and_without_multi_year_funding():
    funded = ProjectFundingFactory(settlement=SettlementFactory(last_year=2026)).project
    single = ProjectFundingFactory(settlement=SettlementFactory(last_year=2024)).project
    unfunded = ProjectFactory()
    assert list(Project.objects.in_facet("multi_year", ["yes"])) == [funded]
    assert set(Project.objects.in_facet("multi_year", ["no"])) == {single, unfunded}


def test_a_projects_funding_total_follows_its_funding_lines():
    project = ProjectFactory()
    first = ProjectFundingFactory(project=project, amount=Decimal("1000"))
    ProjectFundingFactory(project=project, amount=Decimal("250.50"))
    project.refresh_from_db()
    assert project.funding_total == Decimal("1250.50")
    first.amount = Decimal("2000")
    first.save()
    project.refresh_from_db()
    assert project.funding_total == Decimal("2250.50")
    first.settlement.delete()
    project.refresh_from_db()
    assert project.funding_total == Decimal("250.50")


def test_commissions_involving_a_borough():
    led = CommissionFactory(title="Led")
    joint = CommissionFactory(title="Joint", lead_borough=borough("camden"))
    joint.partner_boroughs.set([borough("hackney")])
    CommissionFactory(title="Elsewhere", lead_borough=borough("camden"))
    assert set(Commission.objects.involving(borough("hackney"))) == {led, joint}
    assert list(Commission.objects.led_by(borough("hackney"))) == [led]


def test_a_project_is_in_a_group_of_boroughs_by_its_lead_or_a_partner():
    ProjectFactory(title="Bromley alone", lead_borough=borough("bromley"))
    ProjectFactory(
        title="Bromley with Camden",
        lead_borough=borough("bromley"),
        partner_boroughs=[borough("camden")],
    )
    ProjectFactory(title="Camden alone", lead_borough=borough("camden"))
    assert titles(Project.objects.in_facet("london", ["inner"])) == [
        "Bromley with Camden",
        "Camden alone",
    ]
    assert titles(Project.objects.in_facet("london", ["outer"])) == [
        "Bromley alone",
        "Bromley with Camden",
    ]


def test_a_search_and_what_it_leaves_out_share_out_every_project():
    befriending = ProjectFactory(title="Befriending older neighbours")
    walking = ProjectFactory(title="Walking group", summary="Befriending on foot")
    other = ProjectFactory(title="Youth orchestra", summary="Music for young people")
    projects = Project.objects.all()
    assert set(projects.search("befriending")) == {befriending, walking}
    assert set(projects.not_matching("befriending")) == {other}
    assert set(projects.not_matching("orchestra")) == {befriending, walking}


def test_the_search_index_holds_published_projects_only():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'projects_project' "
            "AND indexdef LIKE '%%search_vector%%'"
        )
        definitions = [definition for (definition,) in cursor.fetchall()]
    # One index, and partial: the planner needs no second index to know what is published.
    assert len(definitions) == 1
    assert "USING gin (search_vector) WHERE" in definitions[0]
    assert "'published'" in definitions[0]


def copied_vectors():
    return set(PublishedSearchVector.objects.values_list("project_id", "search_vector"))


def published_vectors():
    return set(Project.objects.published().values_list("pk", "search_vector"))


def test_the_published_projects_search_vectors_follow_every_write():
    kept = ProjectFactory(title="Befriending older neighbours")
    draft = ProjectFactory(title="Walking group", publication_state="draft")
    ProjectFactory(title="Youth orchestra")
    assert len(copied_vectors()) == 2
    assert copied_vectors() == published_vectors()
    kept.title = "Befriending across generations"
    kept.save()
    Project.objects.filter(pk=draft.pk).update(
        publication_state="published", published_at=timezone.now()
    )
    assert copied_vectors() == published_vectors()
    assert len(copied_vectors()) == 3
    Project.objects.filter(pk=kept.pk).update(publication_state="archived")
    Project.objects.filter(title="Youth orchestra").delete()
    assert copied_vectors() == published_vectors()
    assert set(PublishedSearchVector.objects.values_list("project_id", flat=True)) == {draft.pk}
    delete_catalogue()
    assert not PublishedSearchVector.objects.exists()


def test_a_search_ranked_from_the_vectors_alone_is_in_the_lists_order():
    call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    for text in ("fictional", "club", "older people", "-fictional"):
        listed = Project.objects.published().search(text).order_by("-rank", "-pk")
        ranking = PublishedSearchVector.objects.ranking(text)
        assert ranking == list(listed.values_list("pk", flat=True)), text
    assert len(PublishedSearchVector.objects.ranking("fictional")) > 50


def searched_demo(chosen, seeded=False):
    """For a demo catalogue filtered by the query string `chosen`: the ids the list's own
    queryset gives, in its order, and a function giving a window of the results the list pages
    through, built anew, for the demo catalogue just seeded unless `seeded`."""
    if not seeded:
        call_command("seed_demo", "--projects", "120", stdout=io.StringIO())
    filterset = ProjectFilterSet(QueryDict(chosen), queryset=Project.objects.published())
    assert filterset.is_valid()
    key = valid_filters(filterset)
    found = counts(filterset, key, 1)
    listed = list(filterset.qs.values_list("pk", flat=True))

    def paged(window):
        return results_module.results(filterset, ["pk"], key, 1, found["ids"])[window]

    return listed, paged


@pytest.mark.parametrize(
    "chosen", ["q=club", "q=fictional&amount_from=20000", "q=club&status=active"]
)
def test_a_search_with_few_results_is_ranked_among_them_alone(chosen):
    listed, paged = searched_demo(chosen)
    assert len(listed) > 1
    with CaptureQueriesContext(connection) as queries:
        assert [row["pk"] for row in paged(slice(0, len(listed)))] == listed
    ranking = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert ranking
    assert all("projects_publishedsearchvector" in sql and "ANY" in sql for sql in ranking)


@pytest.mark.parametrize("chosen", ["q=fictional", "q=fictional&london=inner"])
def test_a_search_with_many_results_is_paged_from_the_searchs_own_ranking(chosen, monkeypatch):
    monkeypatch.setattr(results_module, "FEW", 0)
    monkeypatch.setattr(results_module, "TOP", 10)
    listed, paged = searched_demo(chosen)
    assert len(listed) > 30
    with CaptureQueriesContext(connection) as queries:
        assert [row["pk"] for row in paged(slice(0, 3))] == listed[0:3]
    [top] = [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]
    assert "LIMIT 10" in top
    assert [row["pk"] for row in paged(slice(20, 40))] == listed[20:40]
    # Any other combination with the same search pages through the rankings already kept.
    listed, paged = searched_demo("q=fictional&status=active", seeded=True)
    with CaptureQueriesContext(connection) as queries:
        assert [row["pk"] for row in paged(slice(0, len(listed)))] == listed
    assert not [q["sql"] for q in queries.captured_queries if "ts_rank" in q["sql"]]


@pytest.mark.parametrize("few", [0, 2_000])
def test_a_search_pages_deep_and_past_its_end_in_the_lists_order(few, monkeypatch):
    monkeypatch.setattr(results_module, "FEW", few)
    monkeypatch.setattr(results_module, "TOP", 3)
    listed, paged = searched_demo("q=club&status=active&status=completed")
    assert len(listed) > 3
    assert [row["pk"] for row in paged(slice(2, 4))] == listed[2:4]
    assert [row["pk"] for row in paged(slice(len(listed) - 1, len(listed) + 20))] == listed[-1:]
    assert paged(slice(len(listed) + 20, len(listed) + 40)) == []


def test_each_filterset_has_filters_of_its_own():
    hackney = ProjectFactory(lead_borough=borough("hackney"))
    ProjectFactory(lead_borough=borough("camden"))
    first = ProjectFilterSet(QueryDict("borough=hackney"), queryset=Project.objects.all())
    second = ProjectFilterSet(QueryDict("borough=camden"), queryset=Project.objects.all())
    assert first.filters["borough"] is not second.filters["borough"]
    assert first.filters["borough"].parent is first
    assert second.filters["borough"].parent is second
    first.filters["borough"].extra["help_text"] = "Changed for one request"
    assert second.filters["borough"].extra.get("help_text") != "Changed for one request"
    assert list(first.qs) == [hackney]
    assert [p.lead_borough.slug for p in second.qs] == ["camden"]


def test_each_filter_form_has_fields_and_widgets_of_its_own():
    hackney, camden = borough("hackney"), borough("camden")
    first = ProjectFilterSet(QueryDict(), queryset=Project.objects.all())
    second = ProjectFilterSet(QueryDict(), queryset=Project.objects.all())
    first_field, second_field = first.form.fields["borough"], second.form.fields["borough"]
    assert first_field is not second_field
    assert first_field.widget is not second_field.widget

    first_field.queryset = Borough.objects.filter(pk=hackney.pk)
    first_field.widget.attrs["class"] = "changed-for-one-request"

    assert [label for _, label in first_field.widget.choices] == [hackney.name]
    assert camden.name in [label for _, label in second_field.widget.choices]
    assert "class" not in second_field.widget.attrs
    third = ProjectFilterSet(QueryDict(), queryset=Project.objects.all())
    assert "class" not in third.form.fields["borough"].widget.attrs
    assert camden.name in [label for _, label in third.form.fields["borough"].widget.choices]
