//! The gateway's integration tests, one binary (as matrix-rust-sdk builds them): the command-line
//! subcommands against the real `qianpi-gateway` binary, migrations from databases left by
//! earlier versions, and the OpenAPI document against a live gateway. Each runs on SQLite, or on
//! a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server. Cross-part tests
//! (phone core and gateway together, a gateway killed mid-push) live in the `tests/` crate; unit
//! tests live beside the code they test.

mod attestation;
mod attestation_chains;
mod attestation_vectors;
mod cli;
mod cli_devices;
mod console_admin;
mod console_audit;
mod console_drafts;
mod console_exchange;
mod console_flows;
mod console_incoming;
mod console_login;
mod console_people;
mod console_support;
mod feed_objects;
mod feed_pages;
mod instance_storage;
mod integration_api;
mod integration_api_console;
mod integration_api_support;
mod integration_api_webhooks;
mod migrations;
mod notices_cli;
mod openapi;
mod openapi_schemas;
mod openapi_support;
mod support;
mod tls_cli;
mod tls_postgres;
