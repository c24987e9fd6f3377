//! 设备指纹词 — the words a phone shows after activation and the administrator sees beside the
//! device waiting for approval, so both can check over the phone (or face to face) that the
//! device being approved is the one in the person's hand and not one that stole the code.
//!
//! Derivation: `SHA-256("qianpi-device-fingerprint-v1\0" ‖ SHA-256(request key SPKI) ‖
//! SHA-256(approval key SPKI))`; its first [`WORD_COUNT`] bytes each pick one word of
//! [`WORDS`], 256 distinct common two-character Chinese words (8 bits a word, 48 bits in all:
//! an attacker who wants a device with the same words must try about 2^47 key pairs, each
//! registered with a fresh one-time code). English speakers compare the same bytes as numbers
//! ([`Fingerprint::digits`], `000`–`255` each). The SPKI hashes are what a key id carries
//! (`dk_<base64url SHA-256 of the SPKI>`), so the gateway and the phone compute the words from
//! the key ids they already hold ([`Fingerprint::from_key_ids`]).

use crate::crypto::sha256;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// How many words a fingerprint has.
pub const WORD_COUNT: usize = 6;

/// The domain separator of the fingerprint's hash.
const DOMAIN: &[u8] = b"qianpi-device-fingerprint-v1\0";

/// The words, indexed by byte value. Never reorder or replace one: phones and gateways of
/// different versions must show the same words for the same keys.
pub const WORDS: [&str; 256] = [
    // 0x00 自然
    "春风", "夏雨", "秋月", "冬雪", "白云", "青山", "绿水", "蓝天", "晴空", "朝阳", "晚霞", "星光",
    "明月", "彩虹", "清泉", "小溪", // 0x10 山水
    "大海", "江河", "湖泊", "森林", "草原", "高山", "平原", "沙滩", "岛屿", "峡谷", "瀑布", "海浪",
    "雨露", "霜花", "冰川", "田野", // 0x20 花木
    "松树", "柳树", "竹林", "梅花", "兰草", "菊花", "荷花", "桃花", "杏花", "梨花", "牡丹", "茉莉",
    "桂花", "玫瑰", "葵花", "稻谷", // 0x30 动物
    "熊猫", "老虎", "狮子", "大象", "骏马", "白鹤", "燕子", "喜鹊", "孔雀", "海豚", "鲸鱼", "金鱼",
    "蝴蝶", "蜜蜂", "松鼠", "白兔", // 0x40 果食
    "苹果", "香蕉", "橘子", "葡萄", "西瓜", "草莓", "樱桃", "柠檬", "菠萝", "石榴", "红枣", "核桃",
    "花生", "米饭", "面条", "饺子", // 0x50 文具
    "书本", "铅笔", "钢笔", "毛笔", "纸张", "砚台", "台灯", "桌子", "椅子", "窗户", "钥匙", "雨伞",
    "手表", "镜子", "茶杯", "花瓶", // 0x60 地方
    "长城", "故宫", "天坛", "公园", "广场", "车站", "码头", "机场", "港口", "桥梁", "街道", "村庄",
    "城市", "校园", "书店", "花园", // 0x70 交通器物
    "火车", "轮船", "飞机", "汽车", "单车", "马车", "帆船", "火箭", "卫星", "灯塔", "风车", "水车",
    "电话", "电脑", "相机", "地图", // 0x80 美德
    "和平", "友谊", "团结", "勤劳", "勇敢", "智慧", "诚信", "善良", "快乐", "幸福", "健康", "平安",
    "吉祥", "如意", "丰收", "希望", // 0x90 活动
    "读书", "写字", "画画", "唱歌", "跳舞", "下棋", "钓鱼", "游泳", "跑步", "登山", "散步", "种花",
    "旅行", "划船", "踢球", "滑雪", // 0xa0 文艺
    "音乐", "诗歌", "小说", "故事", "电影", "戏剧", "书法", "绘画", "雕塑", "剪纸", "京剧", "相声",
    "琵琶", "二胡", "古琴", "笛子", // 0xb0 时节
    "早晨", "中午", "傍晚", "夜晚", "今天", "明天", "昨天", "周末", "新年", "元宵", "端午", "中秋",
    "重阳", "清明", "立春", "冬至", // 0xc0 人
    "朋友", "老师", "学生", "医生", "农民", "工人", "厨师", "画家", "作家", "歌手", "司机", "邮差",
    "船长", "园丁", "邻居", "同学", // 0xd0 天气
    "雷声", "闪电", "微风", "细雨", "大雪", "薄雾", "露珠", "阳光", "月光", "晨光", "雪花", "雨点",
    "云朵", "天空", "大地", "泥土", // 0xe0 材料
    "黄金", "白银", "青铜", "钢铁", "玉石", "珍珠", "水晶", "钻石", "玛瑙", "翡翠", "琥珀", "陶瓷",
    "丝绸", "棉花", "羊毛", "木材", // 0xf0 居家
    "厨房", "客厅", "卧室", "阳台", "院子", "屋顶", "楼梯", "走廊", "地板", "墙壁", "沙发", "枕头",
    "被子", "毛巾", "牙刷", "肥皂",
];

/// A device's fingerprint: the bytes its words stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; WORD_COUNT]);

impl Fingerprint {
    /// The fingerprint of the device keys whose SPKIs hash to `request_spki_sha256` and
    /// `approval_spki_sha256`.
    pub fn from_spki_hashes(
        request_spki_sha256: &[u8; 32],
        approval_spki_sha256: &[u8; 32],
    ) -> Fingerprint {
        let mut input = Vec::with_capacity(DOMAIN.len() + 64);
        input.extend_from_slice(DOMAIN);
        input.extend_from_slice(request_spki_sha256);
        input.extend_from_slice(approval_spki_sha256);
        let digest = sha256(&input);
        let mut bytes = [0u8; WORD_COUNT];
        bytes.copy_from_slice(&digest[..WORD_COUNT]);
        Fingerprint(bytes)
    }

    /// The fingerprint of the keys with these SPKIs (DER).
    pub fn from_spkis(request_spki: &[u8], approval_spki: &[u8]) -> Fingerprint {
        Fingerprint::from_spki_hashes(&sha256(request_spki), &sha256(approval_spki))
    }

    /// The fingerprint of the keys with these key ids (`dk_…`, `ak_…`, as
    /// [`crate::crypto::key_id`] makes them); `None` for a key id that is not one.
    pub fn from_key_ids(request_key_id: &str, approval_key_id: &str) -> Option<Fingerprint> {
        let request = spki_hash(request_key_id, "dk_")?;
        let approval = spki_hash(approval_key_id, "ak_")?;
        Some(Fingerprint::from_spki_hashes(&request, &approval))
    }

    /// The Chinese words, in order.
    pub fn words(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|b| WORDS[usize::from(*b)].to_owned())
            .collect()
    }

    /// The same bytes as three-digit numbers (`042 218 …`), for those who do not read Chinese.
    pub fn digits(&self) -> String {
        self.0
            .iter()
            .map(|b| format!("{b:03}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The SPKI hash a key id carries after its prefix.
fn spki_hash(key_id: &str, prefix: &str) -> Option<[u8; 32]> {
    let encoded = key_id.strip_prefix(prefix)?;
    URL_SAFE_NO_PAD.decode(encoded).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::key_id;
    use std::collections::HashSet;

    #[test]
    fn the_list_has_256_distinct_two_character_chinese_words() {
        let distinct: HashSet<&str> = WORDS.iter().copied().collect();
        assert_eq!(distinct.len(), 256);
        for word in WORDS {
            assert_eq!(word.chars().count(), 2, "{word}");
            assert!(
                word.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{word}"
            );
        }
        // A word read backwards is never another word of the list.
        for word in WORDS {
            let reversed: String = word.chars().rev().collect();
            assert!(
                reversed == word || !distinct.contains(reversed.as_str()),
                "{word}"
            );
        }
    }

    #[test]
    fn the_words_of_fixed_keys_never_change() {
        let print = Fingerprint::from_spkis(b"request key spki", b"approval key spki");
        assert_eq!(print.words(), STABLE_WORDS);
        assert_eq!(print.digits(), STABLE_DIGITS);
    }

    /// Stability vector: the words of the SPKIs `request key spki` / `approval key spki`
    /// (the hash's first bytes 133 255 158 0 227 178, computed apart from this code).
    const STABLE_WORDS: [&str; WORD_COUNT] = ["智慧", "肥皂", "踢球", "春风", "钢铁", "傍晚"];
    const STABLE_DIGITS: &str = "133 255 158 000 227 178";

    #[test]
    fn key_ids_give_the_same_words_as_the_keys_and_each_key_matters() {
        let (request, approval) = (b"request".as_slice(), b"approval".as_slice());
        let from_ids =
            Fingerprint::from_key_ids(&key_id("dk", request), &key_id("ak", approval)).unwrap();
        assert_eq!(from_ids, Fingerprint::from_spkis(request, approval));
        assert_ne!(from_ids, Fingerprint::from_spkis(approval, request));
        assert_ne!(from_ids, Fingerprint::from_spkis(request, b"other"));
        assert_eq!(from_ids.words().len(), WORD_COUNT);
        assert!(
            Fingerprint::from_key_ids(&key_id("ak", request), &key_id("ak", approval)).is_none()
        );
        assert!(Fingerprint::from_key_ids("dk_short", &key_id("ak", approval)).is_none());
    }

    #[test]
    fn different_devices_show_different_words() {
        let prints: HashSet<Vec<String>> = (0u32..2000)
            .map(|i| Fingerprint::from_spkis(&i.to_be_bytes(), b"approval").words())
            .collect();
        assert_eq!(prints.len(), 2000);
    }
}
