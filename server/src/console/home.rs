//! The console's home page: who the person is, their roles, and where their roles take them.

use super::nav;
use super::prelude::*;

/// `GET /console/`.
pub(super) async fn show(office: Office) -> Result<Html<String>, ConsoleError> {
    let entries = nav::entries(&office.account);
    Ok(page(
        &office,
        office.t("home.title"),
        html! {
            p { (office.t("home.welcome")) }
            section.card {
                h2 { (office.t("home.your_roles")) }
                ul id="roles" {
                    @for role in &office.account.roles {
                        li data-role=(role.as_str()) { (office.t(&format!("role.{}", role.as_str()))) }
                    }
                }
            }
            section.card {
                h2 { (office.t("home.where")) }
                ul.links {
                    @for (path, key) in entries.iter().skip(1) {
                        li { a href=(path) { (office.t(key)) } }
                    }
                }
            }
        },
    ))
}
