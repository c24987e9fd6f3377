//! What the command-line tests share: a database for the `qianpi-gateway` binary — a SQLite data
//! folder, or a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a server — and
//! running subcommands against it.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use qianpi_gateway::db::{create_postgres_database, Db};
use qianpi_gateway::Location;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The database the commands share, and how to name it to them.
pub struct Database {
    /// Where the data lives.
    pub location: Location,
    /// The data folder (the SQLite file, the statement key).
    pub data: PathBuf,
}

impl Database {
    /// A new database in `dir` (or on the PostgreSQL server named by the environment).
    pub fn new(dir: &Path) -> Database {
        let data = dir.join("data");
        let location = match std::env::var("QIANPI_TEST_POSTGRES") {
            Ok(server) => create_postgres_database(&server, "qianpi_test").unwrap().0,
            Err(_) => Location::Folder(data.clone()),
        };
        Database { location, data }
    }

    /// [`Database::new`], created as an administrator does before anything else
    /// (`qianpi-gateway init`): the other subcommands refuse a database that does not exist.
    pub fn initialised(dir: &Path) -> Database {
        let database = Database::new(dir);
        database.ok("init", &[]);
        database
    }

    /// Runs `qianpi-gateway <subcommand> <database options> <args>`.
    pub fn run(&self, subcommand: &str, args: &[&str]) -> Output {
        self.command(subcommand, args).output().unwrap()
    }

    /// Runs `qianpi-gateway serve <database options> <args>` on a free loopback port until it
    /// says it listens; the caller stops it.
    pub fn serve(&self, args: &[&str]) -> Child {
        let mut args = args.to_vec();
        args.extend(["--listen", "127.0.0.1:0"]);
        self.serve_at(&args).0
    }

    /// Runs `qianpi-gateway serve <database options> <args>` (which name the address) until it
    /// says it listens: the running gateway, which the caller stops, and the URL it printed.
    pub fn serve_at(&self, args: &[&str]) -> (Child, String) {
        let mut child = self
            .command("serve", args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{line:?}"))
            .trim()
            .to_owned();
        (child, url)
    }

    /// `qianpi-gateway <subcommand> <args>` on this database, not yet run.
    pub fn command(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_qianpi-gateway"));
        command
            .arg(subcommand)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_remove("DATABASE_URL")
            .env_remove("QIANPI_STATEMENT_KEY");
        if let Location::Postgres(url) = &self.location {
            command.arg("--database-url").arg(url);
        }
        command
    }

    /// Runs a command that must succeed; its standard output.
    pub fn ok(&self, subcommand: &str, args: &[&str]) -> String {
        let output = self.run(subcommand, args);
        assert!(
            output.status.success(),
            "{subcommand} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs a command that must fail; its standard error.
    pub fn fails(&self, subcommand: &str, args: &[&str]) -> String {
        let output = self.run(subcommand, args);
        assert!(!output.status.success(), "{subcommand} succeeded");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// The database, opened here.
    pub fn open(&self) -> Db {
        Db::open(&self.location).unwrap().0
    }
}
