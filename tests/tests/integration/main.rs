//! The cross-part tests, one binary: the phone core against a real gateway on loopback (SQLite,
//! or PostgreSQL when `QIANPI_TEST_POSTGRES` names a server), through the fault proxy where the
//! network misbehaves. Each module is one theme; `units` holds the fixtures of units, their people,
//! files and notices that many of them share.

mod actions;
mod activation_attested;
mod activation_shell;
mod admin;
mod admin_devices;
mod blob_downloads;
mod blobs;
mod bodies;
mod body_streams;
mod chain;
mod countersign;
mod document_detail;
mod end_to_end;
mod feed;
mod feed_lanes;
mod first_sync_deliveries;
mod gateway_tls;
mod group_commit;
mod hostile;
mod hostile_checks;
mod instance_storage;
mod notice_receipts;
mod notices;
mod opinion_files;
mod opinions;
mod people;
mod phone_actions;
mod phone_actions_flow;
mod phone_actions_more;
mod phone_actions_roles;
mod phone_notices;
mod policy;
mod proxy_faults;
mod receipts_blocked;
mod records;
mod restart;
mod search;
mod server_time;
mod signed_requests;
mod statements;
mod sync_engine;
mod tls;
mod tls_network;
mod units;
