//! The statements the feed [`Writer`](super::Writer) files rows with: for each table, the plain
//! insert of a row that cannot exist yet and the upsert of one that may, and the batched insert
//! of a page's new opinions.

// Each table is written by a plain INSERT when the row cannot exist yet (the first time an
// instance or document reaches the phone, i.e. most of a first sync), and by an upsert otherwise.
// The plain form matters: an upsert, or an insert into a table with a trigger (documents and
// opinions note themselves for the search index), may have to undo part of its own work, so
// SQLite opens a statement journal for each such row; under SQLCipher's memory security every
// journal page is a locked, wiped allocation, and those journals were more than half of a first
// sync's apply time. A fresh row's insert is `OR FAIL`: a broken constraint still fails it (and
// the page's transaction with it), but it can stop only before it wrote anything, so it needs no
// journal. Opinions still need one (their trigger and their task's foreign key together make
// SQLite count the key at the statement's end): a page's new opinions are written together,
// [`OPINION_BATCH`] rows a statement, so one journal serves them all.
macro_rules! document_row {
    () => {
        "INTO documents (id, title, number, kind, urgency, received_at, body, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    };
}
macro_rules! instance_row {
    () => {
        "INTO instances (id, document_id, definition_id, initiator, state, version, started_at, body, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    };
}
macro_rules! task_row {
    () => {
        "INTO tasks (id, instance_id, node_id, assignee, state, list, urgency, received_at, deadline, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    };
}
macro_rules! read_item_row {
    () => {
        "INTO read_items (id, instance_id, recipient, delivered_at, read_at) VALUES (?1, ?2, ?3, ?4, ?5)"
    };
}
macro_rules! opinion_row {
    () => {
        "INTO opinions (task_id, instance_id, author, on_behalf_of, attitude, column_name, text, written_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    };
}

pub(super) const DOCUMENT_INSERT: &str = concat!("INSERT OR FAIL ", document_row!());
pub(super) const INSTANCE_INSERT: &str = concat!("INSERT OR FAIL ", instance_row!());
pub(super) const TASK_INSERT: &str = concat!("INSERT OR FAIL ", task_row!());
pub(super) const READ_ITEM_INSERT: &str = concat!("INSERT OR FAIL ", read_item_row!());
/// New opinions written by one statement.
pub(super) const OPINION_BATCH: usize = 64;
pub(super) const OPINION_REPLACE: &str = concat!("INSERT OR REPLACE ", opinion_row!());

pub(super) const DOCUMENT_UPSERT: &str = concat!(
    "INSERT ",
    document_row!(),
    " ON CONFLICT (id) DO UPDATE SET title = excluded.title, number = excluded.number,
       kind = excluded.kind, urgency = excluded.urgency, received_at = excluded.received_at,
       body = excluded.body, updated_at = excluded.updated_at"
);
pub(super) const INSTANCE_UPSERT: &str = concat!(
    "INSERT ",
    instance_row!(),
    " ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version,
       body = excluded.body, updated_at = excluded.updated_at"
);
// An action still queued here wins over the gateway's older view of a task still pending there.
pub(super) const TASK_UPSERT: &str = concat!(
    "INSERT ",
    task_row!(),
    " ON CONFLICT (id) DO UPDATE SET assignee = excluded.assignee, state = excluded.state,
       list = CASE WHEN tasks.list = 'queued' AND excluded.list = 'todo' THEN 'queued' ELSE excluded.list END,
       urgency = excluded.urgency, deadline = excluded.deadline, finished_at = excluded.finished_at"
);
pub(super) const READ_ITEM_UPSERT: &str = concat!(
    "INSERT ",
    read_item_row!(),
    " ON CONFLICT (id) DO UPDATE SET read_at = excluded.read_at"
);

/// The insert of `rows` new opinions in one statement.
pub(super) fn opinion_batch_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT OR FAIL INTO opinions (task_id, instance_id, author, on_behalf_of, attitude, column_name, text, written_at) VALUES ",
    );
    for row in 0..rows {
        let at = row * 8;
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
            at + 1,
            at + 2,
            at + 3,
            at + 4,
            at + 5,
            at + 6,
            at + 7,
            at + 8
        ));
    }
    sql
}

/// The SQL for a row that is new (`fresh`) or may exist.
pub(super) fn pick(fresh: bool, insert: &'static str, upsert: &'static str) -> &'static str {
    if fresh {
        insert
    } else {
        upsert
    }
}
