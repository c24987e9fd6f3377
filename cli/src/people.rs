//! The terminal's 通讯录: `qianpi people [query]` refreshes the unit's address book when the
//! gateway is reachable (keeping the copy on the phone when it is not), then lists the people
//! matching the query by name, full pinyin or initials; `--picker` shows the departments with
//! their people as the transfer and delegate pickers do, without the user himself. Each person's
//! line ends with the user id the verbs' `--to` takes.

use crate::phone::open;
use qianpi_core::client::ClientError;
use qianpi_core::link::LinkError;
use qianpi_core::screens::people::Contact;
use std::path::Path;

/// How many matches `qianpi people` lists.
const LIST_LIMIT: usize = 50;

pub async fn people(
    data_dir: &Path,
    query: Option<String>,
    picker: bool,
    offline: bool,
) -> Result<(), String> {
    let client = open(data_dir)?;
    if !offline {
        match client.sync_people().await {
            Ok(sync) if sync.changed => eprintln!("通讯录已更新：{} 人", sync.people),
            Ok(_) => {}
            Err(ClientError::Link(LinkError::Unreachable(_))) => {
                eprintln!("(offline — searching the address book on this phone)")
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    if picker {
        for group in client.people_picker(true).map_err(|e| e.to_string())? {
            println!("{}", group.name);
            for person in &group.people {
                println!("  {}", line(person));
            }
        }
        return Ok(());
    }
    let found = client
        .search_people(query.as_deref().unwrap_or(""), LIST_LIMIT)
        .map_err(|e| e.to_string())?;
    if found.is_empty() {
        println!("(nobody found)");
    }
    for person in &found {
        println!("{}", line(person));
    }
    Ok(())
}

fn line(person: &Contact) -> String {
    let mut text = format!("{}  {}", person.name, person.post);
    if !person.department.is_empty() {
        text.push_str(" · ");
        text.push_str(&person.department);
    }
    if let Some(phone) = &person.office_phone {
        text.push_str("  ☎ ");
        text.push_str(phone);
    }
    // The id `act … --to` and `delegate-standing --to` take.
    text.push_str("  ");
    text.push_str(&person.user_id);
    text
}
