//! The gateway's schema: forward-only migrations written once in the neutral SQL of
//! [`crate::sql`], applied in order on SQLite and on PostgreSQL alike, each in its own transaction
//! with its version recorded in `schema_migrations`. Several replicas starting at once on
//! PostgreSQL serialise on an advisory lock, so a migration never runs twice.

use crate::sql::args;
use crate::sql::{Dialect, Sql, SqlError};

/// The migrations, version n at index n-1. Never edit one that has shipped: add a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: units and their people, definitions, documents and flows, devices and their codes,
    //    nonces, verdicts, records held for a missing predecessor, the per-user change feed, standing delegations, administrators' tokens
    //    and the hash-chained audit log.
    "CREATE TABLE units (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, organ_code TEXT NOT NULL, created_at TEXT NOT NULL);
     CREATE TABLE users (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), login TEXT NOT NULL,
        name TEXT NOT NULL, post TEXT NOT NULL, role TEXT NOT NULL, roles TEXT NOT NULL,
        created_at TEXT NOT NULL, UNIQUE (login, unit_id, post));
     CREATE INDEX users_by_unit ON users (unit_id, id);
     CREATE TABLE definitions (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), body TEXT NOT NULL);
     CREATE TABLE documents (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), secrecy TEXT NOT NULL,
        body TEXT NOT NULL);
     CREATE TABLE instances (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id),
        document_id TEXT NOT NULL REFERENCES documents(id),
        definition_id TEXT NOT NULL REFERENCES definitions(id), version BIGINT NOT NULL,
        body TEXT NOT NULL);
     CREATE TABLE trace (
        seq SERIAL_KEY, instance_id TEXT NOT NULL REFERENCES instances(id), command_id TEXT,
        actor TEXT NOT NULL, device_id TEXT, body TEXT NOT NULL, at TEXT NOT NULL);
     CREATE INDEX trace_by_instance ON trace (instance_id, seq);
     CREATE TABLE activation_codes (
        user_id TEXT PRIMARY KEY REFERENCES users(id), code_hash BLOB NOT NULL,
        expires_at BIGINT NOT NULL, attempts BIGINT NOT NULL, needs_approval BIGINT NOT NULL);
     CREATE TABLE activation_attempts (source TEXT NOT NULL, at BIGINT NOT NULL);
     CREATE INDEX activation_attempts_by_source ON activation_attempts (source, at);
     CREATE TABLE devices (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
        request_key_id TEXT NOT NULL UNIQUE, request_key_spki BLOB NOT NULL,
        approval_key_id TEXT NOT NULL UNIQUE, approval_key_spki BLOB NOT NULL,
        token_hash BLOB NOT NULL, state TEXT NOT NULL, name TEXT NOT NULL, platform TEXT NOT NULL,
        assurance TEXT NOT NULL, attestation BLOB, last_counter BIGINT NOT NULL,
        last_record_hash TEXT NOT NULL, last_record_at TEXT, created_at TEXT NOT NULL,
        revoked_at TEXT);
     CREATE INDEX devices_by_user ON devices (user_id);
     CREATE TABLE nonces (
        key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL,
        PRIMARY KEY (key_id, nonce));
     CREATE INDEX nonces_by_expiry ON nonces (expires_at);
     CREATE TABLE verdicts (
        command_id TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(id),
        body TEXT NOT NULL);
     CREATE TABLE held_commands (
        device_id TEXT NOT NULL REFERENCES devices(id), counter BIGINT NOT NULL,
        command_id TEXT NOT NULL, body TEXT NOT NULL, received_at TEXT NOT NULL,
        PRIMARY KEY (device_id, counter));
     CREATE TABLE feed_heads (user_id TEXT PRIMARY KEY REFERENCES users(id), last_seq BIGINT NOT NULL);
     CREATE TABLE changes (
        user_id TEXT NOT NULL REFERENCES users(id), seq BIGINT NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (user_id, seq));
     CREATE TABLE standing_delegations (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), body TEXT NOT NULL,
        revoked_at TEXT);
     CREATE TABLE admin_tokens (
        token_hash BLOB PRIMARY KEY, user_id TEXT REFERENCES users(id), label TEXT NOT NULL,
        created_at TEXT NOT NULL);
     CREATE TABLE audit (
        seq BIGINT PRIMARY KEY, at TEXT NOT NULL, unit_id TEXT, actor TEXT NOT NULL,
        kind TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL);
     CREATE TABLE audit_head (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
     INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');",
    // 2: the gateway's statement keys (public halves, so every replica and auditor knows them);
    //    checkpoints issued to devices; each unit's offline policy; feed lanes (priorities) and
    //    item keys (a newer change of an item replaces the older one); content-addressed blobs
    //    in chunks with the units that own them and the people who may fetch them; notices with
    //    each recipient's 回执.
    //    Devices note when a wipe command was first handed to them.
    "ALTER TABLE devices ADD COLUMN wipe_sent_at TEXT;
     CREATE TABLE gateway_keys (
        key_id TEXT PRIMARY KEY, spki BLOB NOT NULL, created_at TEXT NOT NULL);
     CREATE TABLE checkpoints (
        hash TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(id),
        issued_at TEXT NOT NULL, issued_unix BIGINT NOT NULL, policy_version BIGINT NOT NULL,
        signed TEXT NOT NULL);
     CREATE INDEX checkpoints_by_device ON checkpoints (device_id, issued_unix);
     CREATE TABLE unit_policies (
        unit_id TEXT PRIMARY KEY REFERENCES units(id), body TEXT NOT NULL);
     ALTER TABLE changes ADD COLUMN lane BIGINT NOT NULL DEFAULT 1;
     ALTER TABLE changes ADD COLUMN item_key TEXT;
     CREATE INDEX changes_by_lane ON changes (user_id, lane, seq);
     CREATE UNIQUE INDEX changes_by_item ON changes (user_id, item_key);
     CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, media_type TEXT NOT NULL,
        chunk_size BIGINT NOT NULL, created_at TEXT NOT NULL);
     CREATE TABLE blob_chunks (
        sha256 TEXT NOT NULL REFERENCES blobs(sha256), idx BIGINT NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (sha256, idx));
     CREATE TABLE blob_owners (
        sha256 TEXT NOT NULL REFERENCES blobs(sha256), unit_id TEXT NOT NULL REFERENCES units(id),
        PRIMARY KEY (sha256, unit_id));
     CREATE TABLE blob_readers (
        sha256 TEXT NOT NULL REFERENCES blobs(sha256), user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (sha256, user_id));
     CREATE TABLE notices (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), body TEXT NOT NULL,
        signed TEXT NOT NULL, published_at TEXT NOT NULL, published_by TEXT NOT NULL);
     CREATE INDEX notices_by_unit ON notices (unit_id, published_at);
     CREATE TABLE notice_recipients (
        notice_id TEXT NOT NULL REFERENCES notices(id), user_id TEXT NOT NULL REFERENCES users(id),
        status TEXT NOT NULL, read_at TEXT, replied_at TEXT, PRIMARY KEY (notice_id, user_id));
     CREATE INDEX notice_recipients_by_user ON notice_recipients (user_id);",
    // 3: a blob's media type belongs to each unit that uploaded it, so a second unit's upload
    //    of the same bytes never learns the type the first one gave (nor whether there was one).
    "ALTER TABLE blob_owners ADD COLUMN media_type TEXT;
     UPDATE blob_owners SET media_type =
        (SELECT b.media_type FROM blobs b WHERE b.sha256 = blob_owners.sha256);
     ALTER TABLE blobs DROP COLUMN media_type;",
    // 4: wrong activation codes are counted per login and client address, and it is the address
    //    that gets locked out, not the code (a stranger's guesses no longer burn a user's code).
    "CREATE TABLE activation_failures (
        login TEXT NOT NULL, source TEXT NOT NULL, failures BIGINT NOT NULL,
        locked_until BIGINT NOT NULL, last_at BIGINT NOT NULL, PRIMARY KEY (login, source));",
    // 5: 通讯录 for phones: each identity's department, office phone and whether phones list it
    //    (an identity without a row is listed with neither), and each unit's policy on showing
    //    office phones (hidden without a row).
    "CREATE TABLE directory_entries (
        user_id TEXT PRIMARY KEY REFERENCES users(id), department TEXT NOT NULL,
        office_phone TEXT NOT NULL, listed BIGINT NOT NULL);
     CREATE TABLE directory_policies (
        unit_id TEXT PRIMARY KEY REFERENCES units(id), show_office_phones BIGINT NOT NULL);",
    // 6: opinions — each identity's own 常用意见 with the version an edit must name, each unit's
    //    default phrases, and who uploaded which opinion file (a handwriting image or voice
    //    clip): a command may name only files its signer uploaded.
    "CREATE TABLE phrases (
        user_id TEXT PRIMARY KEY REFERENCES users(id), version BIGINT NOT NULL,
        body TEXT NOT NULL, updated_at TEXT NOT NULL);
     CREATE TABLE unit_phrases (
        unit_id TEXT PRIMARY KEY REFERENCES units(id), body TEXT NOT NULL,
        updated_at TEXT NOT NULL);
     CREATE TABLE blob_uploaders (
        sha256 TEXT NOT NULL REFERENCES blobs(sha256), user_id TEXT NOT NULL REFERENCES users(id),
        uploaded_at TEXT NOT NULL, PRIMARY KEY (sha256, user_id));",
    // 7: the feed stores each document, instance version and definition once, in feed_objects
    //    (deflated) under the SHA-256 of its JSON; an inbox change's row names the three and
    //    holds its task id, and every row its size as sent (rows from before, without one, are
    //    converted at start: `feed::convert_stored`). The hashes a replaced row named wait in
    //    feed_orphans until housekeeping deletes the objects no row names.
    "ALTER TABLE changes ADD COLUMN size BIGINT;
     ALTER TABLE changes ADD COLUMN document_ref BLOB;
     ALTER TABLE changes ADD COLUMN instance_ref BLOB;
     ALTER TABLE changes ADD COLUMN definition_ref BLOB;
     CREATE INDEX changes_unconverted ON changes (user_id, seq) WHERE size IS NULL;
     CREATE INDEX changes_by_document_ref ON changes (document_ref) WHERE document_ref IS NOT NULL;
     CREATE INDEX changes_by_instance_ref ON changes (instance_ref) WHERE instance_ref IS NOT NULL;
     CREATE INDEX changes_by_definition_ref ON changes (definition_ref)
        WHERE definition_ref IS NOT NULL;
     CREATE TABLE feed_objects (hash BLOB PRIMARY KEY, body BLOB NOT NULL);
     CREATE TABLE feed_orphans (hash BLOB PRIMARY KEY);",
    // 8: an instance's JSON is stored deflated in `packed`, its `body` left empty; rows from
    //    before, with their JSON in `body`, are converted at start (`instances::convert_stored`).
    "ALTER TABLE instances ADD COLUMN packed BLOB;
     CREATE INDEX instances_unconverted ON instances (id) WHERE body <> '';",
    // 9: a document's JSON is stored deflated in `packed` too, its `body` left empty; rows from
    //    before are converted at start with the instances'.
    "ALTER TABLE documents ADD COLUMN packed BLOB;
     CREATE INDEX documents_unconverted ON documents (id) WHERE body <> '';",
    // 10: one-time attestation challenges handed to phones before activation, by the SHA-256 of
    //     the challenge, with the address that asked (rate limit) and when they expire.
    "CREATE TABLE activation_challenges (
        challenge_hash BLOB PRIMARY KEY, source TEXT NOT NULL, created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL);
     CREATE INDEX activation_challenges_by_source ON activation_challenges (source, created_at);
     CREATE INDEX activation_challenges_by_expiry ON activation_challenges (expires_at);",
    // 11: office accounts for the web console (an identity of the address book with an Argon2id
    //     password, a TOTP secret once enrolled, the last TOTP step used, failures in a row and a
    //     lockout, roles in its unit) and their sessions, by the SHA-256 of the cookie's id.
    "CREATE TABLE office_accounts (
        user_id TEXT PRIMARY KEY REFERENCES users(id), unit_id TEXT NOT NULL REFERENCES units(id),
        login TEXT NOT NULL UNIQUE, roles TEXT NOT NULL, password_hash TEXT NOT NULL,
        totp_secret BLOB, totp_last_step BIGINT NOT NULL, failures BIGINT NOT NULL,
        locked_until BIGINT NOT NULL, disabled BIGINT NOT NULL, created_at TEXT NOT NULL);
     CREATE INDEX office_accounts_by_unit ON office_accounts (unit_id, login);
     CREATE TABLE console_sessions (
        id_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL REFERENCES office_accounts(user_id),
        stage TEXT NOT NULL, csrf TEXT NOT NULL, enrol_secret BLOB, created_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL, expires_at BIGINT NOT NULL);
     CREATE INDEX console_sessions_by_user ON console_sessions (user_id);
     CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);",
    // 12: the office's lists of a unit's flows: each instance's state, when it started and when
    //     it is due, kept beside the instance and refreshed from it whenever its version moved
    //     on, so a list by state is one indexed query rather than a read of every flow.
    "CREATE TABLE flow_index (
        instance_id TEXT PRIMARY KEY REFERENCES instances(id), unit_id TEXT NOT NULL,
        version BIGINT NOT NULL, state TEXT NOT NULL, started_at TEXT NOT NULL, due_at TEXT);
     CREATE INDEX flow_index_by_state ON flow_index (unit_id, state, started_at);",
    // 13: 发文 drafts at the console before their flow starts (title, head fields as JSON, the
    //     flow once started), each body version with its PDF blob, stage, uploader and time, and
    //     the flows each person follows (关注).
    "CREATE TABLE office_drafts (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id),
        drafter TEXT NOT NULL REFERENCES users(id), title TEXT NOT NULL, fields TEXT NOT NULL,
        created_at TEXT NOT NULL, instance_id TEXT, started_at TEXT);
     CREATE INDEX office_drafts_by_drafter ON office_drafts (unit_id, drafter, created_at);
     CREATE TABLE office_draft_versions (
        draft_id TEXT NOT NULL REFERENCES office_drafts(id), seq BIGINT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES blobs(sha256), size BIGINT NOT NULL,
        file_name TEXT NOT NULL, stage TEXT NOT NULL, uploaded_by TEXT NOT NULL REFERENCES users(id),
        uploaded_at TEXT NOT NULL, PRIMARY KEY (draft_id, seq));
     CREATE TABLE office_follows (
        user_id TEXT NOT NULL REFERENCES users(id),
        instance_id TEXT NOT NULL REFERENCES instances(id), followed_at TEXT NOT NULL,
        PRIMARY KEY (user_id, instance_id));",
    // 14: the integration API for a bureau's existing OA: API keys (stored as their SHA-256)
    //     scoped to units, the documents they created and the flow each started, webhook
    //     subscriptions with their signing secret, the audit cursor the dispatcher has read up
    //     to (starting at the head, so no history is replayed), the last trace version sent
    //     per instance, and each delivery with every attempt made.
    "CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, key_hash BLOB NOT NULL UNIQUE, label TEXT NOT NULL,
        created_by TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
     CREATE TABLE api_key_units (
        key_id TEXT NOT NULL REFERENCES api_keys(id), unit_id TEXT NOT NULL REFERENCES units(id),
        PRIMARY KEY (key_id, unit_id));
     CREATE INDEX api_key_units_by_unit ON api_key_units (unit_id);
     CREATE TABLE integration_documents (
        id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id),
        key_id TEXT NOT NULL REFERENCES api_keys(id), body TEXT NOT NULL, instance_id TEXT,
        created_at TEXT NOT NULL);
     CREATE TABLE webhook_subscriptions (
        id TEXT PRIMARY KEY, key_id TEXT NOT NULL REFERENCES api_keys(id), url TEXT NOT NULL,
        events TEXT NOT NULL, secret TEXT NOT NULL, from_seq BIGINT NOT NULL,
        created_at TEXT NOT NULL, revoked_at TEXT);
     CREATE INDEX webhook_subscriptions_by_key ON webhook_subscriptions (key_id);
     CREATE TABLE webhook_cursor (id BIGINT PRIMARY KEY, audit_seq BIGINT NOT NULL);
     INSERT INTO webhook_cursor (id, audit_seq) SELECT 1, seq FROM audit_head WHERE id = 1;
     CREATE TABLE webhook_marks (instance_id TEXT PRIMARY KEY, version BIGINT NOT NULL);
     CREATE TABLE webhook_deliveries (
        id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id),
        event_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL,
        state TEXT NOT NULL, attempts BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL, created_at TEXT NOT NULL,
        UNIQUE (subscription_id, event_id));
     CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
     CREATE TABLE webhook_attempts (
        delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id), attempt BIGINT NOT NULL,
        at TEXT NOT NULL, status BIGINT, error TEXT, PRIMARY KEY (delivery_id, attempt));",
    // 15: 公文交换 — a unit's document sent to another unit of the deployment, signed for,
    //     returned with a reason or registered there as a 收文 (the flow it started).
    "CREATE TABLE exchange_items (
        id TEXT PRIMARY KEY, from_unit TEXT NOT NULL REFERENCES units(id),
        to_unit TEXT NOT NULL REFERENCES units(id),
        document_id TEXT NOT NULL REFERENCES documents(id), sent_by TEXT NOT NULL,
        sent_at TEXT NOT NULL, state TEXT NOT NULL, acted_by TEXT, acted_at TEXT, reason TEXT,
        instance_id TEXT, UNIQUE (document_id, to_unit));
     CREATE INDEX exchange_items_to ON exchange_items (to_unit, sent_at);
     CREATE INDEX exchange_items_from ON exchange_items (from_unit, sent_at);",
    // 16: the console's audit log reads one unit's entries newest first; without this index
    //     every page would scan the whole chain.
    "CREATE INDEX audit_by_unit ON audit (unit_id, seq);",
];

/// Errors bringing a database to the current schema.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The database was written by a newer gateway.
    #[error("the database has schema version {found}, newer than this gateway's {known}; run a newer gateway")]
    TooNew {
        /// Version found.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A SQLite file from before versioned migrations.
    #[error("the data folder was made by a pre-release gateway; move it aside and start again")]
    PreRelease,
    /// The database failed around a migration (starting or committing its transaction).
    #[error("the database failed while migrating: {0}")]
    Database(#[from] SqlError),
    /// A migration failed; the database stays at the version before it.
    #[error("migration to version {version} failed: {source}")]
    Failed {
        /// The version that failed.
        version: i64,
        /// Why.
        source: SqlError,
    },
}

/// The newest schema version this build knows.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The version a database is at (0 for a new one). Needs `schema_migrations` to exist.
pub fn version(sql: &mut dyn Sql) -> Result<i64, SqlError> {
    let row = sql.query_one(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    row.int(0)
}

/// Prepares the bookkeeping table (in its own transaction, before any migration).
pub fn prepare(sql: &mut dyn Sql) -> Result<(), SqlError> {
    sql.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
}

/// Applies migration `version` if the database is not past it yet, inside the caller's
/// transaction. Returns whether it ran.
pub fn apply(sql: &mut dyn Sql, version: i64) -> Result<bool, SchemaError> {
    let failed = |source| SchemaError::Failed { version, source };
    if sql.dialect() == Dialect::Postgres {
        // Replicas starting together: the second waits here, then sees the version applied.
        sql.execute("SELECT pg_advisory_xact_lock(7415)", &[])
            .map_err(failed)?;
    }
    let found = self::version(sql).map_err(failed)?;
    if found >= version {
        return Ok(false);
    }
    let neutral = usize::try_from(version - 1)
        .ok()
        .and_then(|i| MIGRATIONS.get(i))
        .ok_or(SchemaError::TooNew {
            found: version,
            known: current_version(),
        })?;
    let dialect = sql.dialect();
    sql.batch(&dialect.ddl(neutral)).map_err(failed)?;
    sql.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
        args![version, chrono::Utc::now().to_rfc3339()],
    )
    .map_err(failed)?;
    Ok(true)
}
