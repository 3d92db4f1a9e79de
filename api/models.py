"""What the API answers: response models, and path parameters."""

from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from tracker.config import MAX_ID
from tracker.models import Frequency

ExpenseId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
CategoryId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
RecurringId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


class CategoryResponse(BaseModel):
    id: int
    name: str
    color: str
    created_at: str


class ExpensePart(BaseModel):
    id: int
    category_id: int
    category_name: str
    amount: float = Field(description="In the expense's currency; the parts add up exactly to the expense's amount.")
    home_amount: float = Field(description="Its share of the expense's home amount, exact in cents "
                               "(in proportion to the amounts; the remainder goes to the largest part).")
    note: str = Field(description="Its own note; empty when it has none.")


class ExpenseResponse(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    date: str
    created_at: str
    tags: list[str] = Field(default_factory=list, examples=[["holiday"]], description="Its tags, sorted by name.")
    currency: str = Field(description="The amount's currency (ISO 4217); the home currency unless another was given.")
    home_amount: float = Field(description="The amount in the home currency (equal to amount in the home currency).")
    rate: float | None = Field(description="One unit of `currency` in the home currency; null in the home currency.")
    rate_source: str | None = Field(description='Where the rate came from: "ECB 2026-12-04" (its date) or "typed".')
    parts: list[ExpensePart] = Field(
        default_factory=list,
        description="A split expense's parts, each in its own category; empty when it is not split. A split "
        "expense's `category_id` is its largest part's (the first given of equally large ones), where most of "
        "its money went, so a client that knows nothing of splits still sees a valid category.")


class TagTotal(BaseModel):
    name: str = Field(examples=["holiday"])
    count: int = Field(description="How many expenses of the period have it.")
    total: float = Field(description="What they add up to.")


class CategorySummary(BaseModel):
    category_name: str
    total: float
    count: int


class Settings(BaseModel):
    currency: str = Field(examples=["EUR"], description="ISO 4217 code of the currency amounts are shown in.")
    week_start: int = Field(examples=[1], description="First day of the week: 1 = Monday … 7 = Sunday.")


class ExchangeRate(BaseModel):
    currency: str
    home_currency: str
    rate: float = Field(description="One unit of `currency` in the home currency.")
    rate_source: str = Field(description='"ECB 2026-12-04": the date of the published rate.')


class HomeCurrencyResult(BaseModel):
    old_currency: str = Field(description="The home currency before.")
    currency: str = Field(description="The home currency now.")
    expenses: int = Field(description="How many expenses got new home amounts.")
    change_id: int | None = Field(description="The change (null when nothing changed).")


class CategoryBudget(BaseModel):
    category_id: int
    category_name: str
    amount: float


class OverallBudget(BaseModel):
    amount: float


class Budgets(BaseModel):
    overall: float | None = Field(description="The monthly limit of all spending together; null when none is set.")
    categories: list[CategoryBudget] = Field(description="Each category's monthly limit, by category name.")


class BudgetStatus(BaseModel):
    limit: float
    spent: float
    remaining: float = Field(description="limit − spent; negative when over the budget.")
    percent: float = Field(description="spent ÷ limit × 100, to one decimal.")


class CategoryBudgetStatus(BudgetStatus):
    category_id: int
    category_name: str


class CurrencySpent(BaseModel):
    currency: str
    amount: float = Field(description="Spent in this currency, in this currency.")
    home_amount: float = Field(description="The same in the home currency.")
    count: int


class MonthlySummary(BaseModel):
    month: str
    total: float
    count: int
    by_category: list[CategorySummary]
    # Present only when set, so that a summary without budgets stays what it always was.
    budgets: list[CategoryBudgetStatus] | None = Field(
        None, description="Present when some category has a budget: every such category, spending or not, by name."
    )
    overall_budget: BudgetStatus | None = Field(None, description="Present when an overall budget is set.")
    by_currency: list[CurrencySpent] | None = Field(None, description=(
        "Present when some expense of the month is in another currency than the home one: what was spent in "
        "each currency (the home currency included), largest first."))


class RecurringResponse(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    frequency: Frequency
    interval: int
    day_of_month: int | None
    start_date: str
    end_date: str | None
    paused: bool = Field(description="True while paused: nothing is posted until it is resumed.")
    paused_on: str | None = Field(description="The day it was paused; null while it runs.")
    next_date: str | None = Field(
        description="The next date from today on that is neither posted nor skipped; null when ended or paused.")
    created_at: str


class PostedOccurrence(BaseModel):
    date: str
    amount: float
    expense_id: int


class RecurringSaved(RecurringResponse):
    posted: list[PostedOccurrence] = Field(
        description="The expenses this request posted because their dates were already due (oldest first).")


class RecurringResumed(RecurringSaved):
    skipped: list[str] = Field(description="The dates that fell due while it was paused, now skipped (not posted).")


class Occurrence(BaseModel):
    recurring_id: int
    date: str
    status: Literal["posted", "skipped"]
    expense_id: int | None


class UpcomingOccurrence(BaseModel):
    recurring_id: int
    date: str
    amount: float
    description: str
    category_id: int
    category_name: str
    status: Literal["scheduled", "skipped"]


class MonthTotal(BaseModel):
    month: str
    total: float
    count: int


class Count(BaseModel):
    count: int


class ExpenseTotals(BaseModel):
    """How many expenses match the filters, and what they add up to."""

    count: int
    total: float


class Suggestion(BaseModel):
    description: str
    category_id: int
    amount: float


class TrashItem(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    date: str
    created_at: str
    deleted_at: str = Field(description="When it was deleted (UTC).")
    days_left: int = Field(description="Days until it is emptied from the trash for good.")
    reverted_batch_id: int | None = Field(description="Set when it left with the revert of that import batch.")


class Backup(BaseModel):
    name: str = Field(examples=["expenses-2026-11-25.db"])
    kind: Literal["daily", "manual", "before-restore", "damaged"]
    day: str
    created_at: str
    size: int


class BackupList(BaseModel):
    folder: str
    backups: list[Backup]


class RestoreResult(BaseModel):
    restored: str
    safety_backup: str | None = Field(description="The backup of what was there before the restore.")


class ImportMatch(BaseModel):
    id: int | None = Field(description="The existing expense it looks like, if any.")
    line: int | None = Field(description="Or the earlier line of the same file it repeats.")
    date: str
    amount: float
    description: str


class ImportRow(BaseModel):
    line: int
    date: str | None
    amount: float | None
    description: str = Field(description="As it would be stored (a rule may give a cleaner one).")
    file_description: str = Field(description="As the file has it.")
    category: str | None = Field(description="The category named in the file, if mapped.")
    category_id: int | None
    category_source: Literal["chosen", "file", "rule", "learned", "default"] | None = Field(description=(
        "Where category_id comes from: the person's choice for this row (row_categories), the file, "
        "a rule, what earlier expenses taught, or the default category."))
    category_reason: str | None = Field(description=(
        'The same in words: "rule 3: contains REWE", "like 14 earlier expenses with REWE", "default".'))
    status: Literal["ready", "duplicate", "income", "problem"]
    reason: str | None = Field(description="Why the row is flagged, in words.")
    match: ImportMatch | None
    selected: bool = Field(description="Whether it would be imported with these options.")


class ImportCounts(BaseModel):
    rows: int
    ready: int
    duplicate: int
    income: int
    problem: int
    selected: int


class ImportPreview(BaseModel):
    file_name: str
    kind: str
    encoding: str
    delimiter: str | None
    has_header: bool
    columns: list[str]
    mapping: dict[str, Any]
    date_formats: list[str] = Field(
        description="Every date format that fits all rows; more than one means the user should choose.")
    profile: str | None = Field(description="The saved profile whose mapping was used.")
    unknown_categories: list[str]
    needs_default_category: bool
    counts: ImportCounts
    category_sources: dict[str, int] = Field(description="How many rows to import take their category from where.")
    rows: list[ImportRow] = Field(description="The first rows, then every flagged row.")
    all_rows_listed: bool


class ImportBatch(BaseModel):
    id: int
    file_name: str
    imported_at: str
    profile: str | None
    rows_in_file: int
    imported: int
    skipped: int
    status: Literal["imported", "reverted"]
    reverted_at: str | None


class ImportProfile(BaseModel):
    name: str
    mapping: dict[str, Any]
    updated_at: str


class Health(BaseModel):
    status: str
    database: str
    # Which file this API serves, so that two windows on two files can be told apart: its name and
    # its folder's name, not the full path (any page on this computer may ask /health).
    file: str
    folder: str
    # Only while the database is being upgraded (status "upgrading"): the fraction done, 0 to 1,
    # and the step under way, e.g. "Building the search index".
    progress: float | None = None
    step: str | None = None


class ErrorBody(BaseModel):
    detail: str


# The 400 of every route that takes a category_id.
BAD_CATEGORY = {400: {"model": ErrorBody, "description": "Unknown category_id, a foreign Host, or a body that is not JSON"}}


RuleId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
EditId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


class RuleResponse(BaseModel):
    id: int
    position: int = Field(description="Rules are tried in this order; the first that fits decides.")
    kind: str
    pattern: str
    amount_min: float | None
    amount_max: float | None
    category_id: int
    category_name: str
    description: str | None
    created_at: str


class RuleSuggestion(BaseModel):
    kind: str
    pattern: str = Field(description="The merchant's word in the description (REWE in 'REWE SAGT DANKE 1234').")
    category_id: int
    matching: int = Field(description="How many expenses the rule would take now.")
    elsewhere: int = Field(description="How many of those are in another category today.")


class EditResult(BaseModel):
    edit_id: int | None = Field(description="Pass it to POST /edits/{edit_id}/undo; null on a dry run.")
    action: str
    rows: int = Field(description="Rows changed (or that would be, on a dry run).")
    summary: str
    dry_run: bool
    skipped_split: int = Field(0, description=(
        "Split expenses a change of category left as they are (a split expense's category is its parts'; "
        "change its parts with PUT /expenses/{id}/parts)."))
    note: str | None = Field(None, description="Why some expenses were left as they are, in one sentence; null if none.")


class TidyRow(BaseModel):
    id: int
    date: str
    amount: float
    description: str
    category_id: int
    category_name: str
    new_category_id: int
    new_category_name: str
    new_description: str | None
    source: str = Field(description="`rule` or `learned`.")
    reason: str = Field(description="Where the new category comes from, in words.")


class TidyPreview(BaseModel):
    examined: int
    changes: int = Field(description="How many rows would change (rows lists at most 5,000 of them).")
    rows: list[TidyRow]
    skipped_split: int = Field(0, description=(
        "Split expenses the rules would have moved, left in their category (a split expense's category is its parts')."))
    note: str | None = Field(None, description="Why some expenses are left as they are, in one sentence; null if none.")


class Edit(BaseModel):
    id: int
    action: str
    summary: str
    rows: int
    made_at: str
    undone_at: str | None


class UndoResult(BaseModel):
    edit_id: int
    rows: int
    summary: str


class ReportRow(BaseModel):
    id: int | str = Field(description="The category's id.")
    name: str
    color: str | None = Field(description="The category's colour, #RRGGBB.")
    totals: list[float] = Field(description="Spent in each month of `months`, in order; 0 for a month with nothing.")
    total: float = Field(description="Spent over the whole period.")


class Report(BaseModel):
    """Spending of a period of whole months by category × month."""

    first: str = Field(alias="from", examples=["2025-01"], description="First month of the period.")
    last: str = Field(alias="to", examples=["2025-12"], description="Last month of the period.")
    by: str = Field(examples=["category"], description="What the rows are.")
    months: list[str] = Field(description="Every month of the period, YYYY-MM, in order.")
    rows: list[ReportRow] = Field(description="Each category with spending in the period, largest total first.")
    month_totals: list[float] = Field(description="Spent in each month, all rows together.")
    total: float = Field(description="Spent over the whole period.")
class ReplicaDestination(BaseModel):
    name: str
    kind: Literal["folder", "sftp", "s3"]
    url: str = Field(description="Where it is, without secrets.")
    path: str | None = None
    host: str | None = None
    user: str | None = None
    port: int | None = None
    key_path: str | None = None
    key_passphrase: str | None = Field(None, description="Masked when set.")
    endpoint: str | None = None
    bucket: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = Field(None, description="Masked when set.")


class ReplicaStatus(BaseModel):
    state: Literal["off", "configured", "starting", "replicating", "behind", "unreachable", "moved-on", "stopped",
                   "failed"]
    message: str = Field(description="How replication stands, in words.")
    last_replicated_at: str | None = Field(description="The last moment the replica was current (UTC).")
    lag_seconds: float | None = Field(description="How long the replica has been behind; 0 when current.")
    restarts: int
    can_take_over: bool
    can_restore: bool
    destinations: list[ReplicaDestination]


class ReplicaTakeOver(BaseModel):
    replica: str
    position: str
