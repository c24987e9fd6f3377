//! Names for everyone a detail mentions. The detail is built knowing only the signed-in person's
//! name; the unit's address book (通讯录, kept on the phone for the pickers) names everyone it
//! lists — the initiator, each opinion's author, principal and secretary, each step's actor and
//! the people it went to. Someone the book does not list (or no book yet) keeps their id.

use super::{DocumentDetail, Person};
use crate::protocol::people::PeopleDirectory;
use std::collections::HashMap;

impl DocumentDetail {
    /// Fills in the names and posts `directory` knows.
    pub fn name_people(&mut self, directory: &PeopleDirectory) {
        // A person holding two posts is listed twice; the first listing names them.
        let mut known: HashMap<&str, (&str, &str)> = HashMap::new();
        for p in &directory.people {
            known
                .entry(p.user_id.as_str())
                .or_insert((p.name.as_str(), p.post.as_str()));
        }
        let name = |person: &mut Person| {
            if person.name.is_some() {
                return;
            }
            if let Some((name, post)) = known.get(person.user_id.as_str()) {
                person.name = Some((*name).to_owned());
                person.post = Some((*post).to_owned());
            }
        };
        let mut name = name;
        self.initiator.iter_mut().for_each(&mut name);
        for opinion in self
            .opinion_columns
            .iter_mut()
            .flat_map(|c| c.opinions.iter_mut())
        {
            name(&mut opinion.author);
            opinion.on_behalf_of.iter_mut().for_each(&mut name);
            opinion.entered_by.iter_mut().for_each(&mut name);
        }
        for step in &mut self.flow_record {
            name(&mut step.actor);
            step.entered_by.iter_mut().for_each(&mut name);
            step.on_behalf_of.iter_mut().for_each(&mut name);
            step.to.iter_mut().for_each(&mut name);
        }
    }
}
