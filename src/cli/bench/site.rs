//! `yuqing bench site`: a deterministic synthetic campus news site on
//! loopback, for crawl benchmarks (`benches/crawl/compare.py`). List pages
//! `/news/list_N.html` of [`PER_PAGE`] links each with pagination, detail
//! pages `/news/ID.html` with the markup of a typical campus CMS.
//!
//! The server is a minimal HTTP/1.1 (keep-alive) loop on one thread, so
//! that it takes at most one core from the crawlers it serves.

use anyhow::Context;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Detail links on one list page.
pub const PER_PAGE: usize = 20;

pub(crate) fn run(pages: usize, addr: SocketAddr) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(pages > 0, "--pages 至少为 1");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("无法监听 {addr}"))?;
        let site = Arc::new(Site { pages });
        let mut out = std::io::stdout();
        writeln!(out, "http://{}/news/list_1.html", listener.local_addr()?)?;
        out.flush()?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let site = site.clone();
            tokio::spawn(async move {
                if let Err(e) = serve(stream, &site).await {
                    tracing::debug!(error = %e, "bench site connection");
                }
            });
        }
    })
}

async fn serve(stream: TcpStream, site: &Site) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut reader = BufReader::new(r);
    let mut line = String::new();
    let mut response = Vec::with_capacity(16 * 1024);
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let request = line.trim_end().to_string();
        let mut close = request.ends_with("HTTP/1.0");
        loop {
            line.clear();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("connection")
            {
                close = value.trim().eq_ignore_ascii_case("close");
            }
        }
        let path = request.split(' ').nth(1).unwrap_or("/");
        let (status, ctype, body) = site.respond(path);
        response.clear();
        write!(
            response,
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        )?;
        response.extend_from_slice(body.as_bytes());
        w.write_all(&response).await?;
        if close {
            return Ok(());
        }
    }
}

/// The site's pages, generated on demand from their number.
pub struct Site {
    pub pages: usize,
}

const HTML: &str = "text/html; charset=utf-8";

impl Site {
    pub fn list_pages(&self) -> usize {
        self.pages.div_ceil(PER_PAGE)
    }

    pub fn respond(&self, path: &str) -> (&'static str, &'static str, String) {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        if path == "/robots.txt" {
            return ("200 OK", "text/plain", "User-agent: *\nAllow: /\n".into());
        }
        let Some(name) = path
            .strip_prefix("/news/")
            .and_then(|p| p.strip_suffix(".html"))
        else {
            return not_found();
        };
        if let Some(n) = name.strip_prefix("list_") {
            return match n.parse::<usize>() {
                Ok(n) if (1..=self.list_pages()).contains(&n) => ("200 OK", HTML, self.list(n)),
                _ => not_found(),
            };
        }
        match name.parse::<usize>() {
            Ok(id) if (1..=self.pages).contains(&id) => ("200 OK", HTML, self.detail(id)),
            _ => not_found(),
        }
    }

    /// List page `n`: the newest articles first.
    pub fn list(&self, n: usize) -> String {
        let last = self.list_pages();
        let mut s = String::with_capacity(8 * 1024);
        head(&mut s, "学校要闻");
        s.push_str("<div class=\"main\"><div class=\"col-title\"><h2>学校要闻</h2></div><ul class=\"news\">");
        let first = (n - 1) * PER_PAGE + 1;
        for id in first..=(first + PER_PAGE - 1).min(self.pages) {
            let a = Article::new(id);
            let _ = write!(
                s,
                "<li><a href=\"/news/{id}.html\" title=\"{t}\" target=\"_blank\">{t}</a><span class=\"date\">{d}</span></li>",
                t = a.title,
                d = &a.time[..10]
            );
        }
        s.push_str("</ul><div class=\"pages\">");
        let _ = write!(
            s,
            "<span>共{}条 第{n}/{last}页</span><a href=\"list_1.html\">首页</a>",
            self.pages
        );
        if n > 1 {
            let _ = write!(
                s,
                "<a class=\"prev\" href=\"list_{}.html\">上一页</a>",
                n - 1
            );
        }
        if n < last {
            let _ = write!(
                s,
                "<a class=\"next\" href=\"list_{}.html\">下一页</a>",
                n + 1
            );
        }
        let _ = write!(s, "<a href=\"list_{last}.html\">尾页</a></div></div>");
        foot(&mut s);
        s
    }

    pub fn detail(&self, id: usize) -> String {
        let a = Article::new(id);
        let mut s = String::with_capacity(12 * 1024);
        head(&mut s, &a.title);
        let _ = write!(
            s,
            "<div class=\"location\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/news/list_1.html\">学校要闻</a> &gt; 正文</div>\
             <div class=\"article\"><h1 class=\"title\">{}</h1><div class=\"info\"><span class=\"time\">发布时间：{}</span>\
             <span class=\"author\">作者：{}</span><span class=\"views\">浏览次数：{}</span></div><div class=\"content\">",
            a.title, a.time, a.author, a.views
        );
        for p in &a.paragraphs {
            let _ = write!(s, "<p>{p}</p>");
        }
        s.push_str("</div><div class=\"editor\">责任编辑：新闻中心</div></div><div class=\"related\"><h3>相关新闻</h3><ol>");
        for k in 1..=5 {
            let other = (id + k * 37) % self.pages + 1;
            let _ = write!(s, "<li>{}</li>", Article::title_of(other));
        }
        s.push_str("</ol></div>");
        foot(&mut s);
        s
    }
}

fn not_found() -> (&'static str, &'static str, String) {
    ("404 Not Found", "text/plain", "not found".into())
}

fn head(s: &mut String, title: &str) {
    let _ = write!(
        s,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}-新闻网-东方理工大学</title>\
         <meta name=\"keywords\" content=\"东方理工大学,新闻网,学校要闻\"><link rel=\"stylesheet\" href=\"/css/main.css\">\
         <script src=\"/js/jquery.min.js\"></script></head><body><div class=\"header\"><div class=\"logo\">\
         <img src=\"/images/logo.png\" alt=\"东方理工大学新闻网\"></div><ul class=\"menu\">"
    );
    for m in MENU {
        let _ = write!(s, "<li><a href=\"/{m}/\">{m}</a></li>");
    }
    s.push_str("</ul></div>");
}

fn foot(s: &mut String) {
    s.push_str(
        "<div class=\"footer\"><p>版权所有 © 2026 东方理工大学 党委宣传部</p><p>地址：某省某市大学路1号 邮编：100000 \
         电话：010-12345678</p><p>备案号：京ICP备00000000号</p></div></body></html>",
    );
}

const MENU: [&str; 8] = [
    "首页",
    "学校要闻",
    "综合新闻",
    "院系动态",
    "媒体关注",
    "校园文化",
    "图片新闻",
    "专题报道",
];

/// One synthetic article, the same for the same number.
pub struct Article {
    pub title: String,
    pub time: String,
    pub author: String,
    pub views: u32,
    pub paragraphs: Vec<String>,
}

/// splitmix64: a small deterministic generator seeded by the page number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

const UNITS: [&str; 20] = [
    "计算机科学与技术学院",
    "外国语学院",
    "机械工程学院",
    "经济管理学院",
    "马克思主义学院",
    "艺术设计学院",
    "化学化工学院",
    "土木工程学院",
    "生命科学学院",
    "数学与统计学院",
    "物理与电子工程学院",
    "法学院",
    "新闻传播学院",
    "体育学院",
    "教育学院",
    "图书馆",
    "校团委",
    "学生工作处",
    "教务处",
    "后勤服务集团",
];
const EVENTS: [&str; 20] = [
    "学术报告会",
    "志愿服务活动",
    "篮球联赛",
    "毕业设计答辩",
    "创新创业大赛",
    "读书分享会",
    "实验室开放日",
    "校友座谈会",
    "教学观摩课",
    "主题党日活动",
    "心理健康讲座",
    "职业规划讲座",
    "科技文化节",
    "春季运动会",
    "新生入学教育",
    "国际学术研讨会",
    "支教总结会",
    "安全教育讲座",
    "合唱比赛",
    "社团招新",
];
const PLACES: [&str; 12] = [
    "图书馆报告厅",
    "东区体育场",
    "大学生活动中心",
    "第一教学楼",
    "学术交流中心",
    "行政楼会议室",
    "综合实验楼",
    "学生公寓",
    "南区食堂",
    "体育馆",
    "音乐厅",
    "国际会议中心",
];
const SURNAMES: [&str; 12] = [
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "杰", "婷", "涛",
];
const ROLES: [&str; 6] = ["教授", "副教授", "老师", "书记", "院长", "研究员"];
const TOPICS: [&str; 15] = [
    "人才培养",
    "科学研究",
    "社会服务",
    "文化传承创新",
    "立德树人",
    "课程思政",
    "学科建设",
    "创新创业教育",
    "劳动教育",
    "心理健康教育",
    "校园安全",
    "国际交流合作",
    "乡村振兴",
    "数字化转型",
    "就业指导",
];
const VERBS: [&str; 6] = [
    "进一步提高政治站位",
    "切实加强组织领导",
    "不断完善工作机制",
    "持续推进改革创新",
    "认真抓好贯彻落实",
    "努力营造良好氛围",
];
const MOODS: [&str; 5] = [
    "现场气氛热烈",
    "大家纷纷表示收获颇丰",
    "活动取得了圆满成功",
    "得到了师生的广泛好评",
    "交流讨论十分深入",
];
const AIMS: [&str; 6] = [
    "丰富校园文化生活",
    "提升学生综合素质",
    "搭建学术交流平台",
    "增强师生安全意识",
    "推动学科交叉融合",
    "促进理论与实践相结合",
];
const RESULTS: [&str; 5] = [
    "获批国家级科研项目",
    "获得省级以上教学成果奖",
    "发表高水平学术论文",
    "获得发明专利授权",
    "建设校企合作实践基地",
];
const QUOTES: [&str; 5] = [
    "这次活动让我受益匪浅，今后我会更加努力学习。",
    "能够参与其中，我感到非常自豪。",
    "希望学校多举办这样的活动。",
    "通过交流，我对自己的专业有了更深的认识。",
    "老师们的分享让我对未来的方向更加清晰。",
];
const COMPLAINTS: [&str; 4] = [
    "学生反映{place}饭菜变质多人腹泻",
    "学生公寓停水三天无人处理引发不满",
    "网传{unit}教师学术不端 学校回应正在调查",
    "多名学生投诉{unit}违规收费",
];
const ANGRY: [&str; 5] = [
    "多名学生在校园论坛发帖，称事情已经持续多日，相关部门至今没有答复，同学们非常气愤。",
    "有学生表示，食用后出现腹泻、呕吐等症状，已有同学到校医院就诊，要求学校给个说法。",
    "相关帖子引发大量转发和评论，不少网友质疑学校管理混乱，呼吁尽快公开调查结果。",
    "学生家长也在网上表达担忧，希望学校切实保障学生的合法权益。",
    "记者从学校了解到，学校已成立工作组开展调查，将依法依规严肃处理。",
];

impl Article {
    pub fn title_of(id: usize) -> String {
        Article::new(id).title
    }

    pub fn new(id: usize) -> Article {
        let mut r = Rng(id as u64 ^ 0x5EED_0000);
        let unit = r.pick(&UNITS);
        let event = r.pick(&EVENTS);
        let place = r.pick(&PLACES);
        // About one article in seventeen is a complaint that should alert.
        let risky = id % 17 == 5;
        let title = if risky {
            r.pick(&COMPLAINTS)
                .replace("{place}", place)
                .replace("{unit}", unit)
        } else {
            match r.next() % 5 {
                0 => format!("{unit}举办{event}"),
                1 => format!("{unit}{event}顺利举行"),
                2 => format!("我校{unit}召开{event}"),
                3 => format!("{unit}师生参加{event}"),
                _ => format!("{event}在{place}举行"),
            }
        };
        let (month, day) = (r.range(1, 12), r.range(1, 28));
        let time = format!(
            "2026-{month:02}-{day:02} {:02}:{:02}",
            r.range(8, 21),
            r.range(0, 59)
        );
        let person = |r: &mut Rng| format!("{}{}", r.pick(&SURNAMES), r.pick(&GIVEN));
        let author = person(&mut r);
        let mut paragraphs = Vec::new();
        let n = r.range(4, 8);
        for i in 0..n {
            let mut p = String::new();
            if i == 0 {
                let ampm = if r.next().is_multiple_of(2) {
                    "上午"
                } else {
                    "下午"
                };
                let _ = write!(p, "{month}月{day}日{ampm}，{unit}{event}在{place}举行。");
            }
            for _ in 0..r.range(2, 4) {
                if risky && r.next().is_multiple_of(2) {
                    p.push_str(r.pick(&ANGRY));
                    continue;
                }
                match r.next() % 7 {
                    0 => {
                        let _ = write!(
                            p,
                            "{}{}出席活动并致辞，{}{}余名师生参加。",
                            person(&mut r),
                            r.pick(&ROLES),
                            r.pick(&UNITS),
                            r.range(30, 500)
                        );
                    }
                    1 => {
                        let _ = write!(
                            p,
                            "{}{}指出，{}是学校高质量发展的重要内容，要{}。",
                            person(&mut r),
                            r.pick(&ROLES),
                            r.pick(&TOPICS),
                            r.pick(&VERBS)
                        );
                    }
                    2 => {
                        let _ = write!(
                            p,
                            "活动中，{}名同学围绕{}进行了交流发言，{}。",
                            r.range(3, 40),
                            r.pick(&TOPICS),
                            r.pick(&MOODS)
                        );
                    }
                    3 => {
                        let _ = write!(
                            p,
                            "本次活动由{}主办，{}协办，旨在{}。",
                            r.pick(&UNITS),
                            r.pick(&UNITS),
                            r.pick(&AIMS)
                        );
                    }
                    4 => {
                        let _ = write!(
                            p,
                            "据悉，{}近年来{}，累计{}项。",
                            r.pick(&UNITS),
                            r.pick(&RESULTS),
                            r.range(5, 120)
                        );
                    }
                    5 => {
                        let _ = write!(p, "{}同学表示：“{}”", person(&mut r), r.pick(&QUOTES));
                    }
                    _ => {
                        let _ = write!(
                            p,
                            "与会人员一致认为，要以{}为抓手，{}，推动{}工作再上新台阶。",
                            r.pick(&TOPICS),
                            r.pick(&VERBS),
                            r.pick(&TOPICS)
                        );
                    }
                }
            }
            paragraphs.push(p);
        }
        Article {
            title,
            time,
            author,
            views: r.range(50, 5000) as u32,
            paragraphs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_deterministic_and_linked() {
        let site = Site { pages: 45 };
        assert_eq!(site.list_pages(), 3);
        assert_eq!(site.detail(7), site.detail(7));
        let (status, _, list) = site.respond("/news/list_1.html");
        assert_eq!(status, "200 OK");
        assert_eq!(list.matches("<li><a href=\"/news/").count(), PER_PAGE);
        assert!(list.contains("class=\"next\" href=\"list_2.html\""));
        let (_, _, last) = site.respond("/news/list_3.html");
        assert_eq!(last.matches("<li><a href=\"/news/").count(), 5);
        assert!(!last.contains("class=\"next\""));
        assert_eq!(site.respond("/news/46.html").0, "404 Not Found");
        let a = Article::new(5);
        assert!(a.paragraphs.len() >= 4);
        assert_ne!(Article::new(1).paragraphs, Article::new(2).paragraphs);
    }
}
