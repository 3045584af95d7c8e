"""What a row of an import file makes: ProjectResource and SettlementResource read a row's cells
and check them with the ModelForm the admin and officers use, so every rule is written once;
errors name the row and the column, and nothing is saved unless every row is right."""

import datetime
from collections import defaultdict
from contextlib import contextmanager
from copy import copy

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models
from django.forms.models import model_to_dict
from django.utils.text import slugify
from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult
from simple_history.utils import bulk_create_with_history

from portal.slugs import slugs_taken, unique_slug

from .. import services
from ..forms import ProjectForm, SettlementForm
from ..models import Funder, FundingSettlement, Project, Restrictions, TargetGroup, Theme
from ..models.project import PROJECT_HISTORY
from ..signals import facet_keys_deferred, refresh_facet_keys
from .cells import (
    AllocationsWidget,
    AmountsWidget,
    BoroughWidget,
    ChoiceWidget,
    CommissionWidget,
    DateWidget,
    FinancialYearWidget,
    FunderWidget,
    LinesWidget,
    MoneyWidget,
    ProjectFundingsWidget,
    SlugWidget,
    TaxonomyWidget,
    TextWidget,
    WholeNumberWidget,
)
from .choices import (
    ReadsOnce,
    RecordsReadOnce,
    field_reading_once,
)
from .files import UploadError, is_blank


def row_form(form_class):
    """`form_class` as it checks an import's rows: as it checks the admin's and officers'
    input, but that the choices it offers new records are read once an import (choices.py),
    and that its model's constraints are left to the database, which checks them as the row is
    saved (see SpreadsheetResource.do_instance_save): each costs a query and two savepoints a
    row."""

    class RowForm(form_class):
        class Meta(form_class.Meta):
            formfield_callback = staticmethod(field_reading_once)

        def __init__(self, *args, records, **kwargs):
            super().__init__(*args, **kwargs)
            if self.instance.pk is None:
                for name, field in self.fields.items():
                    if isinstance(field, ReadsOnce):
                        field.records, field.name = records, name

        def validate_constraints(self):
            pass

    return RowForm


def constraint_broken(model, error):
    """The constraint of `model` whose breach the database reports in `error`, if any."""
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    return next((c for c in model._meta.constraints if c.name == name), None)


def as_list(value):
    """A cell's value as a list: several as they are, one in a list, none empty."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def as_form_value(value):
    """A value read from a cell, or kept from a record, as a form's data holds it: a record by
    its primary key, several as a list, a date in ISO form, nothing as an empty text."""
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | models.QuerySet):
        return [as_form_value(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    return str(value)


class Column(Field):
    """One column of an import file: how to read it, whether a file must have it (and every row
    a value in it), and what to write in it."""

    def __init__(self, widget, *, help_text, required=False, empty_message=None, attribute=None):
        super().__init__(attribute=attribute, widget=widget)
        self.required = required
        self.help_text = help_text
        self.empty_message = empty_message or "required, but the cell is empty"

    def get_value(self, obj):
        # A record's related lines as its row gives them, rather than read back: the preview
        # shows the row's, and a project's links are saved only at the end of its file.
        imported = getattr(obj, "_imported_relations", {})
        if self.column_name in imported:
            value = imported[self.column_name]
            return value if isinstance(value, dict) else list(value)
        if getattr(obj, "_imported_new", False):
            # A record this file creates has no related rows yet but its row's.
            if isinstance(self.widget, AmountsWidget):
                return {}
            if getattr(self.widget, "many", False):
                return []
        return super().get_value(obj)


class SpreadsheetResource(resources.ModelResource):
    """Rows of a file read by Columns, then checked by `form_class`, the ModelForm the admin and
    officers use, so that a rule is written once: a row's cells become the form's data, over
    the record's own values for the columns the file leaves out.

    A row that breaks a rule is invalid, its errors keyed by column; any invalid row means
    nothing is imported, at the preview and again at confirmation (everything runs in a
    transaction, rolled back on any error).
    """

    form_class = None
    #: Columns saved after the row itself: many-to-many fields and lines of related tables.
    relation_columns = ()

    class Meta:
        use_transactions = True
        clean_model_instances = False  # the form has checked the row
        import_id_fields = []  # rows find their instance in get_instance()
        report_skipped = False  # blank rows

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.row_form_class = row_form(self.form_class)
        self.records = RecordsReadOnce()
        for name, field in self.fields.items():
            field.attribute = field.attribute or name
        self.first_rows = {}  # what identifies a row's record → the row that first had it

    @classmethod
    def columns(cls):
        return {field.column_name: field for field in cls().get_import_fields()}

    @classmethod
    def column_help(cls):
        return [
            {"name": name, "required": column.required, "help_text": column.help_text}
            for name, column in cls.columns().items()
        ]

    @classmethod
    def example_row(cls):
        """{column: value} of one row that imports as it is, for the template."""
        raise NotImplementedError

    @classmethod
    def check_headers(cls, headers):
        """Raise UploadError unless `headers` hold every required column and no unknown one."""
        columns = cls.columns()
        missing = [
            name for name, column in columns.items() if column.required and name not in headers
        ]
        unknown = [header for header in headers if header not in columns]
        problems = []
        if missing:
            problems.append(
                f"The file is missing the required column{'s' * (len(missing) > 1)}: "
                f"{', '.join(missing)}."
            )
        if unknown:
            problems.append(
                f"The file has {'columns' if len(unknown) > 1 else 'a column'} this import does "
                "not know: "
                f"{', '.join(unknown)}. The columns are: {', '.join(columns)}."
            )
            if len(headers) == 1 and ";" in headers[0]:
                problems.append("Its columns seem to be separated by “;” – use commas.")
        if problems:
            raise UploadError(" ".join([*problems, "Download the template to see them."]))

    def import_data(self, dataset, **kwargs):
        # All or nothing: roll back on invalid rows too, also when the import is confirmed.
        kwargs["use_transactions"] = True
        kwargs["rollback_on_validation_errors"] = True
        # Only the preview shows each row's values, old and new; a confirmed import only counts.
        self._meta = copy(self._meta)
        self._meta.skip_diff = not kwargs.get("dry_run", False)
        return super().import_data(dataset, **kwargs)

    def import_data_inner(self, *args, **kwargs):
        # Inside import_data()'s transaction, so the keys are rolled back with the rows.
        with facet_keys_deferred():
            return super().import_data_inner(*args, **kwargs)

    def import_row(self, row, instance_loader, **kwargs):
        if all(is_blank(value) for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        return super().import_row(row, instance_loader, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        instance._imported_new = is_create
        super().save_instance(instance, is_create, row, **kwargs)

    def do_instance_save(self, instance, is_create):
        try:
            super().do_instance_save(instance, is_create)
        except IntegrityError as error:
            # The row's form left the model's constraints to the database. Model.save() has
            # marked the row's savepoint (import-export gives each row one) to be rolled back.
            broken = constraint_broken(type(instance), error)
            if broken is None:
                raise
            raise ValidationError(broken.get_violation_error_message()) from error

    def cleaned(self, name, row):
        """The value of a column in `row`, or None when it is missing, blank or wrong."""
        try:
            return self.fields[name].clean(row) if name in row else None
        except ValueError:
            return None

    def import_instance(self, instance, row, **kwargs):
        errors, read = {}, {}
        for column in self.get_import_fields():
            name = column.column_name
            if name not in row:
                continue
            try:
                value = column.clean(row, **kwargs)
            except ValueError as error:
                errors[name] = ValidationError(str(error))
                continue
            if column.required and value in (None, "", [], {}):
                errors[name] = ValidationError(column.empty_message)
            elif value is not None or not isinstance(column.widget, ChoiceWidget):
                read[name] = value  # a blank choice keeps its value
        self.fill_blanks(read, errors)
        form = self.row_form_class(
            data=self.form_data(instance, read), instance=instance, records=self.records
        )
        if not form.is_valid():
            for name, problems in form.errors.items():
                if form.has_error(name, "duplicate"):
                    problems = self.duplicate_problem(form)
                retired = [term for term in as_list(read.get(name)) if getattr(term, "retired", 0)]
                if retired:
                    names = " and ".join(f"“{term}”" for term in retired)
                    problems = (
                        f"{names} {'is' if len(retired) == 1 else 'are'} retired – choose a "
                        "current one"
                    )
                # A cell that could not be read has already said why.
                errors.setdefault(name, ValidationError(problems))
        relations = {
            name: form.cleaned_data.get(name, value) if name in form.fields else value
            for name, value in read.items()
            if name in self.relation_columns
        }
        instance._imported_relations = relations
        self.check_row(instance, relations, errors, sheet_row=kwargs["row_number"] + 1, read=read)
        if errors:
            raise ValidationError(errors)

    def fill_blanks(self, read, errors):
        """Give blank cells that stand for another column's value that value."""

    def duplicate_problem(self, form):
        """What a row says when its form finds it duplicates an existing record."""
        return form.errors[form.duplicate_field]

    def form_data(self, instance, read):
        """The form's data: the row's cells as the form reads them, over the record's own values
        for the columns the file leaves out."""
        data = {}
        values = model_to_dict(instance, fields=list(self.form_class.base_fields))
        for name in self.form_class.base_fields:
            data[name] = as_form_value(read[name] if name in read else values.get(name))
        return data

    def check_row(self, instance, relations, errors, sheet_row, read):
        """Add to `errors` ({column: message}) what only an import can break: the same record
        twice in a file, say. `read` holds the row's cells as read, where the record holds
        only what its form accepted."""

    def first_row_for(self, key, sheet_row):
        """The row that first had `key` in this file, or None if this is it."""
        first = self.first_rows.setdefault(key, sheet_row)
        return first if first != sheet_row else None

    def save_m2m(self, instance, row, **kwargs):
        if not self._is_using_transactions(kwargs) and self._is_dry_run(kwargs):
            return
        self.save_relations(instance, self.relation_columns)

    def save_relations(self, instance, names):
        for name in names:
            if name in instance._imported_relations:
                self.save_relation(instance, name, instance._imported_relations[name])

    def save_relation(self, instance, name, value):
        getattr(instance, self.fields[name].attribute).set(value)


@contextmanager
def history_skipped(instance):
    """Saves and many-to-many changes of `instance` that simple_history does not record."""
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving


def save_links(projects, names):
    """Give `projects` the many-to-many links their rows name (in `_imported_relations`), for
    each field of `names` a row has a column for, replacing those they had."""
    for name in names:
        field = Project._meta.get_field(name)
        through = field.remote_field.through
        project_id = f"{field.m2m_field_name()}_id"
        target_id = f"{field.m2m_reverse_field_name()}_id"
        holders = [project for project in projects if name in project._imported_relations]
        through.objects.filter(**{f"{project_id}__in": [p.pk for p in holders]}).delete()
        through.objects.bulk_create(
            through(**{project_id: project.pk, target_id: target.pk})
            for project in holders
            for target in project._imported_relations[name]
        )


def titles_taken(rows):
    """Those of `rows` ([(title, lead authority's key)]) that a project has, its title in any
    case (as ProjectForm.matching compares them), in one query."""
    if not rows:
        return set()
    titles, leads = zip(*rows, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT given.title, given.lead
            FROM unnest(%s::text[], %s::bigint[]) AS given (title, lead)
            WHERE EXISTS (
                SELECT FROM {Project._meta.db_table} AS project
                WHERE project.lead_borough_id = given.lead
                AND upper(project.title) = upper(given.title)
            )""",
            [list(titles), list(leads)],
        )
        return set(cursor.fetchall())


def record_in_history(projects, *, update, user):
    """One history record for each of `projects`, holding its links, written in a few queries
    (simple_history's bulk_history_create leaves the links out; they are added here as its
    create_historical_record_m2ms does for one record)."""
    if not projects:
        return
    records = Project.history.bulk_history_create(
        projects, update=update, default_user=user if user and user.is_authenticated else None
    )
    record_of = {record.id: record for record in records}
    for field in Project.history.model._history_m2m_fields:
        history_model = PROJECT_HISTORY.m2m_models[field]  # shared by every model's history
        through = field.remote_field.through
        project_id = f"{field.m2m_field_name()}_id"
        links = through.objects.filter(**{f"{project_id}__in": list(record_of)})
        columns = [column.attname for column in through._meta.concrete_fields]
        history_model.objects.bulk_create(
            history_model(
                history=record_of[getattr(link, project_id)],
                **{column: getattr(link, column) for column in columns},
            )
            for link in links
        )


class ProjectResource(SpreadsheetResource):
    """One row per project; an existing project is updated when the row gives its slug."""

    form_class = ProjectForm
    relation_columns = ("partner_boroughs", "target_groups", "themes")
    BOROUGH_HELP = "Its name, GSS code (E09000012) or three-letter code (HCK), in any case."

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.saved = []  # the projects of the file's rows, saved without their links
        self.titles_taken = set()  # (title, lead authority's key) of rows some project has
        self.slugs_taken = set()  # the slugs projects have that start with a row's title's

    slug = Column(
        SlugWidget(),
        help_text="Leave blank for a new project (a slug is made from the title); give a slug to "
        "update that project, or to create a new one with it.",
    )
    title = Column(TextWidget(), required=True, help_text="The project’s name.")
    summary = Column(TextWidget(), required=True, help_text="One or two sentences.")
    description = Column(TextWidget(), help_text="The longer description.")
    lead_borough = Column(BoroughWidget(), required=True, help_text=BOROUGH_HELP)
    partner_boroughs = Column(
        BoroughWidget(many=True),
        help_text="Other authorities taking part, separated by “;”. " + BOROUGH_HELP,
    )
    themes = Column(
        TaxonomyWidget(Theme, "theme"),
        required=True,
        empty_message="give at least one theme, e.g. cohesion",
        help_text="At least one, by slug or name, separated by “;”: cohesion; isolation.",
    )
    target_groups = Column(
        TaxonomyWidget(TargetGroup, "target group"),
        help_text="By slug or name, separated by “;”: older-people; women.",
    )
    delivery_partners = Column(
        LinesWidget(), help_text="Organisations delivering it with the council, separated by “;”."
    )
    delivery_status = Column(
        ChoiceWidget(Project.DeliveryStatus, "delivery status"),
        help_text="planned, active, completed, paused or cancelled. Blank: planned for a new "
        "project, unchanged for an existing one.",
    )
    start_date = Column(DateWidget(), required=True, help_text="YYYY-MM-DD or DD/MM/YYYY.")
    end_date = Column(
        DateWidget(),
        help_text="YYYY-MM-DD or DD/MM/YYYY; not before the start. Blank while ongoing.",
    )
    people_reached = Column(WholeNumberWidget(), help_text="A whole number, or blank.")
    outcomes = Column(TextWidget(), help_text="What it achieved.")
    evaluation_url = Column(TextWidget(), help_text="A link to an evaluation, https://…")
    contact_name = Column(TextWidget(), help_text="A public contact.")
    contact_email = Column(TextWidget(), help_text="The public contact’s email address.")
    no_funding_reason = Column(
        TextWidget(),
        help_text="Why no funding is recorded, for a project published without funding lines.",
    )
    commission = Column(
        CommissionWidget(), help_text="The slug of the commission it follows from, or blank."
    )
    publication_state = Column(
        ChoiceWidget(Project.PublicationState, "publication state"),
        help_text="For a new project: draft (or blank), submitted, published or archived. An "
        "existing project keeps its state: change it with the review actions.",
    )

    class Meta:
        model = Project
        # The form's fields; a project's recommendations (and why any is on another theme)
        # are chosen in the admin.
        fields = tuple(
            name
            for name in ProjectForm.Meta.fields
            if name not in ("recommendations", "off_theme_reason")
        )

    @classmethod
    def example_row(cls):
        return {
            "slug": "",
            "title": "Hackney Lunch Club for Neighbours",
            "summary": "Neighbours of every background cook and share a weekly lunch.",
            "description": "Volunteers host the lunch in three community centres.",
            "lead_borough": "Hackney",
            "partner_boroughs": "TWH; E09000019",
            "themes": "cohesion; isolation",
            "target_groups": "older-people; whole-community",
            "delivery_partners": "Hackney Volunteer Centre; Dalston Community Kitchen",
            "delivery_status": "active",
            "start_date": "2024-04-01",
            "end_date": "2028-03-31",
            "people_reached": "250",
            "outcomes": "Fewer older people say they feel lonely.",
            "evaluation_url": "",
            "contact_name": "Community Cohesion Team",
            "contact_email": "cohesion@example.org",
            "no_funding_reason": "",
            "commission": "",
            "publication_state": "draft",
        }

    def filter_export(self, queryset, **kwargs):
        # Each row's links read with the rest, not a query per project.
        return queryset.select_related("lead_borough", "commission").prefetch_related(
            "partner_boroughs", "themes", "target_groups"
        )

    def get_instance(self, instance_loader, row):
        slug = self.cleaned("slug", row)
        return Project.objects.filter(slug=slug).first() if slug else None

    def check_row(self, instance, relations, errors, sheet_row, read):
        if instance.pk and "publication_state" not in errors:
            current = Project.objects.values_list("publication_state", flat=True).get(
                pk=instance.pk
            )
            if instance.publication_state != current:
                errors["publication_state"] = (
                    f"the project is {Project.PublicationState(current).label.lower()}; change "
                    "the publication state of an existing project with the review actions "
                    "(submit, publish, return, archive), not by import"
                )
        terms = {"start_date", "end_date", "lead_borough", "partner_boroughs"}
        if instance.pk and not terms & errors.keys():
            self.check_funding_still_fits(instance, errors)
        if instance.slug:
            key, column = instance.slug, "slug"
        else:
            key, column = slugify(read.get("title") or ""), "title"
        first = self.first_row_for(("project", key), sheet_row) if key else None
        # Said in place of the form's question about a project already saved: that one is
        # this file's own earlier row.
        if first and (column not in errors or column == "title"):
            errors[column] = (
                f"the same project as row {first} – a project can appear only once in a file"
                + (" (give each its own slug if they differ)" if column == "title" else "")
            )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        rows = [
            (self.cleaned("title", row), self.cleaned("lead_borough", row)) for row in dataset.dict
        ]
        self.titles_taken = titles_taken(
            [(title, lead.pk) for title, lead in rows if title and lead]
        )
        self.slugs_taken = slugs_taken(Project, [title for title, _ in rows if title])

    def form_data(self, instance, read):
        data = super().form_data(instance, read)
        lead = read.get("lead_borough")
        # A row giving a slug of its own asks for a project of its own, whatever its title; and
        # the form need not ask whether a row duplicates a project when none has its title.
        taken = (read.get("title"), getattr(lead, "pk", None)) in self.titles_taken
        data["save_anyway"] = "on" if read.get("slug") or not taken else ""
        return data

    def duplicate_problem(self, form):
        slugs = ", ".join(project.slug for project in form.duplicates)
        return (
            f"a project with this title led by {form.cleaned_data['lead_borough']} already "
            f"exists ({slugs}) – give its slug to update it, or a slug of its own to add "
            "another project"
        )

    @staticmethod
    def check_funding_still_fits(project, errors):
        """The row's dates and authorities must still suit the project's funding lines."""
        problems = []
        for line in project.fundings.select_related("settlement__funder", "settlement__recipient"):
            try:
                line.settlement.check_can_fund(project, project.authority_ids)
            except ValidationError as error:
                problems += error.messages
        if problems:
            errors[NON_FIELD_ERRORS] = ValidationError(
                [*problems, "Change its funding lines first, or keep its dates and authorities."]
            )

    def save_instance(self, instance, is_create, row, **kwargs):
        # A row's links and its history record are written with every other row's, once the
        # file's rows are saved (after_import): a few queries a file rather than a score a row.
        with history_skipped(instance):
            super().save_instance(instance, is_create, row, **kwargs)
        if is_create:
            services.record_imported_state(project=instance, by=kwargs.get("user"))
        self.saved.append(instance)

    def save_m2m(self, instance, row, **kwargs):
        pass  # after_import() saves every row's links

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.saved and not (result.has_errors() or result.has_validation_errors()):
            save_links(self.saved, self.relation_columns)
            refresh_facet_keys([project.pk for project in self.saved])
            for is_new in (True, False):
                recorded = [project for project in self.saved if project._imported_new is is_new]
                record_in_history(recorded, update=not is_new, user=kwargs.get("user"))

    def before_save_instance(self, instance, row, **kwargs):
        if not instance.slug:
            instance.slug = unique_slug(Project, instance.title, taken=self.slugs_taken)
        user = kwargs.get("user")
        if user is not None and user.is_authenticated:
            if instance.pk is None:
                instance.created_by = user
            instance.updated_by = user
            instance._history_user = user


class SettlementResource(SpreadsheetResource):
    """One row per settlement; an existing one is updated when a row has its funder, programme,
    recipient and first year. Its yearly allocations and project funding are replaced by the
    row's when the file has those columns."""

    form_class = SettlementForm
    relation_columns = ("allocations", "projects")
    IDENTITY = ("funder", "programme", "recipient", "first_year")

    funder = Column(
        FunderWidget(),
        required=True,
        help_text="The funder’s name or slug; it must already be in the admin.",
    )
    programme = Column(TextWidget(), required=True, help_text="The programme’s name.")
    recipient = Column(
        BoroughWidget(),
        required=True,
        help_text="The authority receiving it: its name, GSS code (E09000012) or three-letter "
        "code (HCK).",
    )
    total_amount = Column(
        MoneyWidget(), required=True, help_text="In pounds: 150000 or £150,000.00."
    )
    first_year = Column(
        FinancialYearWidget(), required=True, help_text="The first financial year: 2024-25 or 2024."
    )
    last_year = Column(
        FinancialYearWidget(),
        help_text="The last financial year: 2025-26 or 2025. Blank: the same as the first.",
    )
    restrictions = Column(
        ChoiceWidget(Restrictions, "restrictions level"),
        required=True,
        help_text="unrestricted, light-touch, ring-fenced or heavily-restricted (or their labels).",
    )
    conditions = Column(TextWidget(), help_text="What the funder requires.")
    awarded_on = Column(DateWidget(), required=True, help_text="YYYY-MM-DD or DD/MM/YYYY.")
    allocations = Column(
        AllocationsWidget(),
        help_text=f"Yearly amounts, “{AllocationsWidget.EXAMPLE}”, within its years and adding "
        "up to the total; or blank. They replace any it has.",
    )
    projects = Column(
        ProjectFundingsWidget(),
        attribute="project_fundings",
        help_text="Money for projects, “project-slug: 25000; another-slug: 10000”, in all at most "
        "the total; or blank. It replaces any it has.",
    )

    class Meta:
        model = FundingSettlement
        fields = (*SettlementForm.Meta.fields, "allocations", "projects")

    @classmethod
    def example_row(cls):
        funder = Funder.objects.order_by("name", "pk").first()
        project = Project.objects.order_by("title", "pk").first()
        return {
            "funder": funder.name if funder else "Name of a funder in the admin",
            "programme": "Connected Communities",
            "recipient": "HCK",
            "total_amount": "150000",
            "first_year": "2024-25",
            "last_year": "2025-26",
            "restrictions": "light-touch",
            "conditions": "A short report each quarter.",
            "awarded_on": "2024-03-01",
            "allocations": AllocationsWidget.EXAMPLE,
            "projects": f"{project.slug}: 25000" if project else "",
        }

    def identity(self, row):
        """What identifies a row's settlement, or None while any part of it is missing."""
        key = {name: self.cleaned(name, row) for name in self.IDENTITY}
        return None if any(value in (None, "") for value in key.values()) else key

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("funder", "recipient").prefetch_related(
            "allocations", "project_fundings__project"
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.found = {}  # what identifies a row's settlement → how many have it (at most 2)
        # Written for every row at once after the last (after_import): a few queries a file
        # rather than four a row.
        self.created = []  # the new settlements, saved without their history
        self.lines_added = defaultdict(list)  # {line model: lines the rows add}
        self.funded = set()  # the projects whose funding lines the rows change

    @staticmethod
    def identified(key):
        return (
            key["funder"].pk,
            key["programme"].casefold(),
            key["recipient"].pk,
            key["first_year"],
        )

    def get_instance(self, instance_loader, row):
        key = self.identity(row)
        if key is None:
            return None
        matches = list(self.matching(key)[:2])
        self.found[self.identified(key)] = len(matches)
        return matches[0] if len(matches) == 1 else None

    def form_data(self, instance, read):
        data = super().form_data(instance, read)
        # A settlement the form would call a duplicate has the row's identity: none has it, the
        # form need not ask.
        key = {name: read.get(name) for name in self.IDENTITY}
        unknown = None in key.values() or self.found.get(self.identified(key)) != 0
        data["save_anyway"] = "" if unknown else "on"
        return data

    @staticmethod
    def matching(key):
        return FundingSettlement.objects.filter(
            funder=key["funder"],
            programme__iexact=key["programme"],
            recipient=key["recipient"],
            first_year=key["first_year"],
        )

    def fill_blanks(self, read, errors):
        if read.get("last_year") is None and "last_year" not in errors:
            read["last_year"] = read.get("first_year")  # a single-year settlement

    def check_row(self, instance, relations, errors, sheet_row, read):
        years_read = not {"first_year", "last_year", NON_FIELD_ERRORS} & errors.keys()
        money_read = years_read and not {"total_amount", "last_year"} & errors.keys()
        if money_read and "allocations" not in errors:
            if "allocations" in relations:
                yearly = relations["allocations"]
            elif instance.pk:
                yearly = {a.financial_year: a.amount for a in instance.allocations.all()}
            else:
                yearly = {}
            try:
                instance.check_yearly_allocations(yearly)
            except ValidationError as error:
                errors["allocations"] = error
        if money_read and "projects" not in errors:
            if "projects" in relations:
                amounts = list(relations["projects"].values())
            elif instance.pk:
                amounts = [line.amount for line in instance.project_fundings.all()]
            else:
                amounts = []
            try:
                instance.check_project_allocations(amounts)
            except ValidationError as error:
                errors["projects"] = error
        if (
            "projects" in relations
            and "projects" not in errors
            and not ({"first_year", "last_year", "recipient"} & errors.keys())
        ):
            problems = []
            for project in relations["projects"]:
                try:
                    instance.check_can_fund(project, project.authority_ids)
                except ValidationError as error:
                    problems += [f"{project.slug}: {message}" for message in error.messages]
            if problems:
                errors["projects"] = ValidationError(problems)
        if not set(self.IDENTITY) & errors.keys():
            key = {name: getattr(instance, name) for name in self.IDENTITY}
            first = self.first_row_for(("settlement", *self.identified(key)), sheet_row)
            if first:
                errors[NON_FIELD_ERRORS] = (
                    f"the same settlement as row {first} (the same funder, programme, recipient "
                    "and first year) – a settlement can appear only once in a file"
                )
            elif instance.pk is None and self.found.get(self.identified(key)) == 2:
                errors[NON_FIELD_ERRORS] = (
                    "several settlements already have this funder, programme, recipient and first "
                    "year, so the import cannot tell which to update – edit them in the admin"
                )

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create:
            super().save_instance(instance, is_create, row, **kwargs)
            return
        with history_skipped(instance):
            super().save_instance(instance, is_create, row, **kwargs)
        self.created.append(instance)

    def save_relation(self, instance, name, value):
        new = instance._imported_new
        if name == "allocations":
            added, _ = sync_lines(instance.allocations, "financial_year", value, new=new)
        else:
            amounts = {project.pk: amount for project, amount in value.items()}
            added, removed = sync_lines(instance.project_fundings, "project_id", amounts, new=new)
            self.funded.update([*amounts, *removed])
        for line in added:
            self.lines_added[type(line)].append(line)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return
        user = kwargs.get("user")
        user = user if user is not None and user.is_authenticated else None
        if self.created:
            FundingSettlement.history.bulk_history_create(self.created, default_user=user)
        # New lines are written with their history, without their save signals: what those
        # would do is done once for all of them.
        for model, lines in self.lines_added.items():
            bulk_create_with_history(lines, model, default_user=user)
        if self.funded:
            funded = Project.objects.filter(pk__in=self.funded)
            funded.refresh_funding_totals()
            refresh_facet_keys(funded)


def sync_lines(manager, key, amounts, *, new):
    """Make the lines of `manager` exactly {key value: amount}, changing only what differs: the
    lines to add, unsaved, and the key values of the lines it deleted (none for a `new` record,
    which has none yet)."""
    existing = {} if new else {getattr(line, key): line for line in manager.all()}
    added = []
    for value, amount in amounts.items():
        line = existing.pop(value, None)
        if line is None:
            line = {manager.field.name: manager.instance, key: value, "amount": amount}
            added.append(manager.model(**line))
        elif line.amount != amount:
            line.amount = amount
            line.save(update_fields=["amount"])
    for line in existing.values():
        line.delete()
    return added, list(existing)
