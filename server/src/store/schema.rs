//! The database schema as an ordered list of migrations, one SQL text per
//! dialect. Migrations only ever get appended; a database remembers which
//! ones it has run in `schema_migrations`.
//!
//! The two dialects differ only where they must (binary columns); every
//! query elsewhere is written once in the SQL both understand, with `$1`
//! style placeholders.

use super::Dialect;

/// One step of the schema's history.
pub struct Migration {
    pub version: i64,
    pub description: &'static str,
    statements: &'static str,
}

impl Migration {
    /// The statements of this migration for `dialect`, split on `;`.
    pub fn statements(&self, dialect: Dialect) -> Vec<String> {
        let blob = match dialect {
            Dialect::Sqlite => "BLOB",
            Dialect::Postgres => "BYTEA",
        };
        self.statements
            .replace("{BLOB}", blob)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Every migration, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "accounts, sessions, meetings, agenda, documents, sync registry, audit log, automerge chunks",
        statements: r#"
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    org_role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    place TEXT NOT NULL,
    state TEXT NOT NULL,
    video_link TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE meeting_participants (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX participants_by_user ON meeting_participants(user_id);
CREATE TABLE agenda_items (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    parent_id TEXT REFERENCES agenda_items(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    presenter TEXT,
    duration_minutes BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agenda_by_meeting ON agenda_items(meeting_id);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    agenda_item_id TEXT NOT NULL REFERENCES agenda_items(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    confidential BIGINT NOT NULL DEFAULT 0,
    current_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX documents_by_meeting ON documents(meeting_id);
CREATE TABLE document_versions (
    document_id TEXT NOT NULL REFERENCES documents(id),
    version BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    blob_sha256 TEXT NOT NULL,
    page_count BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (document_id, version)
);
CREATE TABLE sync_documents (
    document_id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    kind TEXT NOT NULL,
    owner_user_id TEXT REFERENCES users(id),
    agenda_document_id TEXT REFERENCES documents(id)
);
CREATE INDEX sync_documents_by_meeting ON sync_documents(meeting_id);
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id TEXT,
    meeting_id TEXT,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE automerge_chunks (
    chunk_key TEXT PRIMARY KEY,
    data {BLOB} NOT NULL
);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
)
"#,
    },
    Migration {
        version: 2,
        description: "publication time, to mark agenda items changed after publishing",
        statements: r#"
ALTER TABLE meetings ADD COLUMN published_at BIGINT
"#,
    },
    Migration {
        version: 3,
        description: "the live meeting: attendance, votes (receipts apart from tallies), speaking turns",
        statements: r#"
CREATE TABLE attendance (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL,
    marked_by TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE TABLE votes (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    agenda_item_id TEXT,
    question TEXT NOT NULL,
    options TEXT NOT NULL,
    secret BIGINT NOT NULL,
    state TEXT NOT NULL,
    eligible BIGINT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX votes_by_meeting ON votes(meeting_id);
CREATE TABLE vote_receipts (
    vote_id TEXT NOT NULL REFERENCES votes(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    choice BIGINT,
    PRIMARY KEY (vote_id, user_id)
);
CREATE TABLE vote_tallies (
    vote_id TEXT NOT NULL REFERENCES votes(id),
    option_index BIGINT NOT NULL,
    ballots BIGINT NOT NULL,
    PRIMARY KEY (vote_id, option_index)
);
CREATE TABLE speaker_turns (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL
);
CREATE INDEX speaker_turns_by_meeting ON speaker_turns(meeting_id)
"#,
    },
    Migration {
        version: 4,
        description: "who may vote and changed ballots; requests to the secretary",
        statements: r#"
ALTER TABLE votes ADD COLUMN eligibility TEXT;
ALTER TABLE votes ADD COLUMN eligible_voters TEXT;
ALTER TABLE votes ADD COLUMN allow_change BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vote_receipts ADD COLUMN ballot_commitment TEXT;
CREATE TABLE secretary_requests (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    document_id TEXT,
    text TEXT,
    created_at BIGINT NOT NULL,
    handled_at BIGINT,
    handled_by TEXT
);
CREATE INDEX secretary_requests_by_meeting ON secretary_requests(meeting_id)
"#,
    },
    Migration {
        version: 5,
        description: "page fingerprints of document versions; per-meeting rules (quorum, decisions) and the rule each vote was opened under",
        statements: r#"
ALTER TABLE document_versions ADD COLUMN page_fingerprints TEXT;
ALTER TABLE meetings ADD COLUMN rules TEXT;
ALTER TABLE votes ADD COLUMN decision_rule TEXT;
ALTER TABLE votes ADD COLUMN decision_base BIGINT
"#,
    },
    Migration {
        version: 6,
        description: "reads of confidential documents (each copy handed out, with its audit entry)",
        statements: r#"
CREATE TABLE document_reads (
    document_id TEXT NOT NULL REFERENCES documents(id),
    version BIGINT NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT,
    at BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX document_reads_by_meeting ON document_reads(meeting_id)
"#,
    },
    Migration {
        version: 7,
        description: "devices per account (last seen, remote wipe) and the device of each session",
        statements: r#"
CREATE TABLE devices (
    user_id TEXT NOT NULL REFERENCES users(id),
    device_id TEXT NOT NULL,
    user_agent TEXT,
    address TEXT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    wipe_requested_at BIGINT,
    wipe_requested_by TEXT,
    wiped_at BIGINT,
    PRIMARY KEY (user_id, device_id)
);
ALTER TABLE sessions ADD COLUMN device_id TEXT
"#,
    },
    Migration {
        version: 8,
        description: "signing certificates per account; the signatures of each meeting's record",
        statements: r#"
CREATE TABLE signing_credentials (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    certificate {BLOB} NOT NULL,
    chain {BLOB} NOT NULL,
    key_kind TEXT NOT NULL,
    key_data {BLOB},
    registered_at BIGINT NOT NULL
);
CREATE TABLE record_signatures (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    record_version BIGINT NOT NULL,
    position BIGINT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    meeting_role TEXT NOT NULL,
    blob_sha256 TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, record_version, position)
);
CREATE TABLE record_files (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    record_version BIGINT NOT NULL,
    unsigned_sha256 TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, record_version)
)
"#,
    },
    Migration {
        version: 9,
        description: "meeting fences: the highest lease token a clustered node's write carried, per meeting",
        statements: r#"
CREATE TABLE meeting_fences (
    meeting_id TEXT PRIMARY KEY,
    token BIGINT NOT NULL
)
"#,
    },
    Migration {
        version: 10,
        description: "an account whose password an administrator set must choose its own",
        statements: r#"
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0
"#,
    },
    Migration {
        version: 11,
        description: "signed audit checkpoints: the audit log's head signed by the server's audit key",
        statements: r#"
CREATE TABLE audit_checkpoints (
    key_id TEXT NOT NULL,
    number BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (key_id, number)
)
"#,
    },
    Migration {
        version: 12,
        description: "the chair or secretary hides a shared annotation (audited), never deleting it",
        statements: r#"
CREATE TABLE hidden_annotations (
    layer_document_id TEXT NOT NULL REFERENCES sync_documents(document_id),
    annotation_id TEXT NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    hidden_by TEXT NOT NULL REFERENCES users(id),
    hidden_at BIGINT NOT NULL,
    PRIMARY KEY (layer_document_id, annotation_id)
);
CREATE INDEX hidden_annotations_by_meeting ON hidden_annotations(meeting_id)
"#,
    },
];
