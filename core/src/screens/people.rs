//! 通讯录 — the contacts screen and the person pickers (转办, 加签, 传阅, 委托): the unit's address
//! book as this phone last fetched it, searched offline by name, full pinyin and pinyin initials
//! (王建国 is found by `王`, `建国`, `wang`, `wangjianguo`, `wjg`, `wangjg`), and grouped by
//! department for a picker, which leaves out the user himself where picking oneself makes no sense.
//!
//! Readings come from the `pinyin` crate with every reading of a character, so a polyphonic
//! surname matches by its surname reading too (单 as `shan`, 曾 as `zeng`). Only the sort order
//! needs to know which reading a surname takes; the few common polyphonic surnames are named here
//! for that.

use crate::protocol::people::{DirectoryPerson, PeopleDirectory};
use pinyin::ToPinyinMulti;
use std::borrow::Cow;
use std::cmp::Ordering;

/// Longest name whose readings are matched (longer ones are matched by their characters only),
/// so a pathological entry cannot make a search slow.
const MAX_NAME_CHARS: usize = 12;
/// How a department without a name is shown in a picker.
pub const NO_DEPARTMENT: &str = "未分处室";

/// One person of the address book as a screen shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// User id (what a transfer, added signer or delegation names).
    pub user_id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// 处室 (empty when none is recorded).
    pub department: String,
    /// 办公电话, when the unit shows them.
    pub office_phone: Option<String>,
    /// Full pinyin of the name (surname reading first), for display and sorting.
    pub pinyin: String,
}

/// A department with its people, for a picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentGroup {
    /// The department's name ([`NO_DEPARTMENT`] for people without one).
    pub name: String,
    /// Its people, in pinyin order.
    pub people: Vec<Contact>,
}

/// How well a contact matches a query; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    ExactName,
    NamePrefix,
    PinyinFromSurname,
    NameContains,
    PinyinFromGivenName,
    PostOrDepartment,
}

/// The address book, indexed for search.
#[derive(Debug, Clone, Default)]
pub struct PeopleIndex {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    contact: Contact,
    /// The lowercase readings of each character of the name that has any (the crate's own
    /// static strings, but for 'ü' spelled 'v' and letters or digits of the name).
    readings: Vec<Vec<Cow<'static, str>>>,
}

impl PeopleIndex {
    /// Indexes a fetched directory.
    pub fn new(directory: &PeopleDirectory) -> PeopleIndex {
        let mut entries: Vec<Entry> = directory.people.iter().map(entry).collect();
        entries.sort_by(|a, b| by_pinyin(&a.contact, &b.contact));
        PeopleIndex { entries }
    }

    /// How many people the address book holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the address book is empty (or was never fetched).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Everyone matching `query`, best first, at most `limit`; an empty query lists everyone in
    /// pinyin order. Letters match pinyin (full, initials, or both mixed, from the surname or
    /// from the given name), Chinese matches the name, and either matches the post or department.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Contact> {
        let text: String = query
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\'')
            .flat_map(char::to_lowercase)
            .collect();
        if text.is_empty() {
            return self
                .entries
                .iter()
                .take(limit)
                .map(|e| e.contact.clone())
                .collect();
        }
        let mut hits: Vec<(Rank, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| rank(e, &text).map(|r| (r, i)))
            .collect();
        // Entries are already in pinyin order, so equal ranks keep it.
        hits.sort();
        hits.into_iter()
            .take(limit)
            .filter_map(|(_, i)| self.entries.get(i).map(|e| e.contact.clone()))
            .collect()
    }

    /// The picker: departments (in pinyin order, people without one last) with their people,
    /// leaving out `exclude` (the user himself, where a picker must).
    pub fn picker(&self, exclude: Option<&str>) -> Vec<DepartmentGroup> {
        let mut groups: Vec<DepartmentGroup> = Vec::new();
        for e in &self.entries {
            if exclude == Some(e.contact.user_id.as_str()) {
                continue;
            }
            let name = if e.contact.department.is_empty() {
                NO_DEPARTMENT
            } else {
                e.contact.department.as_str()
            };
            match groups.iter_mut().find(|g| g.name == name) {
                Some(group) => group.people.push(e.contact.clone()),
                None => groups.push(DepartmentGroup {
                    name: name.to_owned(),
                    people: vec![e.contact.clone()],
                }),
            }
        }
        groups.sort_by_cached_key(|g| (g.name == NO_DEPARTMENT, sort_key(&g.name)));
        groups
    }
}

fn entry(person: &DirectoryPerson) -> Entry {
    let mut readings = Vec::new();
    let mut pinyin = String::new();
    for (i, c) in person.name.chars().enumerate() {
        let Some(options) = readings_of(c) else {
            continue;
        };
        match (i == 0).then(|| surname_reading(c)).flatten() {
            Some(surname) => pinyin.push_str(surname),
            None => pinyin.push_str(options.first().map_or("", |r| r.as_ref())),
        }
        readings.push(options);
    }
    Entry {
        contact: Contact {
            user_id: person.user_id.clone(),
            name: person.name.clone(),
            post: person.post.clone(),
            department: person.department.clone(),
            office_phone: person.office_phone.clone(),
            pinyin,
        },
        readings,
    }
}

/// A character's lowercase readings: every pinyin reading of a Han character, a letter or digit
/// itself, nothing for punctuation (the dot of 少数民族 names).
fn readings_of(c: char) -> Option<Vec<Cow<'static, str>>> {
    if let Some(multi) = c.to_pinyin_multi() {
        let mut all: Vec<Cow<'static, str>> = Vec::with_capacity(multi.count());
        for reading in multi {
            let plain = reading.plain();
            let plain = if plain.contains('ü') {
                Cow::Owned(plain.replace('ü', "v"))
            } else {
                Cow::Borrowed(plain)
            };
            if !all.contains(&plain) {
                all.push(plain);
            }
        }
        return Some(all);
    }
    c.is_alphanumeric()
        .then(|| vec![Cow::Owned(c.to_lowercase().collect::<String>())])
}

/// The reading a polyphonic character takes as a surname, where it differs from its usual one.
fn surname_reading(c: char) -> Option<&'static str> {
    Some(match c {
        '单' => "shan",
        '曾' => "zeng",
        '解' => "xie",
        '仇' => "qiu",
        '朴' => "piao",
        '区' => "ou",
        '查' => "zha",
        '盖' => "ge",
        '乐' => "yue",
        '缪' => "miao",
        '召' => "shao",
        '翟' => "zhai",
        '员' => "yun",
        '繁' => "po",
        '尉' => "yu",
        _ => return None,
    })
}

/// A department's name in full pinyin, first reading of each character, for sorting.
fn sort_key(name: &str) -> String {
    let mut key = String::new();
    for c in name.chars() {
        if let Some(first) = readings_of(c).and_then(|r| r.into_iter().next()) {
            key.push_str(&first);
        }
    }
    key
}

fn by_pinyin(a: &Contact, b: &Contact) -> Ordering {
    a.pinyin
        .cmp(&b.pinyin)
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.department.cmp(&b.department))
        .then_with(|| a.user_id.cmp(&b.user_id))
}

fn rank(entry: &Entry, query: &str) -> Option<Rank> {
    let name = entry.contact.name.to_lowercase();
    if name == query {
        return Some(Rank::ExactName);
    }
    if name.starts_with(query) {
        return Some(Rank::NamePrefix);
    }
    let ascii = query.is_ascii();
    let readings = &entry.readings;
    let matchable = ascii && readings.len() <= MAX_NAME_CHARS;
    if matchable && matches_from(readings, 0, query.as_bytes()) {
        return Some(Rank::PinyinFromSurname);
    }
    if name.contains(query) {
        return Some(Rank::NameContains);
    }
    if matchable && (1..readings.len()).any(|start| matches_from(readings, start, query.as_bytes()))
    {
        return Some(Rank::PinyinFromGivenName);
    }
    let post = entry.contact.post.to_lowercase();
    let department = entry.contact.department.to_lowercase();
    (post.contains(query) || department.contains(query)).then_some(Rank::PostOrDepartment)
}

/// Whether `query` spells the name from character `at` on: each character taken by a full
/// reading or by its initial (`zh`, `ch`, `sh` count as one), the last one possibly cut short.
fn matches_from(readings: &[Vec<Cow<'static, str>>], at: usize, query: &[u8]) -> bool {
    let Some((first, _)) = query.split_first() else {
        return true;
    };
    let Some(options) = readings.get(at) else {
        return false;
    };
    options.iter().any(|reading| {
        let reading = reading.as_bytes();
        if reading.starts_with(query) {
            return true;
        }
        if query.starts_with(reading) && matches_from(readings, at + 1, &query[reading.len()..]) {
            return true;
        }
        let double = reading.len() > 2 && matches!(&reading[..2], b"zh" | b"ch" | b"sh");
        if double && query.starts_with(&reading[..2]) && matches_from(readings, at + 1, &query[2..])
        {
            return true;
        }
        reading.first() == Some(first) && matches_from(readings, at + 1, &query[1..])
    })
}

#[cfg(test)]
mod tests;
