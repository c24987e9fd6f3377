//! The search benchmark's data: 100,000 documents with the titles, numbers, organs and
//! recipients of a provincial agriculture department's year, two opinions on each in the words
//! people write (names, 处室, deadlines), and 2,000 notices; all from a fixed seed, so every run
//! searches the same text.

use chrono::{DateTime, Duration, Utc};
use qianpi_core::model::{Document, DocumentGenre};
use qianpi_domain::fixtures;

const ACTIONS: [&str; 10] = [
    "做好", "开展", "加强", "印发", "转发", "召开", "推进", "组织", "报送", "落实",
];
const TOPICS: [&str; 20] = [
    "春耕备耕",
    "防汛抗旱",
    "秸秆综合利用",
    "农产品质量安全",
    "高标准农田建设",
    "动物疫病防控",
    "农村人居环境整治",
    "乡村振兴",
    "粮食生产",
    "耕地保护",
    "农业保险",
    "种业振兴",
    "农机购置补贴",
    "森林防火",
    "安全生产",
    "冬季农田水利",
    "化肥农药减量增效",
    "农民专业合作社规范提升",
    "农村集体产权制度改革",
    "脱贫攻坚成果巩固",
];
const WORKS: [&str; 10] = [
    "工作",
    "专项检查",
    "督查",
    "调研",
    "培训",
    "考核",
    "试点",
    "统计",
    "验收",
    "宣传月活动",
];
const GENRES: [&str; 8] = ["通知", "报告", "请示", "函", "意见", "批复", "纪要", "通报"];
const ORGANS: [&str; 6] = ["晋农办", "晋农发", "晋政办", "农办农", "晋财农", "晋水办"];
const FROM: [&str; 8] = [
    "农业农村部办公厅",
    "山西省人民政府办公厅",
    "山西省财政厅",
    "山西省水利厅",
    "太原市农业农村局",
    "大同市人民政府",
    "山西省应急管理厅",
    "国家林业和草原局",
];
const RECIPIENTS: [&str; 4] = [
    "各市农业农村局",
    "厅机关各处室、各直属单位",
    "各县（市、区）人民政府",
    "省直有关部门",
];
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "建国", "志强", "海燕",
];
const DEPARTMENTS: [&str; 10] = [
    "办公室",
    "计划财务处",
    "种植业管理处",
    "畜牧兽医处",
    "科技教育处",
    "农田建设管理处",
    "乡村产业发展处",
    "法规处",
    "人事处",
    "农村经济体制改革处",
];

/// A fixed-seed generator (xorshift64*): the same text in every run, no dependency.
pub(crate) struct Seeded(u64);

impl Seeded {
    pub(crate) fn new(seed: u64) -> Seeded {
        Seeded(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
}

/// The day the benchmark's year ends.
pub(crate) fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("a valid time")
}

/// Someone's name: 王伟, 李秀英.
pub(crate) fn name(rng: &mut Seeded) -> String {
    format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))
}

/// Document `i` of the year: received in order over 365 days.
pub(crate) fn document(i: usize, count: usize, rng: &mut Seeded) -> (Document, DateTime<Utc>) {
    let at = t0() - Duration::minutes(((count - i) * 365 * 24 * 60 / count) as i64);
    let year = if rng.below(3) == 0 {
        format!("{}年", 2025 + rng.below(2))
    } else {
        String::new()
    };
    let title = format!(
        "关于{}{year}{}{}的{}",
        rng.pick(&ACTIONS),
        rng.pick(&TOPICS),
        rng.pick(&WORKS),
        rng.pick(&GENRES)
    );
    let mut document = fixtures::incoming(&format!("doc-{i:06}"), "sx-nyt", &title);
    document.number.organ = rng.pick(&ORGANS).to_owned();
    document.number.year = 2026;
    document.number.sequence = 1 + rng.below(400) as u32;
    document.from_organ = Some(rng.pick(&FROM).to_owned());
    document.received_at = Some(at.to_rfc3339());
    document.handling.genre = Some(DocumentGenre::Notice);
    document.head.signers = vec![name(rng)];
    document.body.main_recipients = vec![rng.pick(&RECIPIENTS).to_owned()];
    if rng.below(4) == 0 {
        document.body.note = Some(format!(
            "联系人：{}，电话：0351-{}",
            name(rng),
            4_000_000 + rng.below(999_999)
        ));
    }
    (document, at)
}

/// An opinion as people write them.
pub(crate) fn opinion(rng: &mut Seeded) -> String {
    match rng.below(6) {
        0 => format!("拟请{}同志阅示。", name(rng)),
        1 => format!(
            "同意。请{}按程序办理，{}月{}日前报送结果。",
            rng.pick(&DEPARTMENTS),
            1 + rng.below(12),
            1 + rng.below(28)
        ),
        2 => format!(
            "请{}牵头，会同{}研究提出意见。",
            rng.pick(&DEPARTMENTS),
            rng.pick(&DEPARTMENTS)
        ),
        3 => format!("已阅。{}工作要抓紧抓实，确保按期完成。", rng.pick(&TOPICS)),
        4 => format!("不同意。请{}补充资金测算后再报。", rng.pick(&DEPARTMENTS)),
        _ => format!("请{}同志阅处，{}配合。", name(rng), rng.pick(&DEPARTMENTS)),
    }
}

/// Notice `i`: a title and a paragraph.
pub(crate) fn notice(rng: &mut Seeded) -> (String, String) {
    let title = format!("关于{}{}的通知", rng.pick(&ACTIONS), rng.pick(&TOPICS));
    let body = format!(
        "请{}于{}月{}日前将{}情况报{}，联系人：{}。",
        rng.pick(&RECIPIENTS),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.pick(&TOPICS),
        rng.pick(&DEPARTMENTS),
        name(rng)
    );
    (title, body)
}
