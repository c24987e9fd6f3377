//! The administrator's address book and notices in the console, driven over HTTP as a browser
//! would: a GBK address book with a bad row is previewed with the row named and nothing stored,
//! then fixed and confirmed; a name only GB18030 can write survives; an `.xlsx` book is read; a
//! notice published from the form reaches every recipient's feed, its roster shows who has not
//! read or replied, and its `.xlsx` export opens with the rows; another unit's notice is not
//! found. Runs on SQLite, or on a fresh PostgreSQL database when `QIANPI_TEST_POSTGRES` names a
//! server.

// A test helper that fails must stop its test, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::console_support::{Browser, Console, Page, Part, UNIT};
use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, Utc};
use qianpi_domain::model::{RecipientStatus, Reply};
use qianpi_gateway::admin::people::list_users;
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::auth::AuthedDevice;
use qianpi_gateway::notices::receipts;
use qianpi_gateway::office::Role;
use qianpi_gateway::sql::args;
use qianpi_protocol::{ReceiptOutcome, ReceiptUpdate};

async fn names(console: &Console) -> Vec<String> {
    list_users(&console.db, &AdminActor::cli(), UNIT)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect()
}

async fn upload(admin: &mut Browser, name: &str, media_type: &str, bytes: &[u8]) -> Page {
    let form = admin.get("/console/addressbook").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let file = Part::File {
        name,
        media_type,
        bytes,
    };
    admin
        .post_multipart("/console/addressbook/preview", &[("file", file)])
        .await
}

async fn confirm(admin: &mut Browser, preview: &Page) -> Page {
    let rows = preview.input("rows").expect("a confirmable preview");
    let fingerprint = preview.input("fingerprint").unwrap();
    admin
        .post_form(
            "/console/addressbook/apply",
            &[("rows", &rows), ("fingerprint", &fingerprint)],
        )
        .await
}

#[tokio::test]
async fn a_gbk_address_book_with_a_bad_row_is_refused_by_line_then_imported_fixed() {
    let console = Console::start().await;
    let mut admin = console
        .logged_in("people-admin", &[Role::Administrator])
        .await;
    let before = names(&console).await;

    let text = "登录名,姓名,职务,角色,处室,办公电话\n\
                chenjing,陈静,科员,工作人员,人事处,0351-1234567\n\
                sunli,孙立,处长,领导,人事处,\n\
                zhouyu,周宇,科员,老板,人事处,\n";
    let gbk = encoding_rs::GBK.encode(text).0.into_owned();
    let preview = upload(&mut admin, "people.csv", "text/csv", &gbk).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("data-source=\"gb18030\""));
    assert_eq!(preview.text_of("count-bad").as_deref(), Some("1"));
    assert_eq!(preview.text_of("count-new").as_deref(), Some("2"));
    let bad = preview.text_of("bad-rows").unwrap();
    assert!(bad.contains('4') && bad.contains("未知角色“老板”"), "{bad}");
    assert!(preview.body.contains("data-line=\"4\""));
    assert!(!preview.body.contains("confirm-import"));
    assert_eq!(names(&console).await, before, "nothing stored");

    let fixed = encoding_rs::GBK
        .encode(&text.replace("老板", "工作人员"))
        .0
        .into_owned();
    let preview = upload(&mut admin, "people.csv", "text/csv", &fixed).await;
    assert_eq!(preview.text_of("count-bad").as_deref(), Some("0"));
    assert_eq!(preview.text_of("count-new").as_deref(), Some("3"));
    let done = confirm(&mut admin, &preview).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let result = admin.get(done.location()).await;
    assert!(result.text_of("import-result").unwrap().contains('3'));
    let after = names(&console).await;
    for name in ["陈静", "孙立", "周宇"] {
        assert!(after.contains(&name.to_owned()), "{after:?}");
    }
    // Confirming the same preview again changes nothing and shows what the rows would do now.
    let again = confirm(&mut admin, &preview).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.text_of("preview-warning").is_some());
    assert_eq!(again.text_of("count-unchanged").as_deref(), Some("3"));
    assert_eq!(names(&console).await.len(), after.len());

    // A department moved: the preview names the field that changes.
    let moved = encoding_rs::GBK
        .encode("login,name,post,role,department,office_phone\nsunli,孙立,处长,leader,办公室,\n")
        .0
        .into_owned();
    let preview = upload(&mut admin, "moved.csv", "text/csv", &moved).await;
    assert_eq!(preview.text_of("count-changed").as_deref(), Some("1"));
    assert!(preview.text_of("changed-rows").unwrap().contains("处室"));
    assert_eq!(confirm(&mut admin, &preview).await.status, 303);

    // 䶮 has no GBK code: a GB18030 file carries it into the address book intact.
    let rare = encoding_rs::GB18030
        .encode("登录名,姓名,职务,角色\nliuyan,刘䶮,科员,staff\n")
        .0
        .into_owned();
    let preview = upload(&mut admin, "rare.csv", "text/csv", &rare).await;
    assert!(preview.text_of("new-rows").unwrap().contains("刘䶮"));
    assert_eq!(confirm(&mut admin, &preview).await.status, 303);
    assert!(names(&console).await.contains(&"刘䶮".to_owned()));
    let book = admin.get("/console/addressbook").await;
    assert!(book.text_of("people").unwrap().contains("刘䶮"));
}

#[tokio::test]
async fn an_xlsx_address_book_is_imported_and_a_forged_upload_is_refused() {
    let console = Console::start().await;
    let mut admin = console
        .logged_in("xlsx-admin", &[Role::Administrator])
        .await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        [
            "login",
            "name",
            "post",
            "role",
            "department",
            "office_phone",
        ],
        ["hejun", "何军", "科员", "staff", "财务处", ""],
    ];
    for (r, row) in (0u32..).zip(rows) {
        for (c, value) in (0u16..).zip(row) {
            sheet.write_string(r, c, value).unwrap();
        }
    }
    sheet.write_number(1, 5, 3517654321.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let preview = upload(&mut admin, "people.xlsx", media_type, &bytes).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(preview.body.contains("data-source=\"xlsx\""));
    assert!(preview.text_of("new-rows").unwrap().contains("3517654321"));
    assert_eq!(confirm(&mut admin, &preview).await.status, 303);
    assert!(names(&console).await.contains(&"何军".to_owned()));

    // A form without this session's token stores nothing.
    admin.csrf = Some("forged".into());
    let forged = admin
        .post_multipart(
            "/console/addressbook/preview",
            &[(
                "file",
                Part::File {
                    name: "x.xlsx",
                    media_type,
                    bytes: &bytes,
                },
            )],
        )
        .await;
    assert_eq!(forged.status, 403);
    // Someone without the administrator role does not get the page.
    let mut clerk = console.logged_in("clerk", &[Role::Registrar]).await;
    assert_eq!(clerk.get("/console/addressbook").await.status, 403);
}

#[tokio::test]
async fn a_notice_reaches_everyone_and_its_roster_shows_who_owes_a_reply_and_exports() {
    let console = Console::start().await;
    let mut admin = console
        .logged_in("notice-admin", &[Role::Administrator])
        .await;
    let people = list_users(&console.db, &AdminActor::cli(), UNIT)
        .await
        .unwrap();
    let form = admin.get("/console/notices/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let deadline = (Utc::now() + Duration::days(2))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let published = admin
        .post_multipart(
            "/console/notices/new",
            &[
                ("title", Part::Text("关于召开年度工作会议的通知")),
                ("body", Part::Text("请于周五上午九时到三楼会议室参加会议。")),
                ("scope", Part::Text("unit")),
                ("receipt", Part::Text("1")),
                ("choices", Part::Text("参加\n不参加\n待定")),
                ("note", Part::Text("optional")),
                ("deadline", Part::Text(&deadline)),
                (
                    "attachments",
                    Part::File {
                        name: "agenda.pdf",
                        media_type: "application/pdf",
                        bytes: b"%PDF-1.4 agenda",
                    },
                ),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let path = published.location().split('?').next().unwrap().to_owned();
    let id = path.rsplit('/').next().unwrap().to_owned();

    // Every person of the unit has it in their feed, and nobody has read it yet.
    let notice = id.clone();
    let delivered = console
        .db
        .tx(move |sql| {
            Ok(sql
                .query_one(
                    "SELECT count(*) FROM changes WHERE item_key = ?1",
                    args![format!("notice:{notice}")],
                )?
                .int(0)?)
        })
        .await
        .unwrap();
    assert_eq!(usize::try_from(delivered).unwrap(), people.len());
    let roster = admin.get_following(&path).await;
    assert_eq!(roster.status, 200, "{}", roster.body);
    let everyone = people.len().to_string();
    assert_eq!(roster.text_of("count-recipients"), Some(everyone.clone()));
    assert_eq!(roster.text_of("count-unread"), Some(everyone.clone()));
    assert_eq!(roster.text_of("count-unreplied"), Some(everyone));

    // One person reads and replies from a phone.
    let replier = people.iter().find(|p| p.login != "notice-admin").unwrap();
    let device = AuthedDevice {
        device_id: "dev-test".into(),
        user_id: replier.id.clone(),
        unit_id: UNIT.into(),
    };
    let at = Utc::now();
    let update = ReceiptUpdate {
        notice_id: id.clone(),
        status: RecipientStatus {
            delivered_at: Some(at),
            read_at: Some(at),
            replied_at: Some(at),
            reply: Some(Reply {
                choice: Some("c1".into()),
                note: Some("带两人".into()),
            }),
        },
    };
    let outcome = console
        .db
        .tx(move |sql| receipts::apply(sql, &device, &update, Utc::now()))
        .await
        .unwrap();
    assert!(
        matches!(outcome, ReceiptOutcome::Accepted { .. }),
        "{outcome:?}"
    );

    let unread = admin.get(&format!("{path}?show=unread")).await;
    let listed = unread.text_of("roster").unwrap();
    assert!(!listed.contains(&replier.name), "{listed}");
    assert_eq!(
        unread.body.matches("<tr data-user=").count(),
        people.len() - 1
    );
    let list = admin.get("/console/notices").await;
    assert!(list
        .text_of("notices")
        .unwrap()
        .contains("关于召开年度工作会议的通知"));

    // The export opens as a workbook: a heading row and one row per recipient, the reply in words
    // and the time in Beijing time.
    let export = admin.get(&format!("{path}/roster.xlsx")).await;
    assert_eq!(export.status, 200);
    assert!(export
        .header("content-type")
        .unwrap()
        .contains("spreadsheetml"));
    let raw = admin_bytes(&mut admin, &format!("{path}/roster.xlsx")).await;
    let mut book = Xlsx::new(std::io::Cursor::new(raw)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height(), people.len() + 1);
    let cell = |r: usize, c: usize| range.get((r, c)).map(Data::to_string).unwrap_or_default();
    assert_eq!(cell(0, 0), "姓名");
    let row = (1..range.height())
        .find(|r| cell(*r, 0) == replier.name)
        .unwrap();
    assert_eq!(cell(row, 5), "参加");
    assert_eq!(cell(row, 6), "带两人");
    let beijing = at.with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!(cell(row, 3), beijing.format("%Y-%m-%d %H:%M").to_string());

    // Another unit's administrator finds no such notice.
    console.other_unit("unit-other").await;
    crate::console_support::seed_office(
        &console.db,
        "unit-other",
        "other-admin",
        "外单位管理员",
        "unit_admin",
        &[Role::Administrator],
    )
    .await;
    let mut stranger = console.browser();
    stranger
        .login("other-admin", crate::console_support::PASSWORD)
        .await;
    assert_eq!(stranger.get(&path).await.status, 404);
    assert_eq!(
        stranger.get(&format!("{path}/roster.xlsx")).await.status,
        404
    );
}

/// A download's bytes (the test browser keeps bodies as text).
async fn admin_bytes(admin: &mut Browser, path: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(admin.addr).await.unwrap();
    let jar: Vec<String> = admin
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nCookie: {}\r\n\r\n",
        admin.addr,
        jar.join("; ")
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    assert!(!head.contains("transfer-encoding: chunked"), "{head}");
    raw[split + 4..].to_vec()
}

#[tokio::test]
async fn a_notice_to_chosen_people_reaches_only_them_and_a_faulty_form_publishes_nothing() {
    let console = Console::start().await;
    let mut admin = console
        .logged_in("pick-admin", &[Role::Administrator])
        .await;
    let people = list_users(&console.db, &AdminActor::cli(), UNIT)
        .await
        .unwrap();
    let count = || async {
        console
            .db
            .tx(|sql| Ok(sql.query_one("SELECT count(*) FROM notices", &[])?.int(0)?))
            .await
            .unwrap()
    };

    admin.get("/console/notices/new").await;
    let untitled = admin
        .post_multipart(
            "/console/notices/new",
            &[("title", Part::Text(" ")), ("scope", Part::Text("unit"))],
        )
        .await;
    assert_eq!(untitled.status, 400);
    assert!(untitled.body.contains("请填写标题"), "{}", untitled.body);
    let past = admin
        .post_multipart(
            "/console/notices/new",
            &[
                ("title", Part::Text("过期的回执")),
                ("scope", Part::Text("unit")),
                ("receipt", Part::Text("1")),
                ("deadline", Part::Text("2020-01-01T09:00")),
            ],
        )
        .await;
    assert_eq!(past.status, 400);
    assert!(
        past.body.contains("回执截止时间须晚于现在"),
        "{}",
        past.body
    );
    let nobody = admin
        .post_multipart(
            "/console/notices/new",
            &[
                ("title", Part::Text("无人")),
                ("scope", Part::Text("people")),
            ],
        )
        .await;
    assert_eq!(nobody.status, 400);
    assert_eq!(count().await, 0, "nothing published");

    let chosen: Vec<&str> = people.iter().take(2).map(|p| p.id.as_str()).collect();
    let published = admin
        .post_multipart(
            "/console/notices/new",
            &[
                ("title", Part::Text("仅限两人的通知")),
                ("scope", Part::Text("people")),
                ("people", Part::Text(chosen[0])),
                ("people", Part::Text(chosen[1])),
            ],
        )
        .await;
    assert_eq!(published.status, 303, "{}", published.body);
    let roster = admin.get_following(published.location()).await;
    assert_eq!(roster.text_of("count-recipients").as_deref(), Some("2"));
    for id in &chosen {
        assert!(roster.body.contains(&format!("data-user=\"{id}\"")));
    }
    // No receipt asked: nobody owes a reply and there is no such filter.
    assert!(roster.text_of("count-unreplied").is_none());
}
