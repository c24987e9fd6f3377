//! Benchmark: the people search (issue 15, item 5) on a unit of 5,000 — what one
//! `Client::search_people` call costs beyond the store read: decoding the stored directory,
//! indexing it (every reading of every name) and searching it, for a name, full pinyin,
//! initials and a given name; p50 and p99 over 200 calls each.
//!
//! Reference, measured in the same run: decoding the same directory's JSON alone (the part a
//! cache of the index could not save).
//!
//! Run: `cargo run -p qianpi-core --example people_bench` (add `--release` for release figures;
//! each line says which build it was).

// A benchmark program: a broken invariant must stop it loudly rather than print a figure.
#![allow(clippy::expect_used, clippy::panic)]

use qianpi_core::protocol::people::{DirectoryPerson, PeopleDirectory};
use qianpi_core::screens::people::PeopleIndex;
use std::time::Instant;

const PEOPLE: usize = 5_000;
const RUNS: usize = 200;

fn directory() -> PeopleDirectory {
    let surnames: Vec<char> = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗单曾解"
        .chars()
        .collect();
    let given: Vec<char> = "建国华明丽军平伟芳娜秀英敏静强磊洋艳勇杰娟涛超"
        .chars()
        .collect();
    let people = (0..PEOPLE)
        .map(|i| {
            let name: String = [
                surnames[i % surnames.len()],
                given[(i / surnames.len()) % given.len()],
                given[(i * 7 + 3) % given.len()],
            ]
            .iter()
            .collect();
            DirectoryPerson {
                user_id: format!("user-{i}"),
                // The one the queries look for.
                name: if i == 0 { "王建国".into() } else { name },
                post: "科员".into(),
                department: format!("第{}处", i % 40),
                office_phone: Some(format!("0351-{:07}", i)),
            }
        })
        .collect();
    PeopleDirectory {
        version: "v".into(),
        unit_name: "某单位".into(),
        show_office_phones: true,
        people,
    }
}

fn percentiles(mut micros: Vec<u128>) -> (u128, u128) {
    micros.sort_unstable();
    (micros[micros.len() / 2], micros[micros.len() * 99 / 100])
}

fn main() {
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let json = serde_json::to_string(&directory()).expect("the directory encodes");
    let time = |work: &dyn Fn() -> usize| {
        let runs: Vec<u128> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                assert!(work() > 0, "nothing found");
                start.elapsed().as_micros()
            })
            .collect();
        percentiles(runs)
    };
    let decode = || -> PeopleDirectory { serde_json::from_str(&json).expect("decodes") };
    let (p50, p99) = time(&|| decode().people.len());
    println!(
        "{{\"bench\":\"people_decode_reference\",\"build\":\"{build}\",\"people\":{PEOPLE},\"p50_us\":{p50},\"p99_us\":{p99}}}"
    );
    for query in ["王建国", "wangjianguo", "wjg", "jianguo"] {
        let (p50, p99) = time(&|| PeopleIndex::new(&decode()).search(query, 50).len());
        println!(
            "{{\"bench\":\"people_search\",\"build\":\"{build}\",\"people\":{PEOPLE},\"query\":\"{query}\",\"p50_us\":{p50},\"p99_us\":{p99}}}"
        );
    }
}
