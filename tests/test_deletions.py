"""What depends on a record keeps it: the admin refuses to delete a theme, target group,
commission or recommendation that projects use, names those projects and offers retiring it
instead; a retired term stays where it is but is offered for no new choice; themes, target
groups and funders keep their history; a restore from history brings back a consistent record,
or is refused with the reason."""

from decimal import Decimal

import pytest
from django.urls import reverse

from boroughs.models import Commission, Membership, Recommendation
from projects.models import Funder, FundingSettlement, Project, TargetGroup, Theme

from .factories import (
    CommissionFactory,
    FunderFactory,
    ProjectFactory,
    ProjectFundingFactory,
    RecommendationFactory,
    SettlementFactory,
    UserFactory,
    YearlyAllocationFactory,
    borough,
    target_group,
    theme,
)
from .helpers import text_of

pytestmark = pytest.mark.django_db

PROTECTED = "would require deleting the following protected related objects"


def seen(response):
    """What a person reads on the page."""
    return text_of(response.text)


def admin_url(model, action, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def delete(curator, record):
    """The delete page of `record`, then the response to confirming it."""
    url = admin_url(type(record), "delete", record.pk)
    return curator.get(url), curator.post(url, {"post": "yes"}, follow=True)


def delete_selected(curator, records):
    """The "delete selected" action's page for `records`, then the response to confirming it."""
    model = type(records[0])
    data = {"action": "delete_selected", "_selected_action": [r.pk for r in records]}
    url = admin_url(model, "changelist")
    return curator.post(url, data), curator.post(url, {**data, "post": "yes"}, follow=True)


def browser_data(form):
    """What a browser sends back for an admin form left as it is shown."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        as_sent = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
        data[form.add_prefix(name)] = as_sent
    return data


def restore(curator, record, version, **changes):
    """The response to reverting `record` (a model instance, deleted or not) to `version` (a
    history record) on the admin's history page, with `changes` made to the form it shows."""
    opts = record._meta
    url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[record.pk, version.history_id],
    )
    form = curator.get(url).context["adminform"].form
    return curator.post(url, {**browser_data(form), **changes}, follow=True)


# Deleting what projects use is refused, naming them -------------------------------------------

TERMS = [
    pytest.param(lambda: theme("cohesion"), "themes", id="theme"),
    pytest.param(lambda: target_group("older-people"), "target_groups", id="target-group"),
]


@pytest.mark.parametrize(("term", "links"), TERMS)
def test_a_term_projects_have_cannot_be_deleted_and_the_page_names_them(curator, term, links):
    term = term()
    befriending = ProjectFactory(title="Hackney Befriending", **{links: [term]})
    walks = ProjectFactory(
        title="Camden Welcome Walks", publication_state="draft", **{links: [term]}
    )

    page, confirmed = delete(curator, term)

    assert page.status_code == 200
    assert PROTECTED in page.text
    assert "Hackney Befriending" in page.text
    assert "Camden Welcome Walks" in page.text
    assert "retire it instead" in seen(page)
    assert confirmed.status_code == 200
    assert PROTECTED in confirmed.text
    assert type(term).objects.filter(pk=term.pk).exists()
    for project in (befriending, walks):
        assert term in getattr(project, links).all()


@pytest.mark.parametrize(("term", "links"), TERMS)
def test_delete_selected_refuses_terms_projects_have(curator, term, links):
    term = term()
    ProjectFactory(title="Hackney Befriending", **{links: [term]})
    unused = type(term).objects.exclude(pk=term.pk).first()

    page, confirmed = delete_selected(curator, [term, unused])

    assert PROTECTED in page.text
    assert "Hackney Befriending" in page.text
    assert "retire them instead" in seen(page)
    assert PROTECTED in confirmed.text
    assert type(term).objects.filter(pk__in=[term.pk, unused.pk]).count() == 2


@pytest.mark.parametrize("projects", [1, 30])
def test_the_page_naming_what_protects_a_theme_takes_as_many_queries_for_thirty_projects_as_one(
    curator, projects, django_assert_max_num_queries
):
    cohesion = theme("cohesion")
    ProjectFactory.create_batch(projects, themes=[cohesion])
    RecommendationFactory().themes.set([cohesion])

    with django_assert_max_num_queries(8):
        page = curator.get(admin_url(Theme, "delete", cohesion.pk))

    assert PROTECTED in page.text
    assert seen(page).count("Project's theme:") == projects
    assert "Recommendation's theme:" in seen(page)


def test_a_theme_recommendations_have_cannot_be_deleted(curator):
    commission = CommissionFactory(title="Hackney Belonging Commission")
    recommendation = RecommendationFactory(commission=commission, number=4)
    recommendation.themes.set([theme("isolation")])

    page, _ = delete(curator, theme("isolation"))

    assert PROTECTED in page.text
    assert "Hackney Belonging Commission R4" in page.text
    assert list(recommendation.themes.all()) == [theme("isolation")]


def test_a_commission_projects_follow_from_cannot_be_deleted(curator):
    commission = CommissionFactory(title="Hackney Belonging Commission")
    project = ProjectFactory(title="Hackney Welcome Walks", commission=commission)

    page, confirmed = delete(curator, commission)

    assert PROTECTED in page.text
    assert "Hackney Welcome Walks" in page.text
    assert "retire it instead" in seen(page)
    assert PROTECTED in confirmed.text
    project.refresh_from_db()
    assert project.commission == commission


def test_a_commission_whose_recommendations_projects_address_cannot_be_deleted(curator):
    commission = CommissionFactory(title="Hackney Belonging Commission")
    recommendation = RecommendationFactory(commission=commission, number=2)
    project = ProjectFactory(title="Camden Welcome Walks")  # follows from no commission
    project.recommendations.set([recommendation])

    page, confirmed = delete_selected(curator, [commission])

    assert PROTECTED in page.text
    assert "Camden Welcome Walks" in page.text
    assert PROTECTED in confirmed.text
    assert list(project.recommendations.all()) == [recommendation]


def test_a_recommendation_projects_address_cannot_be_deleted(curator):
    recommendation = RecommendationFactory(number=3)
    ProjectFactory(title="Hackney Welcome Walks").recommendations.set([recommendation])

    page, confirmed = delete(curator, recommendation)

    assert PROTECTED in page.text
    assert "Hackney Welcome Walks (R3)" in page.text
    assert PROTECTED in confirmed.text
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()


def test_removing_an_addressed_recommendation_from_its_commission_is_refused(curator):
    commission = CommissionFactory()
    recommendation = RecommendationFactory(commission=commission, number=1)
    ProjectFactory(title="Hackney Welcome Walks").recommendations.set([recommendation])
    url = admin_url(Commission, "change", commission.pk)
    page = curator.get(url)
    data = browser_data(page.context["adminform"].form)
    for formset in page.context["inline_admin_formsets"]:
        formset = formset.formset
        for form in [formset.management_form, *formset.forms]:
            data.update(browser_data(form))
    data["recommendations-0-DELETE"] = "on"

    response = curator.post(url, data)

    assert response.status_code == 200
    assert PROTECTED in response.text
    assert "Hackney Welcome Walks" in response.text
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()


def test_an_officer_cannot_remove_a_recommendation_projects_address(client):
    editor = UserFactory()
    Membership.objects.create(user=editor, borough=borough("hackney"), role="editor")
    commission = CommissionFactory(lead_borough=borough("hackney"))
    recommendation = RecommendationFactory(commission=commission, number=1, text="Meet more.")
    ProjectFactory(title="Hackney Welcome Walks").recommendations.set([recommendation])
    client.force_login(editor)

    response = client.post(
        f"/officer/commissions/{commission.slug}/edit/",
        {
            "version": commission.version,
            "title": commission.title,
            "lead_borough": borough("hackney").pk,
            "kind": commission.kind,
            "status": commission.status,
            "established_on_day": 1,
            "established_on_month": 1,
            "established_on_year": 2020,
            "reported_on_day": 1,
            "reported_on_month": 1,
            "reported_on_year": 2021,
            "recommendations-TOTAL_FORMS": 1,
            "recommendations-INITIAL_FORMS": 1,
            "recommendations-0-id": recommendation.pk,
            "recommendations-0-number": 1,
            "recommendations-0-text": "Meet more.",
            "recommendations-0-DELETE": "on",
        },
    )

    assert response.status_code == 200
    assert "R1 cannot be removed while projects address it: Hackney Welcome Walks." in seen(
        response
    )
    assert Recommendation.objects.filter(pk=recommendation.pk).exists()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Theme.objects.create(name="Digital inclusion", slug="digital-inclusion"),
        lambda: TargetGroup.objects.create(name="Carers", slug="carers"),
        lambda: CommissionFactory(title="Unused Commission"),
    ],
    ids=["theme", "target-group", "commission"],
)
def test_what_no_project_uses_can_still_be_deleted(curator, make):
    record = make()
    project = ProjectFactory(themes=[theme("cohesion")])
    keys = Project.objects.get(pk=project.pk).facet_keys

    page, confirmed = delete(curator, record)

    assert "Are you sure you want to delete" in page.text
    assert "was deleted successfully" in seen(confirmed)
    assert not type(record).objects.filter(pk=record.pk).exists()
    assert Project.objects.get(pk=project.pk).facet_keys == keys


# Retiring instead ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (lambda: theme("cohesion"), "1 theme retired"),
        (lambda: target_group("older-people"), "1 target group retired"),
        (lambda: CommissionFactory(), "1 commission retired"),
    ],
    ids=["theme", "target-group", "commission"],
)
def test_a_curator_retires_selected_records_which_stay_on_their_projects(curator, record, message):
    record = record()
    project = ProjectFactory(themes=[theme("cohesion")], target_groups=[target_group()])
    model = type(record)

    response = curator.post(
        admin_url(model, "changelist"),
        {"action": "retire_selected", "_selected_action": [record.pk]},
        follow=True,
    )

    assert message in seen(response)
    record.refresh_from_db()
    assert record.retired
    assert record.history.latest().history_user == curator.user
    assert list(model.objects.current().filter(pk=record.pk)) == []
    retired_list = curator.get(admin_url(model, "changelist"), {"retired__exact": "1"})
    assert list(retired_list.context["cl"].queryset) == [record]
    project.refresh_from_db()
    assert list(project.themes.all()) == [theme("cohesion")]
    assert list(project.target_groups.all()) == [target_group()]


RETIRED_TAG = '<strong class="govuk-tag govuk-tag--grey">Retired</strong>'


def test_a_retired_theme_s_pages_still_work_and_say_it_is_retired(client):
    cohesion = theme("cohesion")
    cohesion.retired = True
    cohesion.save()
    ProjectFactory(title="Hackney Befriending", themes=[cohesion])

    page = client.get(cohesion.get_absolute_url())
    listing = client.get(reverse("projects:themes"))

    assert page.status_code == 200
    assert RETIRED_TAG in page.text
    assert "Hackney Befriending" in page.text
    assert listing.text.count(RETIRED_TAG) == 1


def test_a_retired_commission_s_pages_still_work_and_say_it_is_retired(client):
    commission = CommissionFactory(title="Hackney Belonging Commission", retired=True)
    ProjectFactory(title="Hackney Welcome Walks", commission=commission)

    page = client.get(commission.get_absolute_url())
    listing = client.get(reverse("boroughs:commissions"))

    assert page.status_code == 200
    assert RETIRED_TAG in page.text
    assert listing.text.count(RETIRED_TAG) == 1


@pytest.fixture
def retired():
    """A theme, a target group and a commission, retired, and a project that has them."""
    terms = {
        "theme": theme("cohesion"),
        "target_group": target_group("older-people"),
        "commission": CommissionFactory(title="Retired Commission"),
    }
    for term in terms.values():
        term.retired = True
        term.save()
    RecommendationFactory(commission=terms["commission"], text="A retired recommendation.")
    terms["project"] = ProjectFactory(
        title="Hackney Befriending",
        publication_state="draft",
        themes=[terms["theme"]],
        target_groups=[terms["target_group"]],
        commission=terms["commission"],
    )
    return terms


def offered(response, name):
    """The choices the form's field `name` offers."""
    return list(response.context["form"].fields[name].queryset)


def test_officers_are_offered_no_retired_term_for_a_new_project(client, retired):
    editor = UserFactory()
    Membership.objects.create(user=editor, borough=borough("hackney"), role="editor")
    client.force_login(editor)

    new = client.get("/officer/projects/new/")
    kept = client.get(f"/officer/projects/{retired['project'].slug}/edit/")

    for name, term in [
        ("themes", retired["theme"]),
        ("target_groups", retired["target_group"]),
        ("commission", retired["commission"]),
    ]:
        assert term not in offered(new, name)
        assert term in offered(kept, name)
    assert theme("isolation") in offered(new, "themes")
    assert "Retired Commission" not in new.text
    assert "A retired recommendation." not in new.text
    assert "A retired recommendation." in kept.text


def test_the_admin_offers_no_retired_term_for_a_new_project(curator, retired):
    new = curator.get(admin_url(Project, "add")).context["adminform"].form
    kept = (
        curator.get(admin_url(Project, "change", retired["project"].pk)).context["adminform"].form
    )

    for name, term in [
        ("themes", retired["theme"]),
        ("target_groups", retired["target_group"]),
        ("commission", retired["commission"]),
    ]:
        assert term not in new.fields[name].queryset
        assert term in kept.fields[name].queryset


def test_the_admin_s_autocomplete_offers_only_current_commissions_and_themes(curator, retired):
    CommissionFactory(title="Current Commission")

    def offered(app_label, model_name, field_name):
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name}
        response = curator.get(reverse("admin:autocomplete"), {**query, "term": ""})
        return [result["text"] for result in response.json()["results"]]

    assert offered("projects", "project", "commission") == ["Current Commission"]
    themes = offered("boroughs", "recommendation", "themes")
    assert "Equalities" in themes
    assert "Cohesion" not in themes


def test_a_project_keeps_its_retired_terms_when_an_officer_saves_it(client, retired):
    reviewer = UserFactory()
    Membership.objects.create(user=reviewer, borough=borough("hackney"), role="reviewer")
    client.force_login(reviewer)
    project = retired["project"]

    response = client.post(
        f"/officer/projects/{project.slug}/edit/",
        {
            "version": project.version,
            "title": "Hackney Befriending Network",
            "summary": project.summary,
            "lead_borough": project.lead_borough_id,
            "themes": [retired["theme"].pk],
            "target_groups": [retired["target_group"].pk],
            "commission": retired["commission"].pk,
            "delivery_status": project.delivery_status,
            "start_date_day": 1,
            "start_date_month": 4,
            "start_date_year": 2024,
            "fundings-TOTAL_FORMS": 0,
            "fundings-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Hackney Befriending Network"
    assert list(project.themes.all()) == [retired["theme"]]


def test_officers_give_recommendations_only_current_themes(client):
    editor = UserFactory()
    Membership.objects.create(user=editor, borough=borough("hackney"), role="editor")
    commission = CommissionFactory(lead_borough=borough("hackney"))
    recommendation = RecommendationFactory(commission=commission)
    cohesion = theme("cohesion")
    recommendation.themes.set([cohesion])
    cohesion.retired = True
    cohesion.save()
    client.force_login(editor)

    page = client.get(f"/officer/commissions/{commission.slug}/edit/")

    (existing, new) = page.context["formsets"][0].forms
    assert cohesion in existing.fields["themes"].queryset
    assert cohesion not in new.fields["themes"].queryset
    assert theme("isolation") in new.fields["themes"].queryset


# History of themes, target groups and funders ------------------------------------------------


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (lambda: theme("cohesion"), "description"),
        (lambda: target_group("older-people"), "description"),
        (lambda: FunderFactory(), "website"),
    ],
    ids=["theme", "target-group", "funder"],
)
def test_changes_to_themes_target_groups_and_funders_are_kept_in_their_history(
    curator, record, field
):
    record = record()
    url = admin_url(type(record), "change", record.pk)
    data = browser_data(curator.get(url).context["adminform"].form)

    curator.post(url, {**data, field: "https://example.org/changed"})

    history = curator.get(admin_url(type(record), "history", record.pk))
    assert history.status_code == 200
    assert curator.user.username in history.text
    assert record.history.latest().history_user == curator.user
    assert getattr(record.history.latest(), field) == "https://example.org/changed"


def test_a_deleted_theme_is_restored_from_its_history(curator):
    digital = Theme.objects.create(name="Digital inclusion", slug="digital-inclusion")
    delete(curator, digital)

    response = restore(curator, digital, digital.history.latest())

    assert "was changed successfully" in seen(response)
    assert Theme.objects.get(slug="digital-inclusion").name == "Digital inclusion"


def test_a_deleted_funder_is_restored_from_its_history(curator):
    funder = FunderFactory(name="Belonging Trust")
    delete(curator, funder)

    restore(curator, funder, funder.history.latest())

    assert Funder.objects.get(pk=funder.pk).name == "Belonging Trust"


# Restoring from history ------------------------------------------------------------------------


def test_a_deleted_settlement_is_not_restored_without_its_allocations_and_projects_funded(
    curator,
):
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    YearlyAllocationFactory(settlement=settlement)
    ProjectFundingFactory(settlement=settlement, amount=Decimal("400"))
    delete(curator, settlement)

    response = restore(curator, settlement, settlement.history.latest())

    assert response.status_code == 200
    assert (
        "This funding settlement cannot be restored: its yearly allocations and project "
        "fundings were deleted with it, and a restore does not bring them back. Add it again "
        "as a new funding settlement, with its yearly allocations and project fundings"
        in seen(response)
    )
    assert not FundingSettlement.objects.filter(pk=settlement.pk).exists()


def test_a_deleted_settlement_that_had_nothing_allocated_is_restored(curator):
    settlement = SettlementFactory(programme="Belonging Fund")
    delete(curator, settlement)

    response = restore(curator, settlement, settlement.history.latest())

    assert "was changed successfully" in seen(response)
    assert FundingSettlement.objects.get(pk=settlement.pk).programme == "Belonging Fund"


@pytest.fixture
def grown_settlement():
    """A settlement of £1,000 whose total and yearly allocation both grew to £1,500 since."""
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    allocation = YearlyAllocationFactory(settlement=settlement, amount=Decimal("1000"))
    settlement.total_amount = Decimal("1500")
    settlement.save()
    allocation.amount = Decimal("1500")
    allocation.save()
    return settlement


def test_a_settlement_is_not_reverted_to_a_total_its_allocations_do_not_add_up_to(
    curator, grown_settlement
):
    first = grown_settlement.history.earliest()

    response = restore(curator, grown_settlement, first)

    assert response.status_code == 200
    assert (
        "The yearly allocations add up to £1,500.00, but the settlement's total is £1,000.00."
        in seen(response)
    )
    grown_settlement.refresh_from_db()
    assert grown_settlement.total_amount == Decimal("1500")


def test_a_settlement_is_reverted_when_its_allocations_still_add_up(curator, grown_settlement):
    first = grown_settlement.history.earliest()

    response = restore(curator, grown_settlement, first, total_amount="1500", programme="Renamed")

    assert "was changed successfully" in seen(response)
    grown_settlement.refresh_from_db()
    assert (grown_settlement.programme, grown_settlement.total_amount) == (
        "Renamed",
        Decimal("1500"),
    )


def test_a_settlement_is_not_reverted_below_what_it_gives_projects(curator):
    settlement = SettlementFactory(total_amount=Decimal("1000"))
    settlement.total_amount = Decimal("2000")
    settlement.save()
    ProjectFundingFactory(settlement=settlement, amount=Decimal("1500"))

    response = restore(curator, settlement, settlement.history.earliest())

    assert (
        "The money allocated to projects (£1,500.00) exceeds the settlement's total of £1,000.00."
        in seen(response)
    )
    settlement.refresh_from_db()
    assert settlement.total_amount == Decimal("2000")


def test_a_deleted_commission_is_not_restored_without_its_recommendations(curator):
    commission = CommissionFactory()
    RecommendationFactory(commission=commission)
    delete(curator, commission)

    response = restore(curator, commission, commission.history.latest())

    assert "This commission cannot be restored: its recommendations were deleted with it" in seen(
        response
    )
    assert not Commission.objects.filter(pk=commission.pk).exists()


def test_a_deleted_commission_comes_back_with_its_partners(curator):
    commission = CommissionFactory(title="Hackney Belonging Commission")
    commission.partner_boroughs.set([borough("camden")])
    delete(curator, commission)

    response = restore(curator, commission, commission.history.latest())

    assert "was changed successfully" in seen(response)
    restored = Commission.objects.get(pk=commission.pk)
    assert list(restored.partner_boroughs.all()) == [borough("camden")]


def test_a_deleted_project_is_not_restored_without_its_funding_lines(curator):
    project = ProjectFactory()
    ProjectFundingFactory(project=project)
    delete(curator, project)

    response = restore(curator, project, project.history.latest())

    assert "its project fundings were deleted with it" in seen(response)
    assert not Project.objects.filter(pk=project.pk).exists()


def test_a_deleted_project_comes_back_whole_as_a_draft(curator):
    project = ProjectFactory(
        title="Hackney Befriending",
        themes=[theme("isolation"), theme("cohesion")],
        target_groups=[target_group("older-people")],
        partner_boroughs=[borough("camden")],
    )
    delete(curator, project)

    response = restore(curator, project, project.history.latest())

    assert "was changed successfully" in seen(response)
    restored = Project.objects.get(pk=project.pk)
    assert set(restored.themes.all()) == {theme("isolation"), theme("cohesion")}
    assert list(restored.target_groups.all()) == [target_group("older-people")]
    assert list(restored.partner_boroughs.all()) == [borough("camden")]
    assert restored.funding_total == 0
    assert sorted(restored.facet_keys) == sorted(restored.matching_facet_keys())
    # Its review steps went with it: it is reviewed again before the public sees it.
    assert restored.publication_state == Project.PublicationState.DRAFT


def test_a_restored_project_keeps_its_state_which_only_review_changes(curator):
    project = ProjectFactory(title="First title", publication_state="draft")
    first = project.history.latest()  # with its theme
    project.title = "Second title"
    project.publication_state = Project.PublicationState.PUBLISHED
    project.save()

    restore(curator, project, first)

    project.refresh_from_db()
    assert project.title == "First title"
    assert project.publication_state == Project.PublicationState.PUBLISHED


def test_a_deleted_project_whose_address_was_taken_since_is_not_restored(curator):
    project = ProjectFactory(title="Hackney Befriending")
    delete(curator, project)
    ProjectFactory(title="Hackney Befriending")  # takes its slug

    response = restore(curator, project, project.history.latest())

    assert response.status_code == 200
    assert "Project with this Slug already exists." in seen(response)
    assert not Project.objects.filter(pk=project.pk).exists()


def test_a_revert_keeps_counting_versions_so_stale_edits_are_still_caught(curator):
    commission = CommissionFactory(title="First title")
    commission.title = "Second title"
    commission.save()
    opened_at = commission.version

    restore(curator, commission, commission.history.earliest())

    commission.refresh_from_db()
    assert commission.title == "First title"
    assert commission.version > opened_at
