//! Synthetic rule sets and posts for benchmarks and scale tests
//! (`benches/rules.rs`, `examples/rules_memory.rs`). Deterministic: the same
//! seed gives the same rules, so timings are comparable across runs.

use std::path::PathBuf;

/// Realistic campus posts; the corpus is built from these plus planted rule words.
const SENTENCES: &[&str] = &[
    "二食堂吃完午饭后宿舍四个人都开始腹泻，怀疑食物中毒，学校到现在也没有回应。",
    "今天下午学校组织宿舍火灾逃生演练，全体同学有序撤离，消防员现场讲解灭火器使用方法。",
    "学校开展防诈骗宣传活动，提醒新生注意冒充客服和刷单的骗局，保护好个人信息。",
    "40度的天宿舍没有空调，热死了，晚上根本睡不着，后勤说明年才装。",
    "导师让我们天天干私活还克扣劳务费，不听话就卡毕业，真的不知道找谁。",
    "期末周压力太大了，每天焦虑到失眠，感觉自己快撑不住了。",
    "我校召开2026届毕业生就业工作推进会，校领导出席并讲话，要求压实责任。",
    "图书馆延长开放时间至晚上十一点，欢迎同学们前来自习。",
    "学生会举办迎新晚会，节目精彩纷呈，现场气氛热烈。",
    "教材费交了六百多，结果一学期没发书，也不退，问辅导员也说不清楚。",
    "市场监管局对学校食堂开展检查，未发现过期食材，检查合格。",
    "校园马拉松报名开始啦，本次比赛设置全程、半程和迷你跑三个项目。",
    "有网友反映某学院招生宣传与实际不符，学校回应称正在核实情况。",
    "宿舍又停电了，考试周这样谁受得了，希望学校尽快解决。",
    "研究生院发布关于开展学术诚信教育的通知，请各学院认真组织学习。",
    "心理健康教育宣传周开幕，学校邀请专家为同学们开展讲座。",
];

/// Characters rule words start with: common ones, so the automaton walks
/// deep into its states on real text, as it does with real rules.
const COMMON: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Word `i` of the synthetic vocabulary: 2–4 characters, the first a common
/// one, the others from the CJK block; distinct words for distinct `i`.
pub fn word(i: usize) -> String {
    let common: Vec<char> = COMMON.chars().collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (i as u64).wrapping_mul(0x1000_0000_01b3));
    let mut w = String::new();
    w.push(common[i % common.len()]);
    // Encode i in the remaining characters so words are distinct.
    let mut rest = i / common.len();
    let len = 1 + rng.below(3);
    for k in 0..len {
        // Spread small digits over the block: the first code points (一丁七万…)
        // are among the most frequent characters.
        let digit = if k == 0 {
            (rest % 20_000 * 7_919 + 4_801) % 20_000
        } else {
            rng.below(20_000)
        };
        rest /= 20_000;
        w.push(char::from_u32(0x4E00 + digit as u32).expect("CJK"));
    }
    w
}

/// The words rule `r` uses (six of them).
pub fn rule_words(r: usize) -> [String; 6] {
    std::array::from_fn(|k| word(r * 6 + k))
}

/// `n` rules in files of up to 500 rules, mixing AND, OR, NEAR and NOT, some
/// with exclusions and field scopes, plus a global exclusion file.
pub fn rule_files(n: usize) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut src = String::new();
    let mut file_no = 0;
    for r in 0..n {
        if r % 500 == 0 {
            if !src.is_empty() {
                files.push((PathBuf::from(format!("rules/syn{file_no:03}.toml")), src));
                file_no += 1;
            }
            src = format!("prefix = \"syn{file_no}\"\ncategory = \"合成\"\n");
        }
        let [a, b, c, d, e, f] = rule_words(r);
        let query = match r % 6 {
            0 => format!("{a} {b}"),
            1 => format!("({a} | {b}) {c} -{d}"),
            2 => format!("{a} NEAR/10 ({b} | {c})"),
            3 => format!("(({a} | {b} | {c}) NEAR/5 ({d} | {e})) -{f}"),
            4 => format!("\"{a}{b}\" | ({c} {d} 学生)"),
            _ => format!("title:({a} | {b}) text:{c} | {d} {e}"),
        };
        let severity = ["low", "medium", "high", "critical"][r % 4];
        src.push_str(&format!(
            "\n[[rule]]\nid = \"r{r}\"\nseverity = \"{severity}\"\nweight = {}.5\nquery = '{query}'\n",
            r % 3
        ));
        if r % 7 == 0 {
            src.push_str(&format!("exclude = '{f} | 演练'\n"));
        }
    }
    if !src.is_empty() {
        files.push((PathBuf::from(format!("rules/syn{file_no:03}.toml")), src));
    }
    files.push((
        PathBuf::from("rules/_exclusions.toml"),
        "[global]\nexclude_phrases = [\"防诈骗宣传\", \"消防演练\", \"火灾逃生演练\"]\n"
            .to_string(),
    ));
    files
}

/// A corpus of `short` posts (one to three sentences) and `long` articles
/// (about 60 sentences, 3–4 KB), with words of the rules
/// `0, step, 2·step, …` below `max_rule` planted into one sentence in
/// `one_in` (at random) so that some rules fire.
pub fn corpus(
    short: usize,
    long: usize,
    max_rule: usize,
    step: usize,
    one_in: usize,
) -> Vec<String> {
    let mut rng = Rng(42);
    let mut planted = (0..max_rule).step_by(step.max(1)).cycle();
    let mut sentence = |rng: &mut Rng| -> String {
        let mut s = SENTENCES[rng.below(SENTENCES.len())].to_string();
        if rng.below(one_in.max(1)) == 0
            && let Some(r) = planted.next()
        {
            let w = rule_words(r);
            s.push_str(&w[0]);
            s.push('，');
            s.push_str(&w[2]);
            s.push_str(&w[3]);
            s.push_str("学生");
        }
        s
    };
    let mut out = Vec::with_capacity(short + long);
    for _ in 0..short {
        let k = 1 + rng.below(3);
        out.push((0..k).map(|_| sentence(&mut rng)).collect());
    }
    for _ in 0..long {
        out.push((0..60).map(|_| sentence(&mut rng)).collect());
    }
    out
}

/// One sentence in this many gets planted rule words in [`bench_corpus`]:
/// about the density at which the shipped rules hit the real posts and
/// articles of `benches/corpus/` (docs/performance.md § Rules).
pub const REALISTIC_ONE_IN: usize = 7;

/// The planting of [`bench_corpus_dense`]: one sentence in three, far more
/// rule words than real posts carry.
pub const DENSE_ONE_IN: usize = 3;

/// The corpus of `benches/rules.rs` and `examples/rules_memory.rs`: 300
/// short posts and 10 long articles, with words of every 97th rule up to
/// 10,000 planted at a realistic density ([`REALISTIC_ONE_IN`]).
pub fn bench_corpus() -> Vec<String> {
    corpus(300, 10, 10_000, 97, REALISTIC_ONE_IN)
}

/// The same texts with rule words planted into a third of all sentences: a
/// stress test of the cost per hit.
pub fn bench_corpus_dense() -> Vec<String> {
    corpus(300, 10, 10_000, 97, DENSE_ONE_IN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::rules::{Document, RuleSet};

    #[test]
    fn synthetic_words_are_distinct() {
        let words: std::collections::HashSet<String> = (0..60_000).map(word).collect();
        assert_eq!(words.len(), 60_000);
    }

    #[test]
    fn synthetic_rules_compile_and_fire() {
        let rules = RuleSet::from_sources(&rule_files(1200)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rules.len(), 1200);
        let corpus = corpus(50, 2, 1200, 7, DENSE_ONE_IN);
        let hits: usize = corpus
            .iter()
            .map(|t| {
                rules
                    .matches(&Document {
                        text: t,
                        ..Document::default()
                    })
                    .len()
            })
            .sum();
        assert!(hits > 10, "{hits}");
    }
}
