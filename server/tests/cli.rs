//! The administrative command line against a real database (SQLite, or PostgreSQL when
//! `QIANPI_TEST_POSTGRES` names a server): set up a unit, import its address book, issue tokens
//! and codes, set its offline policy, and check the audit chain, which then fails once a row has
//! been edited behind the gateway's back.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use qianpi_gateway::args;
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
    let data = Database::new(dir.path());
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

    let verified = ok(&gateway(&data, &["verify-audit"]));
    assert!(verified.contains("entries: 8"), "{verified}");
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
