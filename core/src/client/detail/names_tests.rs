//! The detail names the people of the flow from the unit's address book on the phone: before a
//! book is fetched everyone but the viewer is an id; after, the initiator, the authors, the
//! leader a secretary signed for and the secretary are named with their posts; someone the book
//! does not list stays an id.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::super::test_support::{offline_client, ME};
use super::tests::{deliver, open_task, seeded};
use crate::protocol::people::{DirectoryPerson, PeopleDirectory};
use chrono::Utc;

fn listed(user_id: &str, name: &str, post: &str) -> DirectoryPerson {
    DirectoryPerson {
        user_id: user_id.into(),
        name: name.into(),
        post: post.into(),
        department: "办公室".into(),
        office_phone: None,
    }
}

#[test]
fn the_address_book_names_everyone_it_lists() {
    let (_dir, client, _) = offline_client();
    let (inst, def) = seeded();
    deliver(&client, &inst, &def);
    let task = open_task(&inst, ME);

    let before = client.document_detail(&task).unwrap();
    assert_eq!(before.initiator.as_ref().unwrap().display(), "zhao");

    let book = PeopleDirectory {
        version: "v1".into(),
        unit_name: "某局".into(),
        show_office_phones: false,
        people: vec![
            listed("zhao", "赵文", "办公室主任"),
            listed("liu", "刘建国", "局长"),
            // A second post of the same person: the first listing names him.
            listed("liu", "刘建国", "党组书记"),
        ],
    };
    client
        .store()
        .unwrap()
        .save_directory(&book, Utc::now())
        .unwrap();
    let after = client.document_detail(&task).unwrap();
    let initiator = after.initiator.as_ref().unwrap();
    assert_eq!(
        (initiator.display(), initiator.post.as_deref()),
        ("赵文", Some("办公室主任"))
    );
    let opinions: Vec<_> = after
        .opinion_columns
        .iter()
        .flat_map(|c| c.opinions.iter())
        .collect();
    let signed_for = opinions
        .iter()
        .find(|o| o.text == "同意，请张科长会签。")
        .unwrap();
    assert_eq!(signed_for.author.display(), "刘建国");
    assert_eq!(signed_for.author.post.as_deref(), Some("局长"));
    // The secretary who entered it is not in the book: still her id.
    assert_eq!(signed_for.entered_by.as_ref().unwrap().display(), "mi");
    assert!(after
        .flow_record
        .iter()
        .any(|step| step.actor.display() == "赵文"));
    // The viewer keeps the name the phone knows for him.
    assert!(opinions
        .iter()
        .filter(|o| o.author.user_id == ME)
        .all(|o| o.author.name.is_some()));
}
