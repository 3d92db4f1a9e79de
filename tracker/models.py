"""What callers may send: every concern's validated inputs (Pydantic models and field types), and
the one sentence that says what is wrong with an input."""

from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from tracker.config import MAX_AMOUNT, MAX_ID
from tracker.errors import InvalidInput
from tracker.tags import TAG_MAX, TAGS_PER_EXPENSE_MAX, check_tag
from tracker.validation import (
    check_cents,
    check_date,
    check_month,
    check_search,
    check_text,
)

Amount = Annotated[
    float,
    Field(strict=True, gt=0, le=MAX_AMOUNT, allow_inf_nan=False, examples=[12.5]),
    AfterValidator(check_cents),
]
Description = Annotated[
    str,
    AfterValidator(check_text),
    Field(strict=True, min_length=1, max_length=200, examples=["Lunch, with \"friends\""]),
]
RowId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, examples=[1])]
IsoDate = Annotated[
    str,
    # check_date tells what is wrong in words; a bare pattern error would show a regex.
    Field(strict=True, examples=["2025-03-14"], json_schema_extra={"format": "date"}),
    AfterValidator(check_date),
]
CategoryName = Annotated[
    str,
    AfterValidator(check_text),
    Field(strict=True, min_length=1, max_length=50, examples=["Groceries"]),
]
Month = Annotated[
    str,
    Field(strict=True, examples=["2025-03"], json_schema_extra={"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}),
    AfterValidator(check_month),
]
Color = Annotated[str, Field(strict=True, pattern=r"^#[0-9a-fA-F]{6}$", examples=["#2a9d8f"])]
TagName = Annotated[str, Field(strict=True, max_length=200, examples=["holiday"]), AfterValidator(check_tag)]
TAGS_DESCRIPTION = (f"Tags: letters, digits, '-' and '_', at most {TAG_MAX} characters each; a leading '#' is "
                    "dropped and a tag is stored in lower case (#Holiday is holiday).")


SearchText = Annotated[Annotated[str, Field(max_length=200)] | None, AfterValidator(check_search), Field(
    description="Search: every word must occur in the description, in any case and with or without "
    "accents (e.g. `cafe` finds Café). Plain text: quotes, * or AND have no special meaning.",
)]


class ExpenseFilters(BaseModel):
    """Which expenses a list, a count or an export is about. The one parser of these query
    parameters: the API's routes take it as their query, and the window's export parses the
    page's query string with `from_query`, so that both always pick the same rows."""

    date_from: IsoDate | None = Field(None, description="First date included (YYYY-MM-DD).")
    date_to: IsoDate | None = Field(None, description="Last date included (YYYY-MM-DD).")
    category_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    q: SearchText = None
    tag: Annotated[list[TagName], Field(max_length=TAGS_PER_EXPENSE_MAX)] = Field(
        default_factory=list, description="Only expenses that have this tag (repeat it: expenses with all of them).")

    @classmethod
    def from_query(cls, query: str) -> "ExpenseFilters":
        """Parse a query string (`?date_from=…&q=…`) as the API does: the last of repeated
        parameters counts, unknown ones are ignored; invalid values are refused in the same words."""
        params: dict[str, Any] = {
            key: values if key == "tag" else values[-1]
            for key, values in parse_qs(query.lstrip("?"), keep_blank_values=True).items()
        }
        try:
            return cls.model_validate(params)
        except ValidationError as exc:
            located = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors()]
            raise InvalidInput(describe_validation_error(located)) from None


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


UNCHANGED = "Leave it out or send null to keep it as it is."


class CategoryCreate(StrictModel):
    name: CategoryName
    color: Color = "#6c757d"


class CategoryUpdate(StrictModel):
    name: CategoryName | None = Field(None, description=UNCHANGED)
    color: Color | None = Field(None, description=UNCHANGED)


def check_currency_code(value: str | None) -> str | None:
    if value is None:
        return None
    from tracker.currencies import minor_units

    upper = value.strip().upper()
    if upper not in minor_units():
        raise ValueError(f"must be an ISO 4217 currency code such as USD, EUR or JPY, got {value!r}")
    return upper


def check_amount_in(value: float, info: ValidationInfo) -> float:
    """At most the minor unit of the currency sent along (declared before amount); without one,
    the seed's rule, two decimals, in the seed's words."""
    currency = info.data.get("currency")
    if currency is None:
        return check_cents(value)
    from tracker.currencies import decimals_problem

    problem = decimals_problem(value, currency)
    if problem:
        raise ValueError(problem.rstrip("."))
    return value


CurrencyCode = Annotated[
    Annotated[str, Field(strict=True, min_length=3, max_length=3, examples=["JPY"])] | None,
    AfterValidator(check_currency_code),
    Field(description="ISO 4217 code of the amount's currency; leave it out for the home currency (the `currency` setting)."),
]
TypedRate = Annotated[float, Field(
    gt=0, le=1e9, allow_inf_nan=False, examples=[0.0061],
    description="One unit of the expense's currency in the home currency (a card statement's rate); "
    "leave it out for the European Central Bank's rate of the expense's date.",
)]
AnyAmount = Annotated[float, Field(strict=True, gt=0, le=MAX_AMOUNT, allow_inf_nan=False, examples=[12.5])]


class ExpenseCreate(StrictModel):
    # currency and rate come first so that amount's check knows the currency's decimals.
    currency: CurrencyCode = None
    rate: TypedRate | None = None
    amount: AnyAmount
    description: Description
    category_id: RowId
    date: IsoDate
    tags: Annotated[list[TagName], Field(max_length=TAGS_PER_EXPENSE_MAX)] | None = Field(
        None, description=TAGS_DESCRIPTION)

    @field_validator("amount")
    @classmethod
    def amount_in_currency(cls, value: float, info: ValidationInfo) -> float:
        return check_amount_in(value, info)


class ExpenseUpdate(StrictModel):
    # The seed: "only update fields that are provided (not None)". A field sent as null is
    # left as it is, like a field not sent; a field sent with a value must be valid.
    currency: CurrencyCode = None
    rate: TypedRate | None = Field(None, description="A typed rate; leave it out to keep the expense's rate.")
    amount: AnyAmount | None = Field(None, description=UNCHANGED)
    description: Description | None = Field(None, description=UNCHANGED)
    category_id: RowId | None = Field(None, description=UNCHANGED)
    date: IsoDate | None = Field(None, description=UNCHANGED)
    tags: Annotated[list[TagName], Field(max_length=TAGS_PER_EXPENSE_MAX)] | None = Field(
        None, description="The expense's tags from now on ([] takes them all away). " + UNCHANGED)

    @field_validator("amount")
    @classmethod
    def amount_in_currency(cls, value: float | None, info: ValidationInfo) -> float | None:
        return None if value is None else check_amount_in(value, info)


class ExpensePartIn(StrictModel):
    """One part of a split expense: its category, its amount (in the expense's currency) and a note."""

    category_id: RowId
    amount: AnyAmount
    note: Annotated[str, Field(max_length=200)] | None = Field(None, description="Its own note, if any.")


class SettingsUpdate(StrictModel):
    currency: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$", examples=["EUR"])] | None = Field(
        None, description=UNCHANGED)
    week_start: Annotated[int, Field(strict=True, ge=1, le=7, examples=[1])] | None = Field(
        None, description=UNCHANGED)


class HomeCurrencyChange(StrictModel):
    currency: Annotated[str, Field(strict=True, min_length=3, max_length=3, examples=["EUR"]),
                        AfterValidator(check_currency_code)] = Field(description="The new home currency (ISO 4217).")


class BudgetSet(StrictModel):
    amount: Amount = Field(description="The monthly limit, in the same currency as the expenses.")


Frequency = Literal["daily", "weekly", "monthly", "yearly"]
Interval = Annotated[int, Field(strict=True, ge=1, le=1000, description="Every how many days, weeks, months or years.")]
DayOfMonth = Annotated[int, Field(
    strict=True, ge=1, le=31,
    description="Monthly only (default: the start date's day); 29–31 mean the last day in shorter months.",
)]


class RecurringCreate(StrictModel):
    amount: Amount
    description: Description
    category_id: RowId
    frequency: Frequency
    interval: Interval = 1
    day_of_month: DayOfMonth | None = None
    start_date: IsoDate
    end_date: IsoDate | None = Field(None, description="Last date that may be posted (inclusive); null: no end.")


class RecurringUpdate(StrictModel):
    # As ExpenseUpdate: a field sent with a value changes; one not sent, or sent as null, stays.
    # Except end_date and day_of_month, which null clears (no end; the start date's day).
    amount: Amount | None = Field(None, description=UNCHANGED)
    description: Description | None = Field(None, description=UNCHANGED)
    category_id: RowId | None = Field(None, description=UNCHANGED)
    frequency: Frequency | None = Field(None, description=UNCHANGED)
    interval: Interval | None = Field(None, description=UNCHANGED)
    day_of_month: DayOfMonth | None = Field(
        None, description="Null: the start date's day (monthly only). Leave it out to keep it.")
    start_date: IsoDate | None = Field(None, description=UNCHANGED)
    end_date: IsoDate | None = Field(None, description="Null: no end. Leave it out to keep it.")


class OccurrenceDate(StrictModel):
    date: IsoDate


class RestoreRequest(StrictModel):
    name: Annotated[str, Field(strict=True, min_length=1, max_length=300, examples=["expenses-2026-11-24.db"])]


ProfileName = Annotated[str, AfterValidator(check_text), Field(strict=True, min_length=1, max_length=100)]


class CategoryChoice(StrictModel):
    id: RowId | None = Field(None, description="Put these rows in this existing category.")
    new: CategoryName | None = Field(None, description="Or make a new category of this name for them.")


LineNumber = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]


class ImportOptions(StrictModel):
    """How to read the file and which rows to take; every field is optional."""

    mapping: dict[str, Any] | None = Field(None, description=(
        "Columns and formats, as in a preview's `mapping`; default: the saved profile for this header, else a guess."))
    profile: ProfileName | None = Field(None, description="Use this saved profile's mapping.")
    save_profile: ProfileName | None = Field(None, description=(
        "Save the mapping under this name (default: the profile used, else the file's name)."))
    default_category_id: RowId | None = Field(None, description="The category of rows that have none.")
    category_map: dict[str, CategoryChoice] = Field(default_factory=dict, description=(
        "The file's category names that don't exist yet -> an existing or a new category."))
    include_lines: list[LineNumber] = Field(
        default_factory=list, max_length=1_000_000,
        description=("Flagged rows (duplicates, money in, a row without a debit/credit mark (as money out) or a pending one) "
                     "to import anyway, by line."))
    skip_lines: list[LineNumber] = Field(
        default_factory=list, max_length=1_000_000, description="Rows to leave out, by line.")
    row_categories: Annotated[dict[int, RowId], Field(max_length=1_000_000)] = Field(
        default_factory=dict, description=(
            "The category the person chose for a row, by line: it wins over the file, the rules and the learning."))
    row_parts: Annotated[dict[int, list[ExpensePartIn]], Field(max_length=100_000)] = Field(
        default_factory=dict, description=(
            "Rows split before importing, by line: each row's parts (2 or more, each in a different category, "
            "adding up exactly to the row's amount), as PUT /expenses/{id}/parts takes them."))


LOCATION_NAMES = {
    "body": "field",
    "query": "query parameter",
    "path": "path parameter",
    "header": "header",
    "cookie": "cookie",
}


def describe_validation_error(errors: list[dict[str, Any]]) -> str:
    """Turn Pydantic's list of errors into one sentence about the first one."""
    if not errors:
        return "The request is invalid."
    error = errors[0]
    location = [str(part) for part in error.get("loc", ())]
    kind = error.get("type", "")
    source = location[0] if location else "body"
    field = ".".join(location[1:])
    message = str(error.get("msg", "is invalid"))
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    elif message:
        message = message[0].lower() + message[1:]
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "syntax error")
        return f"The request body is not valid JSON ({reason})."
    if source == "body" and not field:
        if kind == "missing":
            return "The request needs a JSON object body."
        return f"The request body must be a JSON object ({message}){suffix}."
    where = LOCATION_NAMES.get(source, source)
    if kind == "missing":
        return f"The {where} '{field}' is required{suffix}."
    if kind == "extra_forbidden":
        return f"The {where} '{field}' is not allowed: unknown field{suffix}."
    return f"Invalid {where} '{field}': {message}{suffix}."


RulePattern = Annotated[str, AfterValidator(check_text), Field(strict=True, min_length=1, max_length=200, examples=["REWE"])]
RuleAmount = Annotated[float, Field(strict=True, ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]


class RuleCreate(StrictModel):
    """A description that contains (or, as a regular expression, matches) `pattern`, with an amount in
    [amount_min, amount_max] when given, goes in `category_id`, described as `description` when given."""

    kind: Literal["contains", "matches"] = Field(
        "contains", description="`contains` (any case, any accents) or `matches` (a Python regular expression, any case).")
    pattern: RulePattern
    amount_min: RuleAmount | None = Field(None, description="Smallest amount the rule takes (included).")
    amount_max: RuleAmount | None = Field(None, description="Largest amount the rule takes (included).")
    category_id: RowId
    description: Description | None = Field(None, description="A cleaner description for the rows it takes.")


class RuleUpdate(StrictModel):
    kind: Literal["contains", "matches"] | None = Field(None, description=UNCHANGED)
    pattern: RulePattern | None = Field(None, description=UNCHANGED)
    amount_min: RuleAmount | None = Field(None, description="Send null to take away the lower bound; leave out to keep it.")
    amount_max: RuleAmount | None = Field(None, description="Send null to take away the upper bound; leave out to keep it.")
    category_id: RowId | None = Field(None, description=UNCHANGED)
    description: Description | None = Field(None, description="Send null to stop changing descriptions; leave out to keep it.")
    position: Annotated[int, Field(strict=True, ge=1, le=MAX_ID)] | None = Field(
        None, description="Move the rule to this place (1 is tried first).")


class ExpenseSelection(StrictModel):
    """Which expenses: `ids`, or every expense that the list's `filter` (the same as GET /expenses takes) lets through."""

    ids: Annotated[list[RowId], Field(max_length=100_000)] | None = Field(None, description="These expenses.")
    filter: ExpenseFilters | None = Field(None, description="Or every expense these filters and search let through ({} is all).")


class BulkEdit(ExpenseSelection):
    action: Literal["category", "delete", "restore", "add_tags", "remove_tags"] = Field(description=(
        "`category`: move them to `category_id`; `delete`: to the trash; `restore`: the listed `ids` back from the trash; "
        "`add_tags` / `remove_tags`: put `tags` on them / take `tags` off them."))
    category_id: RowId | None = Field(None, description="For `category`.")
    tags: Annotated[list[TagName], Field(max_length=TAGS_PER_EXPENSE_MAX)] | None = Field(
        None, description="For `add_tags` and `remove_tags`.")
    dry_run: bool = Field(False, description="Only say how many rows it would change.")


class TidyChange(StrictModel):
    id: RowId
    category_id: RowId
    description: Description | None = None


class TidyApply(StrictModel):
    changes: Annotated[list[TidyChange], Field(min_length=1, max_length=100_000)] = Field(
        description="The changes to make, as a tidy preview listed them (drop any you do not want).")


ReplicaText = Annotated[str, Field(strict=True, min_length=1, max_length=1000)]


class ReplicaCreate(StrictModel):
    """A replica destination: a folder, an SFTP server, or S3-compatible storage."""

    kind: Literal["folder", "sftp", "s3"]
    name: Annotated[str, Field(strict=True, min_length=1, max_length=40, examples=["nas"])] | None = None
    path: ReplicaText | None = Field(None, description="Folder; or the path on the SFTP server or in the bucket.")
    host: ReplicaText | None = None
    user: ReplicaText | None = None
    port: Annotated[int, Field(strict=True, ge=1, le=65535)] | None = None
    key_path: ReplicaText | None = Field(None, description="The SFTP private key file on this computer.")
    key_passphrase: ReplicaText | None = None
    endpoint: ReplicaText | None = Field(None, description="An S3-compatible server's URL; leave out for AWS.")
    bucket: ReplicaText | None = None
    region: ReplicaText | None = None
    access_key_id: ReplicaText | None = None
    secret_access_key: ReplicaText | None = None


class ReplicaRestoreRequest(StrictModel):
    at: Annotated[str, Field(strict=True, min_length=1, max_length=40, examples=["2026-12-03 18:00"])] | None = Field(
        None, description="Restore the replica as it was at this moment (local time); leave out for the latest.")
