//! The people search and picker on a small unit: name, full pinyin, initials, mixed spellings,
//! polyphonic surnames, ranking, and the picker's grouping and self-exclusion.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{PeopleIndex, NO_DEPARTMENT};
use crate::protocol::people::{DirectoryPerson, PeopleDirectory};

fn person(id: &str, name: &str, post: &str, department: &str) -> DirectoryPerson {
    DirectoryPerson {
        user_id: id.into(),
        name: name.into(),
        post: post.into(),
        department: department.into(),
        office_phone: None,
    }
}

fn unit() -> PeopleIndex {
    PeopleIndex::new(&PeopleDirectory {
        version: "v1".into(),
        unit_name: "山西省农业厅办公室".into(),
        show_office_phones: false,
        people: vec![
            person("u-wang", "王建国", "厅长", "厅领导"),
            person("u-li", "李小梅", "秘书", "办公室"),
            person("u-zhao", "赵文", "主任", "办公室"),
            person("u-shan", "单国强", "科员", "农业处"),
            person("u-zeng", "曾建华", "处长", "农业处"),
            person("u-jian", "简国栋", "科员", ""),
            person("u-wangwei", "汪伟", "科员", "农业处"),
        ],
    })
}

fn ids(index: &PeopleIndex, query: &str) -> Vec<String> {
    index
        .search(query, 50)
        .into_iter()
        .map(|c| c.user_id)
        .collect()
}

#[test]
fn a_name_is_found_by_characters_full_pinyin_and_initials() {
    let index = unit();
    for query in [
        "王建国",
        "王",
        "建国",
        "wang",
        "wangjianguo",
        "wjg",
        "wangjg",
        "WJG",
        "wang jian guo",
    ] {
        assert!(
            ids(&index, query).contains(&"u-wang".to_owned()),
            "王建国 not found by {query:?}: {:?}",
            ids(&index, query)
        );
    }
    assert!(!ids(&index, "wjh").contains(&"u-wang".to_owned()));
    assert!(!ids(&index, "李").contains(&"u-wang".to_owned()));
}

#[test]
fn polyphonic_surnames_are_found_by_their_surname_reading() {
    let index = unit();
    assert_eq!(ids(&index, "shanguoqiang"), ["u-shan"]);
    assert_eq!(ids(&index, "sgq"), ["u-shan"]);
    assert_eq!(ids(&index, "zengjianhua"), ["u-zeng"]);
    assert_eq!(ids(&index, "zjh"), ["u-zeng"]);
    // Sorted by the surname reading: 单 (shan) between 李 (li) and 汪 (wang), 曾 (zeng) before 赵.
    let everyone = ids(&index, "");
    let at = |id: &str| everyone.iter().position(|x| x == id).unwrap();
    assert!(at("u-li") < at("u-shan") && at("u-shan") < at("u-wangwei"));
    assert!(at("u-wang") < at("u-zeng") && at("u-zeng") < at("u-zhao"));
    assert_eq!(index.search("单国强", 5)[0].pinyin, "shanguoqiang");
}

#[test]
fn matches_from_the_surname_rank_before_matches_in_the_given_name() {
    let index = unit();
    // 简国栋 starts with jian; 王建国 and 曾建华 have jian as their given name.
    let jian = ids(&index, "jian");
    assert_eq!(jian.first().map(String::as_str), Some("u-jian"), "{jian:?}");
    assert!(jian.contains(&"u-wang".to_owned()) && jian.contains(&"u-zeng".to_owned()));
    // Both 王 and 汪 read wang: the exact name comes first for the characters.
    assert_eq!(ids(&index, "wang"), ["u-wang", "u-wangwei"]);
    assert_eq!(ids(&index, "汪伟"), ["u-wangwei"]);
    // The post and department are searched last.
    assert_eq!(ids(&index, "办公室"), ["u-li", "u-zhao"]);
    assert_eq!(ids(&index, "处长"), ["u-zeng"]);
    assert!(ids(&index, "nobody").is_empty());
    assert_eq!(index.search("", 3).len(), 3);
}

#[test]
fn the_picker_groups_by_department_and_leaves_out_the_user() {
    let index = unit();
    let groups = index.picker(Some("u-wang"));
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    // 办公室 (bangongshi), 农业处 (nongyechu), then those without one; 厅领导 held only the user.
    assert_eq!(names, ["办公室", "农业处", NO_DEPARTMENT]);
    assert_eq!(groups[0].people[0].name, "李小梅");
    let everyone: Vec<&str> = groups
        .iter()
        .flat_map(|g| g.people.iter().map(|p| p.user_id.as_str()))
        .collect();
    assert_eq!(everyone.len(), 6);
    assert!(!everyone.contains(&"u-wang"));
    let all = index.picker(None);
    let names: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["办公室", "农业处", "厅领导", NO_DEPARTMENT]);
    assert_eq!(all.iter().map(|g| g.people.len()).sum::<usize>(), 7);
}
