//! The administrative command line against a real database (SQLite, or PostgreSQL when
//! `QIANPI_TEST_POSTGRES` names a server): set up a unit, import its address book, issue tokens
//! and codes, set its offline policy, and check the audit chain, which then fails once a row has
//! been edited behind the gateway's back. Only `serve` and `init` create a database, with the demo
//! unit only when asked, in a folder and files only the gateway's account may read.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::support;

use qianpi_gateway::sql::args;
use qianpi_gateway::Location;
use std::process::Output;
use support::Database;

/// `qianpi-gateway <args[0]> <database options> <args[1..]>`.
fn gateway(db: &Database, args: &[&str]) -> Output {
    db.run(args[0], &args[1..])
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_command_line_administers_a_unit_and_checks_the_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = Database::initialised(dir.path());
    let unit = ok(&gateway(
        &data,
        &[
            "create-unit",
            "--id",
            "unit-a",
            "--name",
            "某局办公室",
            "--organ-code",
            "某办",
        ],
    ));
    assert_eq!(unit.trim(), "unit-a");
    ok(&gateway(
        &data,
        &[
            "add-user",
            "--unit",
            "unit-a",
            "--login",
            "admin",
            "--name",
            "管理员",
            "--post",
            "管理员",
            "--role",
            "unit_admin",
        ],
    ));
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "登录名,姓名,职务,角色\nwu,吴二,局长,leader\nwu,吴二,书记,leader\n",
    )
    .unwrap();
    let imported = ok(&gateway(
        &data,
        &[
            "import-users",
            "--unit",
            "unit-a",
            "--file",
            csv.to_str().unwrap(),
        ],
    ));
    assert_eq!(imported.lines().count(), 2);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "login,name,post,role\nli,李,科员,nobody\n").unwrap();
    let refused = gateway(
        &data,
        &[
            "import-users",
            "--unit",
            "unit-a",
            "--file",
            bad.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("row 2"));
    let token = ok(&gateway(
        &data,
        &["issue-admin-token", "--login", "admin", "--unit", "unit-a"],
    ));
    assert!(token.trim().starts_with("qpa_"));
    ok(&gateway(&data, &["issue-admin-token", "--operator"]));
    // wu holds two posts: the code must say which.
    let ambiguous = gateway(&data, &["issue-code", "--login", "wu"]);
    assert!(!ambiguous.status.success());
    let code = ok(&gateway(
        &data,
        &[
            "issue-code",
            "--login",
            "wu",
            "--post",
            "局长",
            "--needs-approval",
        ],
    ));
    assert_eq!(code.trim().len(), 8);

    let policy = ok(&gateway(
        &data,
        &[
            "set-policy",
            "--unit",
            "unit-a",
            "--max-offline-block-days",
            "3",
            "--max-offline-wipe-days",
            "14",
        ],
    ));
    assert!(policy.contains("version 2"), "{policy}");
    let senseless = gateway(
        &data,
        &[
            "set-policy",
            "--unit",
            "unit-a",
            "--max-offline-wipe-days",
            "1",
        ],
    );
    assert!(!senseless.status.success());
    assert!(String::from_utf8_lossy(&senseless.stderr).contains("invalid_policy"));
    let refuse = ok(&gateway(
        &data,
        &[
            "set-policy",
            "--unit",
            "unit-a",
            "--unopened-body",
            "refuse",
        ],
    ));
    assert!(
        refuse.contains("version 3") && refuse.contains("approving an unopened body: refuse"),
        "{refuse}"
    );
    let unknown = gateway(
        &data,
        &["set-policy", "--unit", "unit-a", "--unopened-body", "deny"],
    );
    assert!(!unknown.status.success());

    let verified = ok(&gateway(&data, &["verify-audit"]));
    assert!(verified.contains("entries: 9"), "{verified}");
    let head = verified
        .lines()
        .find_map(|l| l.strip_prefix("head: "))
        .unwrap()
        .to_owned();
    ok(&gateway(&data, &["verify-audit", "--expect-head", &head]));
    assert!(!gateway(&data, &["verify-audit", "--expect-head", "other"])
        .status
        .success());

    // Behind the gateway's back, with the database's own access.
    let db = data.open();
    db.tx_blocking(|sql| {
        Ok(sql.execute(
            "UPDATE audit SET detail = '{}' WHERE seq = ?1",
            args![2_i64],
        )?)
    })
    .unwrap();
    drop(db);
    let broken = gateway(&data, &["verify-audit"]);
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("broken at entry 2"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

#[test]
fn only_serve_and_init_create_a_database_and_the_demo_unit_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    // A data folder (or PostgreSQL database) nobody created, as a mistyped --data-dir names one:
    // every administrative command refuses it, and creates nothing.
    let typo = Database::new(dir.path());
    for (command, args) in [
        ("issue-code", &["--login", "wangjianguo"][..]),
        (
            "create-unit",
            &["--name", "某局办公室", "--organ-code", "某办"],
        ),
        ("verify-audit", &[]),
    ] {
        let refused = typo.fails(command, args);
        assert!(
            refused.contains("holds no gateway database"),
            "{command}: {refused}"
        );
    }
    if let Location::Folder(folder) = &typo.location {
        assert!(
            !folder.exists(),
            "a refused command created {}",
            folder.display()
        );
    }

    // `serve` creates the database, empty: there is no demo login to issue a code for.
    let mut served = typo.serve(&[]);
    served.kill().unwrap();
    served.wait().unwrap();
    let refused = typo.fails("issue-code", &["--login", "wangjianguo"]);
    assert!(refused.contains("no_such_user"), "{refused}");
    ok(&gateway(&typo, &["verify-audit"]));

    // The data folder and everything in it are the gateway account's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&typo.data), 0o700, "{}", typo.data.display());
        let mut files = 0;
        for entry in std::fs::read_dir(&typo.data).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files += 1;
        }
        assert!(
            files > 0,
            "the data folder holds at least the statement key"
        );
    }

    // `init --demo` creates the database with the demo unit.
    let demo = Database::new(&dir.path().join("demo"));
    demo.ok("init", &["--demo"]);
    assert_eq!(
        demo.ok("issue-code", &["--login", "wangjianguo"])
            .trim()
            .len(),
        8
    );
}
