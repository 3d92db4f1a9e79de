CREATE TABLE categories (
    id integer primary key autoincrement,
    name text not null unique,
    color text not null default '#6c757d',
    created_at text not null default (datetime('now'))
);
CREATE TABLE sqlite_sequence(name,seq);
CREATE TABLE expenses (
    id integer primary key autoincrement,
    amount real not null check(amount > 0),
    description text not null,
    category_id integer not null references categories(id),
    date text not null,
    created_at text not null default (datetime('now'))
, import_batch_id integer, currency text, home_amount real, rate real, rate_source text);
CREATE INDEX idx_expenses_date on expenses(date);
CREATE INDEX idx_expenses_category on expenses(category_id);
CREATE TABLE monthly_totals (
    month text not null,
    category_id integer not null,
    total_cents integer not null,
    count integer not null,
    primary key (month, category_id)
) without rowid;
CREATE INDEX idx_expenses_amount on expenses(amount);
CREATE INDEX idx_expenses_created_at on expenses(created_at);
CREATE INDEX idx_expenses_category_date_amount on expenses(category_id, date, amount);
CREATE INDEX idx_expenses_date_amount on expenses(date, amount);
CREATE TABLE settings (key text primary key, value text not null) without rowid;
CREATE TABLE deleted_expenses (
    id integer primary key,
    amount real not null,
    description text not null,
    category_id integer not null,
    category_name text not null,
    category_color text not null,
    date text not null,
    created_at text not null,
    import_batch_id integer,
    deleted_at text not null default (datetime('now')),
    reverted_batch_id integer
, currency text, home_amount real, rate real, rate_source text);
CREATE INDEX idx_deleted_expenses_deleted_at on deleted_expenses(deleted_at);
CREATE INDEX idx_deleted_expenses_reverted on deleted_expenses(reverted_batch_id) where reverted_batch_id is not null;
CREATE TABLE import_batches (
    id integer primary key autoincrement,
    file_name text not null,
    imported_at text not null default (datetime('now')),
    profile text,
    rows_in_file integer not null,
    imported integer not null,
    skipped integer not null,
    status text not null default 'imported' check (status in ('imported', 'reverted')),
    reverted_at text
);
CREATE TABLE import_profiles (
    name text primary key,
    signature text not null,
    mapping text not null,
    updated_at text not null default (datetime('now'))
);
CREATE INDEX idx_import_profiles_signature on import_profiles(signature);
CREATE INDEX idx_expenses_import_batch on expenses(import_batch_id) where import_batch_id is not null;
CREATE TABLE import_in_progress (batch_id integer primary key);
CREATE TABLE budgets (
    category_id integer primary key references categories(id) on delete cascade,
    amount_cents integer not null check (amount_cents > 0)
);
CREATE TRIGGER categories_budget_delete after delete on categories begin
    delete from budgets where category_id = old.id;
end;
CREATE TABLE recurring (
    id integer primary key autoincrement,
    amount real not null check (amount > 0),
    description text not null,
    category_id integer not null references categories(id),
    frequency text not null check (frequency in ('daily', 'weekly', 'monthly', 'yearly')),
    interval integer not null default 1 check (interval >= 1),
    day_of_month integer check (day_of_month between 1 and 31),
    start_date text not null,
    end_date text,
    posted_through text,
    created_at text not null default (datetime('now'))
, paused_on text);
CREATE TABLE recurring_occurrences (
    recurring_id integer not null references recurring(id) on delete cascade,
    date text not null,
    status text not null check (status in ('posted', 'skipped')),
    expense_id integer,
    recorded_at text not null default (datetime('now')),
    primary key (recurring_id, date)
) without rowid;
CREATE TABLE search_fold_map (ch text primary key, folded text not null) without rowid;
CREATE TABLE search_positions (n integer primary key);
CREATE TABLE expense_search_text (id integer primary key, text text not null);
CREATE VIRTUAL TABLE expense_search using fts5(text, content='expense_search_text', content_rowid='id', tokenize='trigram case_sensitive 1', columnsize=0);
CREATE TABLE 'expense_search_data'(id INTEGER PRIMARY KEY, block BLOB);
CREATE TABLE 'expense_search_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;
CREATE TABLE 'expense_search_config'(k PRIMARY KEY, v) WITHOUT ROWID;
CREATE VIEW expense_search_input (id, description) as select null, null where 0;
CREATE TRIGGER expense_search_input_insert instead of insert on expense_search_input begin
    insert into expense_search (expense_search, rowid, text)
        select 'delete', id, text from expense_search_text where id = new.id;
    delete from expense_search_text where id = new.id;
    insert into expense_search_text (id, text) values (new.id, (case when new.description glob '*[^ -~]*' then (
    select coalesce(group_concat(c, ''), '') from (
        select coalesce(m.folded, substr(new.description, p.n, 1)) as c
        from search_positions p left join search_fold_map m on m.ch = substr(new.description, p.n, 1)
        where p.n <= length(new.description) order by p.n limit 1000
    )) || substr(new.description, 1001)
    else lower(new.description) end));
    insert into expense_search (rowid, text) select id, text from expense_search_text where id = new.id;
end;
CREATE TRIGGER expenses_search_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into expense_search_input (id, description) values (new.id, new.description);
end;
CREATE TRIGGER expenses_search_delete after delete on expenses begin
    insert into expense_search (expense_search, rowid, text)
        select 'delete', id, text from expense_search_text where id = old.id;
    delete from expense_search_text where id = old.id;
end;
CREATE TRIGGER expenses_search_update after update of id, description on expenses begin
    insert into expense_search (expense_search, rowid, text)
        select 'delete', id, text from expense_search_text where id = old.id;
    delete from expense_search_text where id = old.id;
    insert into expense_search_input (id, description) values (new.id, new.description);
end;
CREATE TABLE rules (
    id integer primary key autoincrement,
    position integer not null,
    kind text not null check (kind in ('contains', 'matches')),
    pattern text not null,
    amount_min real,
    amount_max real,
    category_id integer not null,
    description text,
    created_at text not null default (datetime('now'))
);
CREATE TRIGGER categories_rules_delete after delete on categories begin
    delete from rules where category_id = old.id;
end;
CREATE TABLE edit_rows (
    edit_id integer not null,
    expense_id integer not null,
    old_category_id integer,
    old_description text,
    primary key (edit_id, expense_id)
) without rowid;
CREATE TABLE learned_words (
    word text not null,
    category_id integer not null,
    uses integer not null,
    primary key (word, category_id)
) without rowid;
CREATE TABLE learning_changes (
    id integer primary key,
    description text not null,
    category_id integer not null,
    sign integer not null
);
CREATE TRIGGER expenses_learning_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into learning_changes (description, category_id, sign) values (new.description, new.category_id, 1);
end;
CREATE TRIGGER expenses_learning_delete after delete on expenses begin
    insert into learning_changes (description, category_id, sign) values (old.description, old.category_id, -1);
end;
CREATE TRIGGER expenses_learning_update after update of description, category_id on expenses
when old.description is not new.description or old.category_id is not new.category_id begin
    insert into learning_changes (description, category_id, sign) values (old.description, old.category_id, -1);
    insert into learning_changes (description, category_id, sign) values (new.description, new.category_id, 1);
end;
CREATE TRIGGER categories_learning_delete after delete on categories begin
    delete from learned_words where category_id = old.id;
end;
CREATE TABLE tags (id integer primary key, name text not null unique collate nocase);
CREATE TABLE expense_tags (
    expense_id integer not null,
    tag_id integer not null,
    primary key (expense_id, tag_id)
) without rowid;
CREATE INDEX idx_expense_tags_tag on expense_tags(tag_id, expense_id);
CREATE TABLE tag_monthly_totals (
    tag_id integer not null,
    month text not null,
    total_cents integer not null,
    count integer not null,
    primary key (tag_id, month)
) without rowid;
CREATE TRIGGER deleted_expenses_tags_delete after delete on deleted_expenses
when not exists (select 1 from expenses where id = old.id)
begin
    delete from expense_tags where expense_id = old.id;
end;
CREATE TABLE "edits" (
    id integer primary key autoincrement,
    action text not null check (action in ('category', 'delete', 'restore', 'tidy', 'add_tags', 'remove_tags')),
    summary text not null,
    rows integer not null,
    made_at text not null default (datetime('now')),
    undone_at text
);
CREATE TABLE edit_tags (
    edit_id integer not null,
    expense_id integer not null,
    tag_id integer not null,
    primary key (edit_id, expense_id, tag_id)
) without rowid;
CREATE TABLE currency_totals (
    month text not null,
    currency text not null,
    amount_milli integer not null,
    home_cents integer not null,
    count integer not null,
    primary key (month, currency)
) without rowid;
CREATE TRIGGER expenses_currency_insert after insert on expenses
when new.currency is not null and (new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id))
begin
    insert into currency_totals (month, currency, amount_milli, home_cents, count)
    select substr(new.date, 1, 7), new.currency, cast(round(new.amount * 1000) as integer), cast(round(coalesce(new.home_amount, new.amount) * 100) as integer), 1
    where new.currency is not null
    on conflict (month, currency) do update set amount_milli = amount_milli + excluded.amount_milli,
        home_cents = home_cents + excluded.home_cents, count = count + 1;
end;
CREATE TRIGGER expenses_currency_delete after delete on expenses when old.currency is not null begin
    update currency_totals set amount_milli = amount_milli - cast(round(old.amount * 1000) as integer),
        home_cents = home_cents - cast(round(coalesce(old.home_amount, old.amount) * 100) as integer), count = count - 1
    where old.currency is not null and month = substr(old.date, 1, 7) and currency = old.currency;
end;
CREATE TRIGGER expenses_currency_update
after update of amount, home_amount, currency, date on expenses
when old.currency is not null or new.currency is not null
begin
    update currency_totals set amount_milli = amount_milli - cast(round(old.amount * 1000) as integer),
        home_cents = home_cents - cast(round(coalesce(old.home_amount, old.amount) * 100) as integer), count = count - 1
    where old.currency is not null and month = substr(old.date, 1, 7) and currency = old.currency;
    insert into currency_totals (month, currency, amount_milli, home_cents, count)
    select substr(new.date, 1, 7), new.currency, cast(round(new.amount * 1000) as integer), cast(round(coalesce(new.home_amount, new.amount) * 100) as integer), 1
    where new.currency is not null
    on conflict (month, currency) do update set amount_milli = amount_milli + excluded.amount_milli,
        home_cents = home_cents + excluded.home_cents, count = count + 1;
end;
CREATE TABLE home_currency_changes (
    id integer primary key autoincrement,
    old_currency text not null,
    new_currency text not null,
    rows integer not null,
    converted integer not null,
    max_id integer not null,
    made_at text not null default (datetime('now')),
    undone_at text
);
CREATE TABLE home_currency_rows (
    change_id integer not null,
    expense_id integer not null,
    currency text,
    home_amount real,
    rate real,
    rate_source text,
    primary key (change_id, expense_id)
) without rowid;
CREATE TRIGGER expense_tags_totals_insert after insert on expense_tags begin
    insert into tag_monthly_totals (tag_id, month, total_cents, count)
    select new.tag_id, substr(e.date, 1, 7), cast(round(coalesce(e.home_amount, e.amount) * 100) as integer), 1 from expenses e where e.id = new.expense_id
    on conflict (tag_id, month) do update set total_cents = total_cents + excluded.total_cents, count = count + 1;
end;
CREATE TRIGGER expense_tags_totals_delete after delete on expense_tags begin
    update tag_monthly_totals
        set total_cents = total_cents - (select cast(round(coalesce(e.home_amount, e.amount) * 100) as integer) from expenses e where e.id = old.expense_id), count = count - 1
        where tag_id = old.tag_id and month = (select substr(e.date, 1, 7) from expenses e where e.id = old.expense_id);
end;
CREATE TRIGGER expenses_tag_totals_insert after insert on expenses
when exists (select 1 from expense_tags where expense_id = new.id)
begin
    insert into tag_monthly_totals (tag_id, month, total_cents, count)
    select tag_id, substr(new.date, 1, 7), cast(round(coalesce(new.home_amount, new.amount) * 100) as integer), 1 from expense_tags where expense_id = new.id
    on conflict (tag_id, month) do update set total_cents = total_cents + excluded.total_cents, count = count + 1;
end;
CREATE TRIGGER expenses_tag_totals_delete after delete on expenses
when exists (select 1 from expense_tags where expense_id = old.id)
begin
    update tag_monthly_totals set total_cents = total_cents - cast(round(coalesce(old.home_amount, old.amount) * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and tag_id in (select tag_id from expense_tags where expense_id = old.id);
end;
CREATE TRIGGER expenses_tag_totals_update after update of amount, date, home_amount on expenses
when exists (select 1 from expense_tags where expense_id = new.id)
begin
    update tag_monthly_totals set total_cents = total_cents - cast(round(coalesce(old.home_amount, old.amount) * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and tag_id in (select tag_id from expense_tags where expense_id = old.id);
    insert into tag_monthly_totals (tag_id, month, total_cents, count)
    select tag_id, substr(new.date, 1, 7), cast(round(coalesce(new.home_amount, new.amount) * 100) as integer), 1 from expense_tags where expense_id = new.id
    on conflict (tag_id, month) do update set total_cents = total_cents + excluded.total_cents, count = count + 1;
end;
CREATE TABLE expense_parts (
    id integer primary key,
    expense_id integer not null,
    category_id integer not null,
    amount real not null check (amount > 0),
    home_amount real,
    note text not null default ''
, date text);
CREATE INDEX idx_expense_parts_expense on expense_parts(expense_id);
CREATE TRIGGER deleted_expenses_parts_delete after delete on deleted_expenses
when not exists (select 1 from expenses where id = old.id)
begin
    delete from expense_parts where expense_id = old.id;
end;
CREATE INDEX idx_expense_parts_category_date on expense_parts(category_id, date, expense_id);
CREATE VIEW expense_month_shares as
select e.id as expense_id, substr(e.date, 1, 7) as month, e.category_id, cast(round(coalesce(e.home_amount, e.amount) * 100) as integer) as cents, 1 as n
    from expenses e where not exists (select 1 from expense_parts where expense_id = e.id)
union all
select p.expense_id, substr(e.date, 1, 7), p.category_id, cast(round(coalesce(p.home_amount, p.amount) * 100) as integer), 1
    from expense_parts p join expenses e on e.id = p.expense_id
union all
select p.expense_id, substr(e.date, 1, 7), 0, 0, -1
    from expense_parts p join expenses e on e.id = p.expense_id
union all
select e.id, substr(e.date, 1, 7), 0, 0, 1 from expenses e where exists (select 1 from expense_parts where expense_id = e.id);
CREATE VIEW expense_part_home_amounts as
select p.id, case when e.home_amount is null then null
    when p.id = (select r.id from expense_parts r where r.expense_id = p.expense_id order by r.amount desc, r.id limit 1) then (cast(round(e.home_amount * 100) as integer) - coalesce((select sum(cast(round(q.amount * cast(round(e.home_amount * 100) as integer) / (select sum(r.amount) from expense_parts r where r.expense_id = p.expense_id)) as integer))
        from expense_parts q where q.expense_id = p.expense_id and q.id <> p.id), 0)) / 100.0
    else cast(round(p.amount * cast(round(e.home_amount * 100) as integer) / (select sum(r.amount) from expense_parts r where r.expense_id = p.expense_id)) as integer) / 100.0 end as home_amount
from expense_parts p join expenses e on e.id = p.expense_id;
CREATE TRIGGER expenses_totals_insert after insert on expenses
when (new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)) and not exists (select 1 from expense_parts where expense_id = new.id)
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(coalesce(new.home_amount, new.amount) * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end;
CREATE TRIGGER expenses_totals_delete after delete on expenses
when not exists (select 1 from expense_parts where expense_id = old.id)
begin
    update monthly_totals
        set total_cents = total_cents - cast(round(coalesce(old.home_amount, old.amount) * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
end;
CREATE TRIGGER expenses_totals_update after update of amount, home_amount, date, category_id on expenses
when not exists (select 1 from expense_parts where expense_id = new.id)
begin
    update monthly_totals
        set total_cents = total_cents - cast(round(coalesce(old.home_amount, old.amount) * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(coalesce(new.home_amount, new.amount) * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end;
CREATE TRIGGER expenses_split_totals_insert after insert on expenses
when exists (select 1 from expense_parts where expense_id = new.id)
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    select substr(new.date, 1, 7), category_id, sum(cents), sum(n) from (
        select p.category_id, cast(round(coalesce(p.home_amount, p.amount) * 100) as integer) as cents, 1 as n from expense_parts p where p.expense_id = new.id
        union all
        select 0, 0, 1 - count(*) from expense_parts p where p.expense_id = new.id)
    where true group by category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;
end;
CREATE TRIGGER expenses_split_totals_delete before delete on expenses
when exists (select 1 from expense_parts where expense_id = old.id)
begin
    update monthly_totals set total_cents = total_cents - s.cents, count = count - s.n
    from (select month, category_id, sum(cents) as cents, sum(n) as n from expense_month_shares
        where expense_id = old.id group by month, category_id) as s
    where monthly_totals.month = s.month and monthly_totals.category_id = s.category_id;
end;
CREATE TRIGGER expenses_split_totals_before_update before update of amount, home_amount, date, category_id on expenses
when exists (select 1 from expense_parts where expense_id = old.id)
begin
    update monthly_totals set total_cents = total_cents - s.cents, count = count - s.n
    from (select month, category_id, sum(cents) as cents, sum(n) as n from expense_month_shares
        where expense_id = old.id group by month, category_id) as s
    where monthly_totals.month = s.month and monthly_totals.category_id = s.category_id;
end;
CREATE TRIGGER expenses_split_totals_update after update of amount, home_amount, date, category_id on expenses
when exists (select 1 from expense_parts where expense_id = new.id)
begin
    update expense_parts set home_amount = (select s.home_amount from expense_part_home_amounts s
        where s.id = expense_parts.id), date = (select e.date from expenses e where e.id = new.id) where expense_id = new.id;
    insert into monthly_totals (month, category_id, total_cents, count)
    select month, category_id, sum(cents), sum(n) from expense_month_shares where expense_id = new.id
        group by month, category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;
end;
CREATE TRIGGER expense_parts_totals_before_insert before insert on expense_parts
when exists (select 1 from expenses where id = new.expense_id)
begin
    update monthly_totals set total_cents = total_cents - s.cents, count = count - s.n
    from (select month, category_id, sum(cents) as cents, sum(n) as n from expense_month_shares
        where expense_id = new.expense_id group by month, category_id) as s
    where monthly_totals.month = s.month and monthly_totals.category_id = s.category_id;
end;
CREATE TRIGGER expense_parts_totals_insert after insert on expense_parts
when exists (select 1 from expenses where id = new.expense_id)
begin
    update expense_parts set home_amount = (select s.home_amount from expense_part_home_amounts s
        where s.id = expense_parts.id), date = (select e.date from expenses e where e.id = new.expense_id) where expense_id = new.expense_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    select month, category_id, sum(cents), sum(n) from expense_month_shares where expense_id = new.expense_id
        group by month, category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;
end;
CREATE TRIGGER expense_parts_totals_before_delete before delete on expense_parts
when exists (select 1 from expenses where id = old.expense_id)
begin
    update monthly_totals set total_cents = total_cents - s.cents, count = count - s.n
    from (select month, category_id, sum(cents) as cents, sum(n) as n from expense_month_shares
        where expense_id = old.expense_id group by month, category_id) as s
    where monthly_totals.month = s.month and monthly_totals.category_id = s.category_id;
end;
CREATE TRIGGER expense_parts_totals_delete after delete on expense_parts
when exists (select 1 from expenses where id = old.expense_id)
begin
    update expense_parts set home_amount = (select s.home_amount from expense_part_home_amounts s
        where s.id = expense_parts.id), date = (select e.date from expenses e where e.id = old.expense_id) where expense_id = old.expense_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    select month, category_id, sum(cents), sum(n) from expense_month_shares where expense_id = old.expense_id
        group by month, category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;
end;
CREATE TRIGGER expense_parts_totals_before_update before update of amount, category_id on expense_parts
when exists (select 1 from expenses where id = new.expense_id)
begin
    update monthly_totals set total_cents = total_cents - s.cents, count = count - s.n
    from (select month, category_id, sum(cents) as cents, sum(n) as n from expense_month_shares
        where expense_id = new.expense_id group by month, category_id) as s
    where monthly_totals.month = s.month and monthly_totals.category_id = s.category_id;
end;
CREATE TRIGGER expense_parts_totals_update after update of amount, category_id on expense_parts
when exists (select 1 from expenses where id = new.expense_id)
begin
    update expense_parts set home_amount = (select s.home_amount from expense_part_home_amounts s
        where s.id = expense_parts.id), date = (select e.date from expenses e where e.id = new.expense_id) where expense_id = new.expense_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    select month, category_id, sum(cents), sum(n) from expense_month_shares where expense_id = new.expense_id
        group by month, category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;
end;
pragma application_id = 1163423828;
pragma user_version = 11;
pragma journal_mode = wal;
-- category 1 Food #e67e22
-- category 2 Transport #3498db
-- category 3 Utilities #8e44ad
