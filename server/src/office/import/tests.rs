//! The import against a real database (SQLite here; PostgreSQL too when `QIANPI_TEST_POSTGRES`
//! names a server and the ignored tests are included): a GBK file with a bad row is previewed
//! with the row named and nothing stored, then fixed and applied; a changed person shows which
//! fields change; a stale preview is refused; a GB18030-only character and an .xlsx survive.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::admin::people::{create_unit, create_user, list_users, NewUnit};
use crate::db::{create_postgres_database, Location};
use crate::sql::args;

async fn unit(db: &Db) -> AdminActor {
    let now = Utc::now();
    let unit = NewUnit {
        id: Some("unit-a".into()),
        name: "某局办公室".into(),
        organ_code: "某办".into(),
    };
    create_unit(db, &AdminActor::cli(), unit, now)
        .await
        .unwrap();
    let admin = NewUser {
        login: "admin".into(),
        name: "管理员".into(),
        post: "主任".into(),
        role: "unit_admin".into(),
        secretary_for: Vec::new(),
        department: "办公室".into(),
        office_phone: String::new(),
    };
    let admin = create_user(db, &AdminActor::cli(), "unit-a", admin, now)
        .await
        .unwrap();
    AdminActor::unit_admin(&admin.id, "unit-a")
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

async fn department(db: &Db, login: &str) -> String {
    let login = login.to_owned();
    db.tx(move |sql| {
        Ok(sql
            .query_one(
                "SELECT e.department FROM users u JOIN directory_entries e ON e.user_id = u.id
                 WHERE u.login = ?1",
                args![&login],
            )?
            .text(0)?)
    })
    .await
    .unwrap()
}

async fn scenario(db: Db) {
    let actor = unit(&db).await;
    let before = list_users(&db, &actor, "unit-a").await.unwrap().len();
    let header = "登录名,姓名,职务,角色,处室,办公电话\n";
    let bad = format!(
        "{header}admin,管理员,主任,单位管理员,综合处,\nli,李四,科长,领导,办公室,0351-1234567\n\
         wang,王五,科员,老板,办公室,\n"
    );
    let preview = preview(&db, &actor, "unit-a", &gbk(&bad)).await.unwrap();
    assert_eq!(preview.source, SourceKind::Gb18030);
    assert_eq!(preview.bad.len(), 1);
    assert_eq!(preview.bad[0].line, 4);
    assert!(
        preview.bad[0].zh.contains("未知角色"),
        "{}",
        preview.bad[0].zh
    );
    assert!(preview.bad[0].en.contains("unknown role"));
    assert!(!preview.applicable());
    assert_eq!(preview.new.len(), 1);
    assert_eq!(preview.changed.len(), 1);
    match &preview.changed[0].action {
        Action::Changed { fields, .. } => assert_eq!(fields, &["department"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        list_users(&db, &actor, "unit-a").await.unwrap().len(),
        before
    );
    assert_eq!(department(&db, "admin").await, "办公室");

    // The same rows fixed: the preview applies, and a second apply of it is stale.
    let fixed = bad.replace("老板", "工作人员");
    let preview = super::preview(&db, &actor, "unit-a", &gbk(&fixed))
        .await
        .unwrap();
    assert!(preview.applicable());
    let now = Utc::now();
    let carried = preview.carried.clone();
    let applied = apply(&db, &actor, "unit-a", &carried, &preview.fingerprint, now)
        .await
        .unwrap();
    assert_eq!(
        applied,
        Applied {
            new: 2,
            changed: 1,
            unchanged: 0
        }
    );
    assert_eq!(department(&db, "admin").await, "综合处");
    assert_eq!(
        list_users(&db, &actor, "unit-a").await.unwrap().len(),
        before + 2
    );
    let again = apply(&db, &actor, "unit-a", &carried, &preview.fingerprint, now).await;
    assert!(matches!(again, Err(ImportError::Stale)), "{again:?}");
    let unchanged = super::preview(&db, &actor, "unit-a", &gbk(&fixed))
        .await
        .unwrap();
    assert_eq!(unchanged.unchanged.len(), 3);
    assert!(!unchanged.applicable());

    // A name only GB18030 can write.
    let rare = "login,name,post,role\nyan,刘䶮,科员,staff\n";
    let bytes = encoding_rs::GB18030.encode(rare).0.into_owned();
    let preview = super::preview(&db, &actor, "unit-a", &bytes).await.unwrap();
    apply(
        &db,
        &actor,
        "unit-a",
        &preview.carried,
        &preview.fingerprint,
        now,
    )
    .await
    .unwrap();
    let names: Vec<String> = list_users(&db, &actor, "unit-a")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert!(names.contains(&"刘䶮".to_owned()), "{names:?}");

    // Another unit's administrator sees no such unit.
    let stranger = AdminActor::unit_admin("user-x", "unit-b");
    let refused = super::preview(&db, &stranger, "unit-a", &gbk(&fixed)).await;
    assert!(matches!(refused, Err(ImportError::Api(e)) if e.status.as_u16() == 404));
}

#[tokio::test]
async fn a_gbk_address_book_is_previewed_then_applied_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&Location::Folder(dir.path().join("data"))).unwrap();
    scenario(db).await;
}

#[tokio::test]
#[ignore = "needs QIANPI_TEST_POSTGRES"]
async fn a_gbk_address_book_is_previewed_then_applied_on_postgres() {
    let server = std::env::var("QIANPI_TEST_POSTGRES").expect("QIANPI_TEST_POSTGRES");
    let (db, _) = tokio::task::spawn_blocking(move || {
        let (location, _) = create_postgres_database(&server, "qianpi_import").unwrap();
        Db::open(&location)
    })
    .await
    .unwrap()
    .unwrap();
    scenario(db).await;
}

#[test]
fn headers_row_counts_and_empty_files_are_refused_before_any_query() {
    let records = |text: &str| read::read(text.as_bytes()).unwrap().1;
    assert!(matches!(
        check(records("姓名,电话\n张三,1\n")),
        Err(ImportError::Header)
    ));
    assert!(matches!(
        check(records("login,name,post,role\n\n")),
        Err(ImportError::NoRows)
    ));
    let mut many = String::from("login,name,post,role\n");
    for i in 0..=MAX_IMPORT_ROWS {
        many.push_str(&format!("u{i},某,科员,staff\n"));
    }
    assert!(matches!(
        check(records(&many)),
        Err(ImportError::TooManyRows)
    ));
    let (rows, bad) = check(records(
        "login,name,post,role\na,\"甲,乙\",科员,staff\nb,乙\n",
    ))
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(bad[0].line, 3);
    assert!(bad[0].zh.contains("应有4列"));
    // A name holding a comma travels to the apply step intact.
    let carried = carry(&rows);
    let (again, _) = check(records(&carried)).unwrap();
    assert_eq!(again[0].1.name, "甲,乙");
}

#[tokio::test]
async fn an_xlsx_address_book_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(&Location::Folder(dir.path().join("data"))).unwrap();
    let actor = unit(&db).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        ["登录名", "姓名", "职务", "角色"],
        ["sun", "孙七", "科员", "秘书"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            sheet.write_string(r, c, *v).unwrap();
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let preview = preview(&db, &actor, "unit-a", &bytes).await.unwrap();
    assert_eq!(preview.source, SourceKind::Xlsx);
    assert_eq!(preview.new.len(), 1);
    apply(
        &db,
        &actor,
        "unit-a",
        &preview.carried,
        &preview.fingerprint,
        Utc::now(),
    )
    .await
    .unwrap();
    let users = list_users(&db, &actor, "unit-a").await.unwrap();
    assert!(users
        .iter()
        .any(|u| u.name == "孙七" && u.role == "secretary"));
}

/// A ZIP bomb dressed as a workbook — a 5 MB upload that unpacks to more than the limit — is
/// refused by name, in both languages, before anything is unpacked into memory.
#[test]
fn a_workbook_that_unpacks_past_the_limit_is_refused() {
    use std::io::Write;
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    archive
        .start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    let megabytes = read::MAX_UNPACKED_BYTES / 1024 / 1024 + 1;
    for _ in 0..megabytes {
        archive.write_all(&zeros).unwrap();
    }
    let bomb = archive.finish().unwrap().into_inner();
    assert!(bomb.len() < MAX_UPLOAD_BYTES, "{} bytes", bomb.len());
    let refused = read::read(&bomb).unwrap_err();
    assert!(matches!(refused, ImportError::Unpacked), "{refused:?}");
    assert!(refused.message(true).contains("解压后超过64MB"));
    assert!(refused.message(false).contains("more than 64 MB"));
}
