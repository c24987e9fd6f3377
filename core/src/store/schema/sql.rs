//! The SQL of each schema version, oldest first. Frozen once shipped: a change is a new version,
//! never an edit (databases of every version exist on phones).

/// Version 1: account, inbox (one JSON blob per task), outbox, verdicts. Frozen: databases of
/// this version exist on phones.
pub(super) const V1: &str = "CREATE TABLE account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        server_url TEXT NOT NULL,
        device_id TEXT NOT NULL,
        identity TEXT NOT NULL,
        unit_name TEXT NOT NULL,
        request_key_id TEXT NOT NULL,
        approval_key_id TEXT NOT NULL,
        access_token TEXT NOT NULL,
        next_counter INTEGER NOT NULL,
        last_record_hash TEXT NOT NULL,
        clock_offset_ms INTEGER NOT NULL,
        online INTEGER NOT NULL,
        cursor TEXT NOT NULL
     );
     CREATE TABLE inbox (
        task_id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        entry TEXT NOT NULL,
        local_instance TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'queued', 'done')),
        urgency INTEGER NOT NULL,
        received_at TEXT
     );
     CREATE INDEX inbox_by_list ON inbox (state, urgency DESC, received_at DESC);
     CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        command_id TEXT NOT NULL UNIQUE,
        task_id TEXT NOT NULL,
        signed TEXT NOT NULL,
        created_at TEXT NOT NULL,
        decided_offline INTEGER NOT NULL
     );
     CREATE INDEX outbox_by_task ON outbox (task_id);
     CREATE TABLE verdicts (
        command_id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        verdict TEXT NOT NULL,
        decided_offline INTEGER NOT NULL,
        decided_locally_at TEXT
     );";

/// Version 2: repositories per kind of thing, the indexes behind the phone's lists, the outbox
/// chain columns, cursors, policy and the store's own secrets.
pub(super) const V2: &str = "CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        number TEXT NOT NULL,
        kind TEXT NOT NULL,
        urgency INTEGER NOT NULL,
        received_at TEXT,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
     );
     CREATE TABLE body_versions (
        document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        version_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        stage TEXT NOT NULL,
        format TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (document_id, version_id)
     );
     CREATE TABLE attachments (
        document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
        attachment_id TEXT NOT NULL,
        name TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (document_id, attachment_id)
     );
     CREATE INDEX attachments_by_hash ON attachments (sha256);
     CREATE INDEX body_versions_by_hash ON body_versions (sha256);
     CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        stored_at TEXT NOT NULL
     );
     CREATE TABLE definitions (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL
     );
     CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        document_id TEXT NOT NULL,
        definition_id TEXT NOT NULL,
        initiator TEXT NOT NULL,
        state TEXT NOT NULL,
        version INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        body TEXT NOT NULL,
        local_body TEXT,
        updated_at TEXT NOT NULL
     );
     CREATE INDEX instances_sent ON instances (initiator, started_at DESC, id);
     CREATE INDEX instances_by_document ON instances (document_id);
     CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        assignee TEXT NOT NULL,
        state TEXT NOT NULL,
        -- Spelled out rather than IN (…): SQLite builds a temporary table for every IN check.
        list TEXT CHECK (list = 'todo' OR list = 'queued' OR list = 'waiting' OR list = 'done'),
        urgency INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        deadline TEXT,
        finished_at TEXT
     );
     CREATE INDEX tasks_todo ON tasks (list, urgency DESC, received_at DESC, id);
     CREATE INDEX tasks_done ON tasks (list, finished_at DESC, id);
     CREATE INDEX tasks_by_instance ON tasks (instance_id);
     CREATE TABLE opinions (
        task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
        instance_id TEXT NOT NULL,
        author TEXT NOT NULL,
        on_behalf_of TEXT,
        attitude TEXT NOT NULL,
        column_name TEXT,
        text TEXT NOT NULL,
        written_at TEXT
     );
     CREATE INDEX opinions_by_instance ON opinions (instance_id, written_at);
     CREATE TABLE trace (
        instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (instance_id, version)
     ) WITHOUT ROWID;
     CREATE TABLE read_items (
        id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
        recipient TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        read_at TEXT
     );
     CREATE INDEX read_items_list ON read_items (recipient, read_at IS NOT NULL, delivered_at DESC, id);
     CREATE TABLE notices (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        published_at TEXT NOT NULL,
        unread INTEGER NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
     );
     CREATE INDEX notices_list ON notices (unread DESC, published_at DESC, id);
     CREATE TABLE receipts (
        notice_id TEXT PRIMARY KEY REFERENCES notices (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        changed_locally INTEGER NOT NULL
     );
     CREATE TABLE drafts (
        task_id TEXT PRIMARY KEY,
        opinion TEXT NOT NULL,
        updated_at TEXT NOT NULL
     );
     CREATE INDEX drafts_list ON drafts (updated_at DESC, task_id);
     CREATE TABLE sync_cursors (
        feed TEXT PRIMARY KEY,
        cursor TEXT NOT NULL
     );
     CREATE TABLE policy (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        body TEXT NOT NULL
     );
     CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
     );
     ALTER TABLE outbox ADD COLUMN counter INTEGER;
     ALTER TABLE outbox ADD COLUMN record_hash TEXT;
     CREATE UNIQUE INDEX outbox_by_counter ON outbox (counter);";

/// Version 3: what the gateway signs. The gateway's statement key (learned at activation; an
/// account bound before version 3 has none and must be activated again), the last signed
/// checkpoint with its offline limits, and the signed copy of each notice (checked at display
/// time). Verdicts keep the gateway's signed receipt inside their JSON. Then the 回执 the gateway
/// refused (kept with its reason, so a refused reply stays visible), and the pieces of blob
/// downloads already received (each piece an encrypted vault file), so a cut download resumes
/// where it stopped, across restarts too.
pub(super) const V3: &str = "ALTER TABLE account ADD COLUMN gateway_key TEXT;
     CREATE TABLE checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        signed TEXT NOT NULL,
        hash TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL
     );
     ALTER TABLE notices ADD COLUMN signed TEXT;
     ALTER TABLE receipts ADD COLUMN refused TEXT;
     CREATE TABLE download_parts (
        sha256 TEXT NOT NULL,
        start INTEGER NOT NULL,
        size INTEGER NOT NULL,
        part_sha256 TEXT NOT NULL,
        total INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (sha256, start)
     ) WITHOUT ROWID;";

/// Version 4: the latest corrected time seen since the last checkpoint, so the offline limits
/// count from it and a clock set back does not shorten the time the phone has been away.
pub(super) const V4: &str = "ALTER TABLE checkpoint ADD COLUMN latest_seen_ms INTEGER;";

/// Version 5: 通讯录 — the unit's address book as last fetched, one snapshot with its version.
pub(super) const V5: &str = "CREATE TABLE directory (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,
        body TEXT NOT NULL,
        fetched_at TEXT NOT NULL
     );";

/// Version 6: pending tasks that have a deadline, by deadline, so the 超期 badge counts index
/// entries instead of reading every pending task. Partial: only those tasks pay for it on write.
pub(super) const V6: &str = "CREATE INDEX tasks_overdue ON tasks (deadline)
     WHERE list = 'todo' AND deadline IS NOT NULL;";

/// Version 7: 正文 opened on this phone (read through the core, by content hash), for the unit's
/// rule on approving an unopened body; and each body version's PDF rendition, so the retention
/// purge keeps a rendition's file while its document stays.
pub(super) const V7: &str = "CREATE TABLE opened_files (
        sha256 TEXT PRIMARY KEY,
        first_opened_at TEXT NOT NULL,
        last_opened_at TEXT NOT NULL
     ) WITHOUT ROWID;
     ALTER TABLE body_versions ADD COLUMN rendition_sha256 TEXT;
     CREATE INDEX body_versions_by_rendition ON body_versions (rendition_sha256)
     WHERE rendition_sha256 IS NOT NULL;";

/// Version 8: 全文检索 — the search index (`search.rs`): FTS5 over tokens made in Rust (contentless:
/// tokens and positions, no text), each entry's item and time-ordered key, and the items written
/// since the index last caught up. Triggers note every write of a document, opinion or notice
/// and drop a removed one's entry at once, whichever code or cascade removed it. Its data step
/// indexes what the store already holds.
pub(super) const V8: &str = "CREATE VIRTUAL TABLE search_index USING fts5 (
        tokens, content = '', contentless_delete = 1, tokenize = 'ascii'
     );
     CREATE TABLE search_items (
        key INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind = 'document' OR kind = 'opinion' OR kind = 'notice'),
        ref TEXT NOT NULL,
        UNIQUE (kind, ref)
     );
     CREATE TABLE search_pending (
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        PRIMARY KEY (kind, ref)
     ) WITHOUT ROWID;
     CREATE TRIGGER search_document_written AFTER INSERT ON documents BEGIN
        INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('document', NEW.id);
     END;
     CREATE TRIGGER search_document_changed AFTER UPDATE ON documents
     WHEN OLD.body IS NOT NEW.body OR OLD.title IS NOT NEW.title OR OLD.number IS NOT NEW.number
       OR OLD.received_at IS NOT NEW.received_at BEGIN
        INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('document', NEW.id);
     END;
     CREATE TRIGGER search_document_removed AFTER DELETE ON documents BEGIN
        DELETE FROM search_index WHERE rowid =
          (SELECT key FROM search_items WHERE kind = 'document' AND ref = OLD.id);
        DELETE FROM search_items WHERE kind = 'document' AND ref = OLD.id;
        DELETE FROM search_pending WHERE kind = 'document' AND ref = OLD.id;
     END;
     CREATE TRIGGER search_opinion_written AFTER INSERT ON opinions BEGIN
        INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('opinion', NEW.task_id);
     END;
     CREATE TRIGGER search_opinion_changed AFTER UPDATE ON opinions
     WHEN OLD.text IS NOT NEW.text OR OLD.written_at IS NOT NEW.written_at BEGIN
        INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('opinion', NEW.task_id);
     END;
     CREATE TRIGGER search_opinion_removed AFTER DELETE ON opinions BEGIN
        DELETE FROM search_index WHERE rowid =
          (SELECT key FROM search_items WHERE kind = 'opinion' AND ref = OLD.task_id);
        DELETE FROM search_items WHERE kind = 'opinion' AND ref = OLD.task_id;
        DELETE FROM search_pending WHERE kind = 'opinion' AND ref = OLD.task_id;
     END;
     CREATE TRIGGER search_notice_written AFTER INSERT ON notices BEGIN
        INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('notice', NEW.id);
     END;
     CREATE TRIGGER search_notice_changed AFTER UPDATE ON notices
     WHEN OLD.body IS NOT NEW.body BEGIN
        INSERT OR IGNORE INTO search_pending (kind, ref) VALUES ('notice', NEW.id);
     END;
     CREATE TRIGGER search_notice_removed AFTER DELETE ON notices BEGIN
        DELETE FROM search_index WHERE rowid =
          (SELECT key FROM search_items WHERE kind = 'notice' AND ref = OLD.id);
        DELETE FROM search_items WHERE kind = 'notice' AND ref = OLD.id;
        DELETE FROM search_pending WHERE kind = 'notice' AND ref = OLD.id;
     END;";

/// Version 9: opinions — the 常用意见 held (the person's own list with an edit made here, the
/// gateway version it was made on, the unit's defaults and the book's version), and the
/// handwriting images and voice clips attached to opinions here, with whether the gateway has
/// them yet and which queued command names them.
pub(super) const V9: &str = "CREATE TABLE phrases (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        own TEXT NOT NULL,
        own_version INTEGER NOT NULL,
        unit TEXT NOT NULL,
        version TEXT NOT NULL,
        edited INTEGER NOT NULL,
        edit_refused INTEGER NOT NULL,
        updated_at TEXT NOT NULL
     );
     CREATE TABLE opinion_files (
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        uploaded INTEGER NOT NULL,
        command_id TEXT,
        created_at TEXT NOT NULL
     );";

/// Version 10: the deployment's trust (its CA certificates, PEM, and the SPKI pins, as JSON)
/// kept with the account from activation, so every later sync checks the gateway against them.
/// Accounts bound before have none (a development gateway on plain http on this machine).
pub(super) const V10: &str = "ALTER TABLE account ADD COLUMN trust TEXT;";

/// Version 11: a list's first page read from indexes alone (performance.md P-2). Right after an
/// unlock every page a query touches is read from the file and decrypted; a list row read through
/// a table cost an index leaf and a table leaf for each of task, instance and document. 待办's
/// index now carries the instance the row joins and its deadline; instances and documents get a
/// narrow index holding what a list row joins through and shows, whose leaves hold many rows each.
pub(super) const V11: &str = "DROP INDEX tasks_todo;
     CREATE INDEX tasks_todo ON tasks (list, urgency DESC, received_at DESC, id, instance_id, deadline);
     CREATE INDEX instances_summary ON instances (id, document_id);
     CREATE INDEX documents_summary ON documents (id, title, number, urgency);";

/// Version 12: the trace as an ordinary table, its key in an index of its own. Without a rowid the
/// whole row (a signed record of about a kilobyte) was the B-tree key, larger than an index cell
/// holds on its page: every insert compared against keys spilled to overflow pages, reading and
/// decrypting those pages and copying each key into a locked, wiped allocation (SQLCipher's memory
/// security). A first sync writes two or three records per instance. Now the records sit in rows
/// appended by rowid and the key index holds only the instance and version.
pub(super) const V12: &str = "CREATE TABLE trace_rows (
        instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (instance_id, version)
     );
     INSERT INTO trace_rows (instance_id, version, record)
        SELECT instance_id, version, record FROM trace;
     DROP TABLE trace;
     ALTER TABLE trace_rows RENAME TO trace;";

/// Version 13: what the phone knows of its own binding besides the account: whether it still
/// waits for an administrator's approval, the description it registered (name, platform), the
/// assurance of its keys as the phone knows it, and when it was bound — for the waiting screen
/// and the settings' device page. NULL for a device bound before (shown as unknown).
pub(super) const V13: &str =
    "ALTER TABLE account ADD COLUMN pending_approval INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE account ADD COLUMN device_name TEXT;
     ALTER TABLE account ADD COLUMN platform TEXT;
     ALTER TABLE account ADD COLUMN assurance TEXT;
     ALTER TABLE account ADD COLUMN activated_at TEXT;";

/// Version 14: a list row says what kind of document it is (收文, 发文 …) and its 密级 beside its
/// 紧急程度, still from the documents' narrow index alone (see version 11): the index gains the
/// kind and the 密级 as the stored document says it (an indexed expression, so every writer, the
/// older migrations' data steps included, stays as it was).
pub(super) const V14: &str = "DROP INDEX documents_summary;
     CREATE INDEX documents_summary ON documents
        (id, title, number, urgency, kind, json_extract(body, '$.secrecy'));";
