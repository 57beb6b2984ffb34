#!/usr/bin/env python3
"""Writes tests/fixtures/extract/NAME.html + NAME.truth.json.

Every page is hand-written here (fictional colleges, original text), modelled
on the layouts of real Chinese sites: campus CMS news, government-style
notices, forums, blogs, portals, WeChat articles. The body paragraphs are
defined once and used both in the page and in the truth, so they cannot drift.
GBK pages are encoded with Python's codec, as a legacy CMS would serve them.

Run from the repository root: python3 benches/extract/make_fixtures.py
"""
import json
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "extract")
NOW = "2024-03-20T10:00:00+08:00"


def ps(paras, indent="　　"):
    return "\n".join(f"<p>{indent}{p}</p>" for p in paras)


def write(name, html, title, paras, published_at, author, encoding="utf-8", now=NOW):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".html"), "w", encoding=encoding, newline="\n") as f:
        f.write(html)
    truth = {
        "title": title,
        "text": "\n".join(paras),
        "published_at": published_at,
        "author": author,
        "encoding": "gbk" if encoding in ("gbk", "gb2312") else encoding,
        "now": now,
    }
    with open(os.path.join(OUT, name + ".truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=2)
        f.write("\n")


NAV_SCHOOL = """<ul class="menu">
<li><a href="/">首页</a></li><li><a href="/xxgk/">学校概况</a></li><li><a href="/jgsz/">机构设置</a></li>
<li><a href="/jxky/">教学科研</a></li><li><a href="/zsjy/">招生就业</a></li><li><a href="/xyfc/">校园风采</a></li>
<li><a href="/xxgk2/">信息公开</a></li><li><a href="/english/">English</a></li></ul>"""

FOOTER_SCHOOL = """<div class="footer"><p>版权所有 © 2024 {school} 地址：{addr} 邮编：{zip}</p>
<p>电话：0571-86880000 备案号：浙ICP备05001234号-1 技术支持：某某网络科技有限公司</p></div>"""

# ---------------------------------------------------------------- 1 campus news (VSB-like CMS)
def campus_news_vsb():
    title = "学校召开2024年春季学期工作会议 部署全年重点任务"
    paras = [
        "3月18日下午，学校在行政楼第一会议室召开2024年春季学期工作会议。校领导、各学院和职能部门主要负责人参加会议，会议由副校长周建国主持。",
        "党委书记陈立群在讲话中指出，新学期各项工作要紧扣立德树人根本任务，坚持稳中求进，把教学质量、学科建设和安全稳定作为重中之重，确保开学各项工作平稳有序。",
        "校长王海涛从人才培养、科学研究、社会服务、校园建设四个方面部署了本学期重点工作。他强调，要加快推进新工科专业建设，深化产教融合，推动科研成果转化落地；要持续改善师生学习生活条件，年内完成东区学生公寓和第二食堂的改造工程。",
        "会上，教务处、学生工作处、后勤管理处、保卫处负责人分别汇报了开学准备情况。教务处介绍，本学期共开设课程1862门次，所有教材均已按时到位；后勤管理处表示，寒假期间已完成全部宿舍楼的消防设施检查和热水系统维修。",
        "会议要求，各单位要压实工作责任，细化任务清单，做到有部署、有落实、有检查，以优异成绩迎接学校建校七十周年。",
    ]
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}-东湖理工学院新闻网</title>
<meta name="keywords" content="东湖理工学院,新闻网,综合新闻">
<link rel="stylesheet" href="/style/news.css">
<script type="text/javascript" src="/system/resource/js/counter.js"></script>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
</head><body>
<div class="top"><div class="logo"><a href="/"><img src="/images/logo.png" alt="东湖理工学院新闻网"></a></div>
<div class="search"><form action="/search.jsp"><input name="q" placeholder="请输入关键词"><button>搜索</button></form></div></div>
<div class="nav">{NAV_SCHOOL}</div>
<div class="main">
<div class="dqwz">当前位置：<a href="/">首页</a> &gt; <a href="/zhxw.htm">综合新闻</a> &gt; 正文</div>
<div class="left-col">
<h2 class="col-title">综合新闻</h2>
<ul class="sub-list"><li><a href="/zhxw.htm">综合新闻</a></li><li><a href="/jxky.htm">教学科研</a></li><li><a href="/xyhd.htm">校园活动</a></li><li><a href="/mtjj.htm">媒体聚焦</a></li></ul>
</div>
<div class="right-col">
<form name="_newscontent_fromname">
<div class="article">
<h1 class="arti_title">{title}</h1>
<div class="arti_metas"><span>发布时间：2024-03-18 16:42</span>&nbsp;&nbsp;<span>来源：党委宣传部</span>&nbsp;&nbsp;<span>作者：李明</span>&nbsp;&nbsp;<span>摄影：张晓燕</span>&nbsp;&nbsp;<span>浏览次数：<script>_showDynClicks("wbnews", 1738291810, 10231)</script></span></div>
<div id="vsb_content"><div class="v_news_content">
<p style="text-align:center"><img src="/__local/A/2B/4C/meeting.jpg" width="600"></p>
{ps(paras)}
</div></div>
<div class="editor">责任编辑：刘倩 审核：孙伟</div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ空间</a></div>
<ul class="prev-next"><li>上一篇：<a href="/info/1021/10230.htm">我校举行2024年春季学期学生干部培训会</a></li>
<li>下一篇：<a href="/info/1021/10232.htm">图书馆开展“书香校园”读书月系列活动</a></li></ul>
</div></form>
</div></div>
{FOOTER_SCHOOL.format(school="东湖理工学院", addr="杭州市东湖路88号", zip="310000")}
</body></html>"""
    write("campus_news_vsb", html, title, paras, "2024-03-18T16:42:00+08:00", "李明")


# ---------------------------------------------------------------- 2 old table layout, GBK declaring gb2312
def table_layout_gb2312():
    title = "我校学子在第十届全省大学生机械创新设计大赛中获佳绩"
    paras = [
        "近日，第十届全省大学生机械创新设计大赛决赛在滨江工程大学落下帷幕。我校机电工程学院选派的6支参赛队伍经过激烈角逐，共获得一等奖2项、二等奖3项、三等奖1项，获奖数量和等级均创历史新高。",
        "本届大赛以“智慧农业机械”为主题，共有来自全省42所高校的326件作品进入决赛。我校学生设计的“丘陵地区小型茶园采摘机器人”和“可折叠式秸秆打捆装置”两件作品，凭借结构新颖、实用性强等特点受到评审专家的一致好评。",
        "为备战比赛，机电工程学院组建了由12名骨干教师组成的指导团队，利用寒假时间带领学生开展样机制作和反复调试。指导教师何振华说：“同学们在实验室里一待就是一整天，很多零件都是自己动手加工的。”",
        "近年来，学院坚持以赛促学、以赛促教，将学科竞赛纳入创新创业学分认定体系，学生的工程实践能力和创新意识明显增强。",
    ]
    side = "".join(f'<tr><td height="24">·<a href="/news/{i}.html">{t}</a></td></tr>' for i, t in enumerate([
        "学院召开新学期教学工作会议", "机电工程学院举办考研经验交流会", "我院教师获批省自然科学基金项目",
        "学院开展实验室安全专项检查", "2024届毕业生就业双选会顺利举行", "学院党委召开党史学习教育总结会"]))
    html = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_机电工程学院</title>
<style type="text/css">.titlestyle {{font-size:18px;font-weight:bold}} .timestyle {{color:#999}}</style>
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="120" background="images/top.jpg"><img src="images/logo.gif"></td></tr>
<tr><td class="daohang" height="36"><a href="/">学院首页</a> | <a href="/xygk/">学院概况</a> | <a href="/szdw/">师资队伍</a> | <a href="/jxgl/">教学管理</a> | <a href="/kxyj/">科学研究</a> | <a href="/xsgz/">学生工作</a> | <a href="/djgz/">党建工作</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr>
<td width="230" valign="top">
<table width="100%"><tr><td class="lanmu">学院新闻</td></tr>{side}</table>
<table width="100%"><tr><td class="lanmu">快速通道</td></tr><tr><td><a href="http://jwc.example.edu.cn">教务系统</a><br><a href="/mail">邮件系统</a><br><a href="/lib">图书馆</a></td></tr></table>
</td>
<td width="770" valign="top">
<table width="96%" align="center">
<tr><td height="30">您现在的位置：<a href="/">首页</a> &gt;&gt; <a href="/xyxw/">学院新闻</a></td></tr>
<tr><td align="center" class="titlestyle" height="50">{title}</td></tr>
<tr><td align="center"><span class="timestyle">2024年03月15日 09:30</span>&nbsp;&nbsp;作者：王芳&nbsp;&nbsp;点击：[<script src="/count.asp?id=2388"></script>]</td></tr>
<tr><td class="contentstyle" style="line-height:200%">
{ps(paras)}
</td></tr>
<tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
</table>
</td></tr></table>
<table width="1000" align="center"><tr><td align="center" class="bottom">Copyright 2024 南屏科技学院机电工程学院 All Rights Reserved<br>地址：南屏市学府路1号 电话：0592-6660000</td></tr></table>
</body>
</html>"""
    write("table_layout_gb2312", html, title, paras, "2024-03-15T09:30:00+08:00", "王芳", encoding="gbk")


# ---------------------------------------------------------------- 3 government-style notice with 索引号 table
def gov_notice():
    title = "关于做好2024年上半年校园安全隐患排查整治工作的通知"
    paras = [
        "各学院、各部门：",
        "为切实加强校园安全管理，及时消除各类安全隐患，保障师生生命财产安全，根据上级主管部门有关文件精神，经学校研究，决定在全校范围内开展2024年上半年校园安全隐患排查整治工作。现将有关事项通知如下：",
        "一、排查时间",
        "2024年3月15日至4月30日。",
        "二、排查范围和重点",
        "（一）实验室、危险化学品仓库、配电房等重点部位的安全管理情况；（二）学生宿舍、食堂、图书馆、体育场馆等人员密集场所的消防设施和疏散通道；（三）在建工程施工现场的安全防护措施；（四）校园周边交通秩序和食品经营场所卫生状况。",
        "三、工作要求",
        "各单位要高度重视，主要负责人亲自部署，明确专人负责，对排查出的问题建立台账，能立即整改的立即整改，不能立即整改的要制定整改方案，落实责任人和整改时限。各单位须于4月30日前将《安全隐患排查整治情况汇总表》报送保卫处。",
        "联系人：黄老师，联系电话：0571-86881234。",
        "附件：1．安全隐患排查整治情况汇总表",
        "保卫处",
        "2024年3月12日",
    ]
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="SiteName" content="东湖理工学院信息公开网">
<meta name="ColumnName" content="通知公告">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="2024-03-12 15:20">
<meta name="ContentSource" content="保卫处">
<title>{title}</title>
</head><body>
<div class="header"><div class="wrap"><img src="/images/xxgk_logo.png" alt="信息公开"><span class="date-now" id="today"></span></div></div>
<div class="navbar"><a href="/">首页</a><a href="/xxgkzn/">信息公开指南</a><a href="/xxgkml/">信息公开目录</a><a href="/ysqgk/">依申请公开</a><a href="/xxgknb/">信息公开年报</a></div>
<div class="container">
<div class="position">您当前的位置：<a href="/">首页</a> > <a href="/tzgg/">通知公告</a></div>
<table class="xxgk-table" border="1" cellspacing="0">
<tr><th>索引号：</th><td>11330000-2024-00123</td><th>发布机构：</th><td>保卫处</td></tr>
<tr><th>生成日期：</th><td>2024-03-12</td><th>主题分类：</th><td>安全稳定</td></tr>
<tr><th>文号：</th><td>东理保〔2024〕5号</td><th>有效性：</th><td>有效</td></tr>
</table>
<div class="article-box">
<h1 class="article-title">{title}</h1>
<div class="article-info">发布日期：2024-03-12&nbsp;&nbsp;&nbsp;来源：保卫处&nbsp;&nbsp;&nbsp;【字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>
<div class="TRS_Editor" id="zoom">
<p>{paras[0]}</p>
{ps(paras[1:9])}
<p>　　{paras[9]}</p>
<p style="text-align:right">{paras[10]}</p>
<p style="text-align:right">{paras[11]}</p>
</div>
<div class="attachment"><p>附件下载：</p><ul><li><a href="/uploads/2024/03/hzb.docx">安全隐患排查整治情况汇总表.docx</a>（下载次数：87）</li></ul></div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a></div>
</div></div>
<div class="footer"><p>主办：东湖理工学院党政办公室 网站标识码：3300000012 浙公网安备 33010602000123号</p></div>
</body></html>"""
    write("gov_notice", html, title, paras, "2024-03-12T15:20:00+08:00", "保卫处")


# ---------------------------------------------------------------- 4 Tieba-like forum thread
def forum_tieba():
    title = "求助：东湖理工的转专业考试难吗？"
    first = [
        "本人今年大一，在机电学院，对本专业实在提不起兴趣，想转到计算机科学与技术。",
        "听说转专业要考高数和C语言，还要面试，有没有学长学姐知道具体考什么？往年录取比例大概多少？",
        "另外转过去之后要不要补修大一的课，会不会影响正常毕业？先谢谢各位了！",
    ]
    replies = [
        ("龙井配西湖", "去年转的路过。笔试就是高数上册加C语言基础，难度比期末考试略高一点，面试主要问你为什么想转、有没有自学过编程。", "2024-03-18 22:05", "2楼"),
        ("不想早八的阿杰", "计算机是转入最难的，去年报了九十多人只收了二十个，绩点一定要高，建议先把这学期的课学好。", "2024-03-18 22:31", "3楼"),
        ("东理小透明", "补修是肯定要补的，不过可以跟着下一届一起上，一般不影响毕业，就是大二会比较累。", "2024-03-19 08:12", "4楼"),
        ("吧务-阿福", "转专业相关问题请看置顶帖，教务处每年三月会发正式通知，以通知为准。", "2024-03-19 09:40", "5楼"),
        ("楼主的室友", "顶一下，我也想知道。", "2024-03-19 12:03", "6楼"),
    ]

    def post(author, paras, when, floor, cls="l_post j_l_post l_post_bright"):
        body = "<br>".join(paras)
        return f"""<div class="{cls}" data-field='{{"author":{{"user_name":"{author}"}}}}'>
<div class="d_author"><ul class="p_author"><li class="icon"><img src="/avatar.jpg"></li>
<li class="d_name"><a class="p_author_name j_user_card" href="/home/main?un=x">{author}</a></li>
<li class="l_badge"><div class="d_badge_title">见习学者</div><div class="d_badge_lv">5</div></li></ul></div>
<div class="d_post_content_main"><div class="p_content"><cc><div class="d_post_content j_d_post_content">{body}</div></cc></div>
<div class="core_reply j_lzl_wrapper"><div class="post-tail-wrap"><span class="tail-info">来自Android客户端</span><span class="tail-info">{floor}</span><span class="tail-info">{when}</span></div>
<div class="core_reply_tail"><a class="lzl_link_unfold">回复</a></div></div></div>
</div>"""

    posts = post("迷茫的大一狗", first, "2024-03-18 21:37", "1楼") + "\n".join(post(a, [t], w, f) for a, t, w, f in replies)
    html = f"""<!DOCTYPE html><html><head><meta charset="UTF-8">
<title>{title}_东湖理工学院吧_百度贴吧</title>
<meta name="description" content="本人今年大一，在机电学院，对本专业实在提不起兴趣，想转到计算机科学与技术...">
<meta furl="tieba.example.com/f?kw=东湖理工学院" fname="东湖理工学院">
</head><body>
<div id="com_userbar" class="userbar"><ul><li><a href="#">登录</a></li><li><a href="#">注册</a></li></ul></div>
<div class="search_main_wrap"><div class="search_top">贴吧搜索</div></div>
<div class="card_top_wrap"><div class="card_title"><a class="card_title_fname" href="#">东湖理工学院吧</a><span class="card_num">关注：31,266 贴子：1,208,773</span></div></div>
<div class="nav_wrap"><ul class="nav_list"><li><a href="#">看贴</a></li><li><a href="#">图片</a></li><li><a href="#">精品</a></li><li><a href="#">视频</a></li></ul></div>
<div class="left_section">
<div class="core_title_wrap_bright"><h3 class="core_title_txt pull-left text-overflow" title="{title}">{title}</h3>
<ul class="core_title_btns"><li><a>只看楼主</a></li><li><a>收藏</a></li><li><a>回复</a></li></ul></div>
<div class="p_thread thread_theme_5"><div class="l_thread_info"><ul class="l_posts_num"><li class="l_reply_num"><span class="red">5</span>回复贴，共<span class="red">1</span>页</li></ul></div></div>
<div class="p_postlist" id="j_p_postlist">
{posts}
</div>
<div class="pb_footer"><div class="p_thread">回复贴，共1页</div></div>
</div>
<div class="right_section"><div class="region_bright"><h4>东湖理工学院吧 热议榜</h4><ul><li><a href="#">食堂新出的麻辣香锅怎么样</a></li><li><a href="#">图书馆座位又被占了</a></li><li><a href="#">今年的樱花开了吗</a></li></ul></div></div>
<div class="footer">©2024 Example 使用百度前必读 贴吧协议及隐私政策</div>
</body></html>"""
    write("forum_tieba", html, title, first, "2024-03-18T21:37:00+08:00", "迷茫的大一狗")


# ---------------------------------------------------------------- 5 Discuz-like forum, GBK without any charset declaration
def forum_discuz_gbk():
    title = "二食堂新窗口的牛肉面分量越来越少了"
    first = [
        "开学第一周去吃还挺满意，一碗12块，牛肉片有七八片。今天中午再去，同样的价格只剩三片，面汤也淡了不少。",
        "拍了照片对比了一下，不知道是不是换了承包商。有没有同学跟我一样的感受？应该向哪个部门反映比较好？",
    ]
    replies = [
        ("面条爱好者", "同感，昨天的也只有三片，还没以前的一半厚。", "2 小时前"),
        ("后勤小助手", "同学你好，已将情况转给饮食服务中心，可以拨打食堂监督电话86880777反映，也可以在“东理后勤”公众号留言。", "1 小时前"),
        ("路过的研究生", "建议直接在窗口要求称重，价格表上写了每份牛肉的克数。", "半小时前"),
        ("匿名用户", "学校的伙食监督委员会每个月都会开会，可以找班里的伙委成员。", "5 分钟前"),
    ]

    def post(pid, author, paras, when, first_post=False):
        body = "<br />\r\n".join(paras)
        return f"""<div id="post_{pid}"><table id="pid{pid}" class="plhin" cellspacing="0" cellpadding="0"><tr>
<td class="pls" rowspan="2"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid=1{pid}" class="xw1">{author}</a></div></div>
<div class="tns xg2"><table><tr><th><p>32</p>主题</th><th><p>415</p>帖子</th><th><p>1022</p>积分</th></tr></table></div></td>
<td class="plc"><div class="pi"><strong><a href="#" id="postnum{pid}">{'楼主' if first_post else '沙发'}</a></strong>
<div class="pti"><div class="authi"><img class="authicn" src="static/image/common/online_member.gif" />
<em id="authorposton{pid}">发表于 <span title="x">{when}</span></em><span class="pipe">|</span><a href="#">只看该作者</a></div></div></div>
<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr><td class="t_f" id="postmessage_{pid}">
{body}</td></tr></table></div></div></div>
<div class="po hin"><div class="pob cl"><em><a class="fastre" href="#">回复</a></em><p><a href="#">举报</a></p></div></div></td></tr></table></div>"""

    posts = post(9001, "吃货小分队", first, "3 小时前", True) + "\n".join(
        post(9002 + i, a, [t], w) for i, (a, t, w) in enumerate(replies))
    html = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>{title} - 吃在东理 -  东理社区 -  Powered by Discuz!</title>
<meta name="keywords" content="{title}" />
<meta name="generator" content="Discuz! X3.4" />
<script type="text/javascript">var STYLEID = '1', STATICURL = 'static/', IMGDIR = 'static/image/common', VERHASH = 'T2n';</script>
</head><body id="nv_forum" class="pg_viewthread">
<div id="toptb" class="cl"><div class="wp"><div class="z"><a href="#">设为首页</a><a href="#">收藏本站</a></div><div class="y"><a href="member.php?mod=register">立即注册</a> <a href="member.php?mod=logging">登录</a></div></div></div>
<div id="hd"><div class="wp"><div class="hdc cl"><h2><a href="./" title="东理社区"><img src="static/image/common/logo.png" alt="东理社区" /></a></h2></div>
<div id="nv"><ul><li><a href="forum.php">论坛</a></li><li><a href="group.php">群组</a></li><li><a href="home.php">家园</a></li></ul></div></div></div>
<div id="wp" class="wp">
<div id="pt" class="bm cl"><div class="z"><a href="./">东理社区</a> <em>&rsaquo;</em> <a href="forum.php">校园生活</a> <em>&rsaquo;</em> <a href="#">吃在东理</a> <em>&rsaquo;</em> 帖子</div></div>
<div id="ct" class="wp cl"><div id="postlist" class="pl bm">
<table cellspacing="0" cellpadding="0"><tr><td class="pls ptn pbn"><div class="hm ptn"><span class="xg1">查看:</span> <span class="xi1">1532</span><span class="pipe">|</span><span class="xg1">回复:</span> <span class="xi1">4</span></div></td>
<td class="plc ptm pbn vwthd"><h1 class="ts"><span id="thread_subject">{title}</span></h1></td></tr></table>
{posts}
</div></div></div>
<div id="ft" class="wp cl"><div id="flk" class="y"><p><a href="#">Archiver</a><span class="pipe">|</span><a href="#">手机版</a><span class="pipe">|</span><strong><a href="#">东理社区</a></strong></p></div>
<div id="frt"><p>Powered by <strong>Discuz!</strong> <em>X3.4</em></p><p class="xs0">GMT+8, 2024-3-20 10:00 , Processed in 0.061 second(s), 27 queries .</p></div></div>
</body></html>"""
    write("forum_discuz_gbk", html, title, first, "2024-03-20T07:00:00+08:00", "吃货小分队", encoding="gbk")


# ---------------------------------------------------------------- 6 campus BBS with relative times
def bbs_relative():
    title = "【失物招领】昨晚在三号教学楼捡到一个黑色双肩包"
    first = [
        "昨晚九点多在三号教学楼302教室最后一排捡到一个黑色双肩包，里面有一台笔记本电脑、两本线性代数教材和一个水杯，没有证件。",
        "现已交到三号楼一楼值班室，失主请带上能证明身份的材料去认领，描述一下电脑的型号和外观就行。",
        "顺便提醒大家自习离开的时候记得带好贵重物品，最近教学楼丢东西的情况有点多。",
    ]
    replies = [("夜猫子学长", "好人一生平安！帮顶。", "2小时前"), ("三号楼常驻", "我们班有个同学昨晚就在302，已经转告他了。", "52分钟前"), ("热心网友", "楼主好人，已转发到年级群。", "刚刚")]
    items = "\n".join(
        f'<div class="post-item reply"><div class="post-head"><a class="user-name" href="#">{a}</a><span class="post-time">发表于 {w}</span><span class="floor">#{i + 2}</span></div><div class="post-body"><p>{t}</p></div><div class="post-ops"><a>回复</a> <a>点赞</a></div></div>'
        for i, (a, t, w) in enumerate(replies))
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title} - 失物招领 - 南屏BBS</title>
<link rel="canonical" href="/thread/88231"></head><body>
<header class="site-header"><a class="brand" href="/">南屏BBS</a><nav><a href="/board/lost">失物招领</a><a href="/board/trade">二手交易</a><a href="/board/study">学习交流</a><a href="/board/job">实习就业</a></nav></header>
<main class="thread-page">
<div class="thread-title"><h1>{title}</h1><div class="thread-stat">浏览 823 · 回复 3</div></div>
<div class="post-list">
<div class="post-item first"><div class="post-head"><a class="user-name" href="#">图书馆三楼靠窗</a><span class="post-time">发表于 昨天 22:16</span><span class="floor">楼主</span></div>
<div class="post-body">{"".join(f"<p>{p}</p>" for p in first)}</div><div class="post-ops"><a>回复</a> <a>点赞(12)</a> <a>举报</a></div></div>
{items}
</div>
<div class="reply-box"><textarea placeholder="说点什么……"></textarea><button>发表回复</button></div>
</main>
<aside class="board-side"><h3>版块公告</h3><p>请勿发布与失物招领无关的内容，违者删帖。</p><h3>热门帖子</h3><ul><li><a href="#">捡到校园卡一张，姓名王某某</a></li><li><a href="#">丢失AirPods一只，重谢</a></li></ul></aside>
<footer>南屏BBS · 校园网络服务中心 维护</footer>
</body></html>"""
    write("bbs_relative", html, title, first, "2024-03-19T22:16:00+08:00", "图书馆三楼靠窗")


# ---------------------------------------------------------------- 7 personal blog (WordPress-like)
def blog():
    title = "在乡村小学支教的二十天"
    paras = [
        "寒假报名参加了学院的支教项目，和另外五名同学一起去了山区的一所村小。学校只有四个年级、三十七个孩子，大部分是留守儿童，跟着爷爷奶奶生活。",
        "我负责三年级的语文和全校的美术课。第一天上课，孩子们都很拘谨，问问题没有人举手。后来我把课文改成小话剧，让他们分角色表演，课堂一下子就热闹起来了。",
        "最让我难忘的是一个叫小雨的女孩。她每天走四十多分钟山路来上学，作文里写她的愿望是“以后当一名医生，给奶奶治腰疼”。离开那天，她塞给我一张画，画的是我们一起在操场上放风筝。",
        "二十天很短，我们能教给孩子们的知识也很有限。但我希望，他们能记住山外面有人在关心他们，也记住读书可以带他们去更远的地方。",
    ]
    recent = "".join(f'<li><a href="/p/{i}">{t}</a> <span class="post-date">{d}</span></li>' for i, (t, d) in enumerate([
        ("期末复习周的时间管理", "2024年1月8日"), ("第一次参加学术会议", "2023年11月20日"), ("读《乡土中国》的一点感想", "2023年10月3日")]))
    comments = "".join(f'<li class="comment"><div class="comment-author vcard"><cite class="fn">{a}</cite></div><div class="comment-meta"><a href="#">{d}</a></div><p>{t}</p></li>' for a, d, t in [
        ("阿青", "2024年3月11日 上午9:12", "看哭了，小雨一定会实现梦想的。"),
        ("支教队队长", "2024年3月11日 下午2:40", "辛苦了！暑假我们还会再去，欢迎继续报名。"),
        ("路人甲", "2024年3月12日 晚上8:03", "请问这个项目是学院统一组织的吗？怎么报名？")])
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="UTF-8">
<title>{title} | 林小溪的博客</title>
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-03-10T20:15:33+08:00">
<meta name="author" content="林小溪">
<link rel='stylesheet' id='twentytwenty-style-css' href='/wp-content/themes/twentytwenty/style.css' media='all' />
</head>
<body class="post-template-default single single-post">
<header id="site-header" class="header-footer-group"><div class="header-titles"><div class="site-title"><a href="/">林小溪的博客</a></div><div class="site-description">记录一点点成长</div></div>
<nav class="primary-menu-wrapper"><ul class="primary-menu"><li><a href="/">首页</a></li><li><a href="/category/life">生活</a></li><li><a href="/category/study">学习</a></li><li><a href="/about">关于我</a></li></ul></nav></header>
<main id="site-content" role="main">
<article class="post-181 post type-post status-publish format-standard hentry category-life" id="post-181">
<header class="entry-header"><div class="entry-categories"><a href="/category/life" rel="category tag">生活</a></div>
<h1 class="entry-title">{title}</h1>
<div class="post-meta-wrapper"><ul class="post-meta"><li class="post-author">作者：<a href="/author/lxx">林小溪</a></li><li class="post-date"><a href="/p/181">2024年3月10日</a></li><li class="post-comment-link"><a href="#comments">3条评论</a></li></ul></div></header>
<div class="post-inner"><div class="entry-content">
{ps(paras, indent="")}
</div></div>
<div class="post-meta-wrapper post-meta-single-bottom"><ul class="post-meta"><li class="post-tags">标签：<a href="/tag/zhijiao" rel="tag">支教</a><a href="/tag/life" rel="tag">大学生活</a></li></ul></div>
<nav class="pagination-single"><a class="previous-post" href="/p/175"><span class="title">← 期末复习周的时间管理</span></a></nav>
<div class="comments-wrapper" id="comments"><h2 class="comment-reply-title">3条评论</h2><ol class="comment-list">{comments}</ol>
<div id="respond" class="comment-respond"><h3>发表回复</h3><form><p>您的电子邮箱地址不会被公开。</p><textarea></textarea></form></div></div>
</article></main>
<aside class="widget-area"><section class="widget widget_recent_entries"><h2 class="widget-title">近期文章</h2><ul>{recent}</ul></section>
<section class="widget widget_archive"><h2 class="widget-title">文章归档</h2><ul><li><a href="#">2024年3月</a></li><li><a href="#">2024年1月</a></li><li><a href="#">2023年11月</a></li></ul></section>
<section class="widget widget_text"><h2 class="widget-title">关于我</h2><div class="textwidget"><p>师范学院中文系大三学生，喜欢读书、写字和旅行。</p></div></section></aside>
<footer id="site-footer"><p>© 2024 林小溪的博客 · 由 WordPress 强力驱动</p></footer>
</body></html>"""
    write("blog", html, title, paras, "2024-03-10T20:15:33+08:00", "林小溪")


# ---------------------------------------------------------------- 8 news portal article (heavy noise)
def news_portal():
    title = "多所高校推出“春假” 鼓励学生走出校园亲近自然"
    paras = [
        "记者近日从多所高校了解到，今年春季学期，已有十余所高校在清明节前后增设5至7天不等的“春假”，鼓励学生利用假期走出校园、开展社会实践或外出踏青。",
        "南屏师范学院教务处负责人介绍，学校将春假安排在4月1日至7日，相应缩短了暑假时间，全年总教学周数保持不变。“设立春假不是简单地多放几天假，而是希望学生把课堂学习和社会观察结合起来。”",
        "记者注意到，不少学校为春假设计了“作业”。东湖理工学院推出了“春日寻访”计划，学生可以自主组队，围绕乡村振兴、非遗保护等主题开展调研，返校后提交调研报告可获得实践学分。",
        "也有家长表示担忧。一位学生家长说，假期变多了，孩子的安全问题和出行费用都需要考虑。对此，多所学校表示，将在假前开展安全教育，并为有需要的学生提供交通补贴。",
        "教育专家认为，春假制度为学生提供了更多自主安排时间的空间，但学校需要做好教学计划的统筹安排，避免出现“假期一放、进度一赶”的情况。",
    ]
    related = "".join(f'<li><a href="/edu/2024-03-{d:02d}/doc-{d}.shtml">{t}</a><span class="time">2024-03-{d:02d} {h}</span></li>' for d, t, h in [
        (19, "教育部：做好2024届高校毕业生就业工作", "08:30"), (17, "多地高校食堂推出“小份菜” 倡导节约", "19:02"),
        (16, "大学生心理健康教育进课堂", "10:45"), (12, "高校图书馆夜间开放时间延长", "16:20"), (9, "2024年研究生招生复试工作陆续启动", "09:00")])
    rank = "".join(f"<li><em>{i + 1}</em><a href='#'>{t}</a></li>" for i, t in enumerate(["考研国家线公布 多个学科上涨", "高校毕业生人数再创新高", "这所大学的樱花大道火了", "大学生兼职被骗怎么办", "春季招聘会岗位超两万个"]))
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{title}|春假|高校_新闻中心_南江网</title>
<meta name="keywords" content="春假,高校,社会实践">
<meta name="description" content="记者近日从多所高校了解到，今年春季学期，已有十余所高校在清明节前后增设5至7天不等的“春假”。">
<meta property="og:title" content="多所高校推出“春假” 鼓励学生走出校园亲近自然">
<meta name="author" content="南江网">
<script>window.__ads = {{slot: "top_banner"}};</script>
</head><body>
<div class="top-bar"><a href="/">南江网首页</a> <a href="/news/">新闻</a> <a href="/finance/">财经</a> <a href="/edu/">教育</a> <a href="/tech/">科技</a> <a href="/sports/">体育</a> <a href="/ent/">娱乐</a> <a href="/auto/">汽车</a> <a href="/house/">房产</a> <span class="login"><a href="#">登录</a> | <a href="#">注册</a></span></div>
<div class="ad-banner" id="ad_top_960"><a href="#"><img src="/ad/banner1.jpg" alt="广告"></a></div>
<div class="channel-nav"><a href="/edu/">教育首页</a> <a href="/edu/gaokao/">高考</a> <a href="/edu/kaoyan/">考研</a> <a href="/edu/liuxue/">留学</a> <a href="/edu/campus/">校园</a></div>
<div class="main-content">
<div class="article-wrap">
<h1 class="main-title">{title}</h1>
<div class="date-source"><span class="date">2024年03月19日 07:25</span> <a class="source" href="#">南江日报</a> <span class="author">作者：赵晨</span> <a class="comment-count" href="#comments">评论(36)</a></div>
<div class="article" id="article">
<p>　　{paras[0]}</p>
<div class="img_wrapper"><img src="/photo/2024/0319/spring.jpg"><span class="img_descr">资料图</span></div>
{ps(paras[1:])}
<p class="article-editor">责任编辑：吴倩 SN222</p>
</div>
<div class="article-bottom-share">分享到：<a>微信</a> <a>微博</a> <a>QQ</a></div>
<div class="ad" id="ad_mid"><img src="/ad/mid.jpg">教育培训 考研名师一对一辅导 限时优惠</div>
<div class="related-news"><h3>相关新闻</h3><ul>{related}</ul></div>
<div class="comments" id="comments"><h3>网友评论</h3>
<div class="comment-item"><span class="cmt-user">南江网友</span><p>支持！我们学校什么时候也能放春假？</p><span class="cmt-time">2024-03-19 09:12</span></div>
<div class="comment-item"><span class="cmt-user">山水之间</span><p>放假是好事，但是暑假缩短了，其实总天数差不多。</p><span class="cmt-time">2024-03-19 10:47</span></div></div>
</div>
<div class="side-bar"><div class="hot-rank"><h3>24小时热点排行</h3><ol>{rank}</ol></div>
<div class="ad-side"><img src="/ad/side.jpg"></div></div>
</div>
<div class="footer"><p><a href="#">关于我们</a> | <a href="#">广告服务</a> | <a href="#">联系我们</a> | <a href="#">网站地图</a></p><p>南江网版权所有 未经授权禁止转载 违法和不良信息举报电话：12377</p></div>
</body></html>"""
    write("news_portal", html, title, paras, "2024-03-19T07:25:00+08:00", "赵晨")


# ---------------------------------------------------------------- 9 WeChat-article-like page
def wechat():
    title = "青春逢盛会 | 我校志愿者圆满完成马拉松赛事服务"
    paras = [
        "3月17日，2024南屏马拉松鸣枪开跑。我校326名青年志愿者分布在起点、补给站、医疗点和终点等18个服务点位，为来自全国各地的两万余名跑者提供服务。",
        "凌晨四点，志愿者们就已集结完毕。在第三补给站，护理学院的志愿者们提前准备好了水、香蕉和能量胶，不停地向跑者喊着“加油”。",
        "“看到跑者接过我们递的水说一声谢谢，觉得再累都值得。”第一次参加赛事服务的大一学生许诺说。",
        "在终点医疗点，医学院志愿者协助医护人员为抽筋的跑者进行拉伸放松，共处置轻微伤情40余例。",
        "校团委负责人表示，学校将继续加强志愿服务队伍建设，引导更多青年学生在服务社会中锤炼本领、增长才干。",
        "文字：团委宣传部 图片：青年传媒中心",
    ]
    sections = "\n".join(f'<section style="margin-bottom:16px;"><span style="font-size:15px;letter-spacing:1px;">{p}</span></section>' for p in paras[:-1])
    html = f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1.0,maximum-scale=1.0,user-scalable=0">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta name="author" content="校团委">
<title>{title}</title>
<script>var ct = "1710680400"; var msg_title = "{title}";</script>
</head><body id="activity-detail" class="zh_CN wx_wap_page">
<div class="rich_media_wrp"><div class="rich_media_area_primary"><div class="rich_media_area_primary_inner">
<div id="img-content" class="rich_media_wrp">
<h1 class="rich_media_title" id="activity-name">
            {title}
        </h1>
<div id="meta_content" class="rich_media_meta_list">
<span class="rich_media_meta rich_media_meta_text">校团委</span>
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a href="javascript:void(0);" id="js_name">青春东理</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">2024-03-17 21:00</em>
<em id="js_ip_wording_wrp" class="rich_media_meta_text">浙江</em>
</div>
<div class="rich_media_content js_underline_content" id="js_content">
<section style="text-align:center;"><img data-src="https://mmbiz.example/img1.jpg" style="width:100%"></section>
{sections}
<section style="text-align:right;color:#888;"><span style="font-size:12px;">{paras[-1]}</span></section>
<section style="text-align:center;"><span style="font-size:12px;color:#999;">审核：王老师 | 编辑：小东</span></section>
</div>
<div class="rich_media_tool" id="js_toobar3"><a id="js_view_source">阅读原文</a><div class="media_tool_meta">阅读 3512</div><div class="media_tool_meta">赞 206</div><div>在看 48</div></div>
</div>
<div class="qr_code_pc_inner"><div class="qr_code_pc"><img id="js_pc_qr_code_img"><p>微信扫一扫<br>关注该公众号</p></div></div>
<div id="js_pc_close_btn">继续滑动看下一个</div>
</div></div></div>
<div class="wx_profile_card_inner"><strong class="profile_nickname">青春东理</strong><p class="profile_meta">东湖理工学院共青团官方平台</p></div>
</body></html>"""
    write("wechat_article", html, title, paras, "2024-03-17T21:00:00+08:00", "校团委")


# ---------------------------------------------------------------- 10 ASP.NET page wrapped in <form>, GBK, no declaration
def aspnet_form_gbk():
    title = "学生处关于开展2024年春季学期家庭经济困难学生认定工作的通知"
    paras = [
        "各学院：",
        "根据《学生资助资金管理办法》和学校家庭经济困难学生认定工作实施细则，现就开展2024年春季学期家庭经济困难学生认定工作有关事项通知如下。",
        "一、认定对象为我校全日制在籍本专科学生。已在秋季学期认定且家庭经济状况未发生变化的学生无需重新申请。",
        "二、学生本人于3月25日前登录学生资助管理系统填写认定申请表，并如实提供家庭经济情况的相关说明材料。",
        "三、各学院成立认定工作小组，组织开展民主评议，评议结果须在学院范围内公示不少于5个工作日，公示无异议后报学生处审核。",
        "四、认定过程中要注重保护学生隐私，不得要求学生当众诉苦，不得公开学生的个人敏感信息。",
        "学生处",
        "2024年3月8日",
    ]
    news = "".join(f"<li><a href='ShowNews.aspx?id={i}'>{t}</a><span>{d}</span></li>" for i, (t, d) in enumerate([
        ("关于2024年度国家助学贷款续贷的提醒", "2024-3-6"), ("学生处召开新学期辅导员工作例会", "2024-3-4"), ("关于评选2023年度优秀学生干部的通知", "2024-2-28"),
        ("寒假留校学生安全管理工作总结", "2024-2-26"), ("关于做好学生返校工作的通知", "2024-2-20")]))
    html = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><title>
	{title}-学生处
</title><link href="css/style.css" rel="stylesheet" type="text/css" /></head>
<body>
<form name="form1" method="post" action="ShowNews.aspx?id=1562" id="form1">
<div><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="/wEPDwUKMTY1NDU2MTA1MmRkZ3x5" /></div>
<div id="head"><img src="images/xsc_banner.jpg" /></div>
<div id="menu"><a href="Default.aspx">首页</a><a href="List.aspx?c=1">工作动态</a><a href="List.aspx?c=2">通知公告</a><a href="List.aspx?c=3">资助中心</a><a href="List.aspx?c=4">心理健康</a><a href="List.aspx?c=5">下载中心</a></div>
<div id="main">
<div id="leftbox"><div class="lefttitle">最新通知</div><ul class="newslist">{news}</ul></div>
<div id="rightbox">
<div class="wz">当前位置：首页 &gt;&gt; 通知公告</div>
<div class="newstitle"><span id="lblTitle">{title}</span></div>
<div class="newsinfo">时间：2024-3-8 10:26:41&nbsp;&nbsp;作者：赵磊&nbsp;&nbsp;来源：学生处&nbsp;&nbsp;阅读：<span id="lblHits">1206</span>次</div>
<div class="newscontent"><span id="lblContent">
{"".join(f"<p>{p}</p>" for p in paras)}
</span></div>
<div class="close"><a href="javascript:window.close();">[关闭窗口]</a></div>
</div></div>
<div id="foot">Copyright(C) 2024 南屏科技学院学生处 All Rights Reserved 技术支持：网络中心</div>
</form>
</body>
</html>"""
    write("aspnet_form_gbk", html, title, paras, "2024-03-08T10:26:41+08:00", "赵磊", encoding="gbk")


# ---------------------------------------------------------------- 11 department news with long related lists, GBK with meta charset=gbk
def dept_news_gbk():
    title = "外国语学院举办第五届“译路同行”翻译大赛"
    paras = [
        "为激发学生的翻译学习兴趣，提升学生的语言运用能力，3月5日晚，外国语学院在学术报告厅举办第五届“译路同行”翻译大赛决赛。",
        "本次大赛分为英译汉和汉译英两个组别，初赛共收到来自全校11个学院的243份参赛作品。经过评审，共有20名选手进入决赛。决赛采用现场笔译和视译相结合的方式进行，题材涵盖科技、文化、时政等多个领域。",
        "比赛现场气氛紧张而热烈。在视译环节，选手们需要在看到原文后立即进行口头翻译，不少选手表现沉着，译文准确流畅，赢得了现场观众的阵阵掌声。",
        "经过激烈角逐，英语专业2022级学生徐子涵、商务英语专业2021级学生梁晨分别获得英译汉组和汉译英组一等奖。",
        "评委代表、外国语学院副院长郑丽在点评中指出，翻译不仅是语言的转换，更是文化的沟通。她鼓励同学们多读多练，在实践中提高自己的跨文化交际能力。",
    ]
    more = "".join(f'<li><span class="date">[{d}]</span><a href="/info/{i}.htm" title="{t}">{t}</a></li>' for i, (t, d) in enumerate([
        ("外国语学院召开2024年学生工作会议", "2024/03/04"), ("外国语学院开展新学期安全教育主题班会", "2024/03/01"), ("我院学生在全国大学生英语竞赛中获奖", "2024/02/27"),
        ("外国语学院举行研究生开题报告会", "2024/01/12"), ("外国语学院教工党支部开展主题党日活动", "2024/01/05"), ("学院召开期末考试工作部署会", "2023/12/28"),
        ("外国语学院举办学术讲座：语料库与翻译研究", "2023/12/20"), ("学院开展“一站式”学生社区建设调研", "2023/12/14")]))
    html = f"""<!DOCTYPE html>
<html><head><meta charset="gbk">
<title>{title}-外国语学院</title>
</head><body>
<div class="header"><div class="wrapper"><a class="logo" href="/"><img src="/images/wgy_logo.png"></a>
<ul class="menu"><li><a href="/">首页</a></li><li><a href="/xygk.htm">学院概况</a></li><li><a href="/xwdt.htm">新闻动态</a></li><li><a href="/tzgg.htm">通知公告</a></li><li><a href="/jxgz.htm">教学工作</a></li><li><a href="/kyxs.htm">科研学术</a></li><li><a href="/xsgz.htm">学生工作</a></li></ul></div></div>
<div class="wrapper content-wrap">
<div class="sub-left"><div class="sub-title">新闻动态</div><ul class="sub-nav"><li><a href="/xyxw.htm">学院新闻</a></li><li><a href="/xshd.htm">学生活动</a></li><li><a href="/mtbd.htm">媒体报道</a></li></ul>
<div class="sub-title">最新动态</div><ul class="news-list">{more}</ul></div>
<div class="sub-right">
<div class="crumb">首页 > 新闻动态 > 学院新闻</div>
<div class="detail">
<h3>{title}</h3>
<p class="info">日期：2024/03/06 &nbsp; 作者：外国语学院 孙佳 &nbsp; 点击数：<span>315</span></p>
<div class="detail-con">
{ps(paras)}
<p style="text-align:right">（审核：郑丽）</p>
</div>
<div class="pre-next"><p>上一条：<a href="#">外国语学院召开2024年学生工作会议</a></p><p>下一条：<a href="#">外国语学院开展读书分享会</a></p></div>
</div></div></div>
<div class="footer">Copyright &copy; 2024 外国语学院 地址：东湖路88号 邮编：310000</div>
</body></html>"""
    write("dept_news_gbk", html, title, paras, "2024-03-06T00:00:00+08:00", "孙佳", encoding="gbk")


# ---------------------------------------------------------------- 12 declares utf-8 but is served GBK
def mislabelled_gbk():
    title = "图书馆关于调整清明节假期开放时间的通知"
    paras = [
        "全校师生：",
        "根据学校清明节放假安排，图书馆4月4日至6日开放时间调整如下：总馆一至三层阅览室开放时间为9:00至17:00，自习室开放时间为8:00至21:00；东区分馆闭馆。4月7日起恢复正常开放时间。",
        "假期期间，电子资源可通过校外访问系统正常使用。如有疑问，请拨打咨询电话86880123或在图书馆微信公众号留言。",
        "不便之处，敬请谅解。",
        "图书馆",
        "2024年3月19日",
    ]
    html = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{title} - 东湖理工学院图书馆</title>
</head>
<body>
<div id="header"><div class="logo">东湖理工学院图书馆</div><div class="quick"><a href="#">馆藏目录</a> <a href="#">数据库</a> <a href="#">我的图书馆</a> <a href="#">English</a></div></div>
<div id="nav"><a href="/">首页</a> <a href="/gk/">本馆概况</a> <a href="/zy/">资源</a> <a href="/fw/">服务</a> <a href="/px/">培训</a> <a href="/zx/">咨询</a></div>
<div id="container">
<div class="location">您的位置：首页 &raquo; 通知公告</div>
<div class="notice">
<h2 class="title">{title}</h2>
<div class="meta">发布者：读者服务部 | 发布时间：2024-03-19 11:08 | 浏览：621</div>
<div class="text">
<p>{paras[0]}</p>
{ps(paras[1:4])}
<p align="right">{paras[4]}<br>{paras[5]}</p>
</div></div>
<div class="links"><b>常用链接：</b><a href="#">中国知网</a> <a href="#">万方数据</a> <a href="#">维普资讯</a> <a href="#">超星发现</a></div>
</div>
<div id="footer">东湖理工学院图书馆 版权所有 | 开放时间：周一至周日 8:00-22:00</div>
</body></html>"""
    write("mislabelled_gbk", html, title, paras, "2024-03-19T11:08:00+08:00", "读者服务部", encoding="gbk")


# ---------------------------------------------------------------- 13 portal article with ISO meta time and pager
def portal_iso_meta():
    title = "高校毕业生求职季：这些“坑”一定要避开"
    paras = [
        "又到一年求职季，不少应届毕业生忙着投简历、跑招聘会。然而，一些不法分子也盯上了急于找工作的大学生，以高薪兼职、内部推荐、培训贷等名义设下陷阱。",
        "南屏市人社局提醒，求职者要通过正规渠道获取招聘信息，对于“无需经验、日薪过千”等明显不合常理的岗位要提高警惕。凡是以各种名目要求缴纳押金、服装费、培训费的，都要特别当心。",
        "今年毕业的小刘就差点上当。他在网上看到一家公司招聘“储备干部”，面试后对方称需要先参加为期一个月的岗前培训，费用可以通过贷款平台分期支付。小刘向学校就业指导中心咨询后，才发现这是典型的“培训贷”骗局。",
        "就业指导专家建议，毕业生在签订劳动合同前要仔细阅读合同条款，确认用人单位的资质，注意试用期、社会保险、薪酬构成等关键内容，遇到侵权行为要及时向劳动监察部门投诉。",
    ]
    more = "".join(f'<li><a href="/a/{i}.html">{t}</a><em>{d}</em></li>' for i, (t, d) in enumerate([
        ("春招岗位需求同比增长 制造业人才缺口大", "03-13 18:20"), ("考公还是就业？听听过来人怎么说", "03-12 09:41"), ("简历这样写，面试机会多一倍", "03-10 21:05"),
        ("大学生创业补贴怎么申请", "03-08 15:30"), ("实习生权益谁来保障", "03-07 08:00"), ("“慢就业”现象调查", "03-05 12:12")]))
    html = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>{title}_南江网</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-03-14T08:05:00+08:00">
<meta property="article:author" content="南江网">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}","datePublished":"2024-03-14T08:05:00+08:00"}}</script>
</head><body>
<div id="top_nav"><a href="/">首页</a><a href="/news">要闻</a><a href="/society">社会</a><a href="/edu">教育</a><a href="/jobs">就业</a><a href="/video">视频</a><a href="/app">客户端</a></div>
<div class="container"><div class="col-main">
<div class="breadcrumb"><a href="/">南江网</a> &gt; <a href="/jobs">就业</a> &gt; 正文</div>
<article class="news-article">
<h1>{title}</h1>
<div class="meta"><time>2024-03-14 08:05</time><span class="src">来源：南江晚报</span><span class="byline">记者 钱多多 通讯员 李华</span></div>
<div class="article-body">
{ps(paras, indent="")}
</div>
<div class="page-nav"><span class="current">1</span><a href="?p=2">2</a><a href="?p=2">下一页</a></div>
<p class="disclaimer">声明：本文仅代表作者观点，不代表南江网立场。</p>
</article>
<section class="more-news"><h2>更多就业资讯</h2><ul>{more}</ul></section>
</div>
<div class="col-side"><div class="widget"><h3>专题推荐</h3><ul><li><a href="#">2024春季招聘会专题</a></li><li><a href="#">毕业生就业政策汇编</a></li></ul></div>
<div class="widget app-download"><img src="/qr.png"><p>扫码下载南江新闻客户端</p></div></div></div>
<footer class="site-footer">南江网 版权所有 互联网新闻信息服务许可证编号：33120180001</footer>
</body></html>"""
    write("portal_iso_meta", html, title, paras, "2024-03-14T08:05:00+08:00", "钱多多")


# ---------------------------------------------------------------- 14 <br>-separated body in one div, date as 年月日 with time
def br_body():
    title = "我院召开2024年党风廉政建设工作会议"
    paras = [
        "3月18日下午，信息工程学院在实验楼B203会议室召开2024年党风廉政建设工作会议。学院党政领导班子成员、各系部和实验中心负责人、全体教职工党员参加会议。",
        "会议传达学习了学校党风廉政建设工作会议精神，通报了上一年度学院党风廉政建设工作情况，并对今年的重点工作进行了部署。",
        "学院党委书记刘洪在讲话中强调，要把纪律和规矩挺在前面，重点加强招生录取、评奖评优、物资采购、科研经费使用等关键环节的监督管理，做到制度管人、流程管事。",
        "会上，学院党政主要负责人与各系部负责人签订了2024年度党风廉政建设责任书。",
    ]
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="wrap">
<div class="banner"><img src="/xxgc/banner.jpg"></div>
<div class="menu-bar"><a href="/xxgc/">学院首页</a> <a href="/xxgc/xygk/">学院概况</a> <a href="/xxgc/djgz/">党建工作</a> <a href="/xxgc/jxky/">教学科研</a> <a href="/xxgc/xsgz/">学生工作</a> <a href="/xxgc/zsjy/">招生就业</a></div>
<div class="page-body">
<div class="lm-left"><div class="lm-title">党建工作</div><a href="#">党建动态</a><br><a href="#">党风廉政</a><br><a href="#">理论学习</a><br><a href="#">支部风采</a></div>
<div class="lm-right">
<div class="show-title">{title}</div>
<div class="show-info">发布人：信息工程学院&nbsp;&nbsp;发布时间：2024年3月18日 17:20&nbsp;&nbsp;阅读量：208</div>
<div class="show-content" style="font-size:16px;line-height:30px">
{'<br>'.join('&nbsp;&nbsp;&nbsp;&nbsp;' + p for p in paras)}<br>
<br>（供稿：学院党委 审核：刘洪）
</div>
<div class="show-next">下一篇：<a href="#">信息工程学院召开教职工大会</a></div>
</div></div>
<div class="copy">信息工程学院 © 2024 东湖理工学院</div>
</div></body></html>"""
    write("br_body", html, title, paras, "2024-03-18T17:20:00+08:00", "信息工程学院")


# ---------------------------------------------------------------- 15 no info line: date only at the end of the text
def date_at_end():
    title = "校园马拉松赛事交通管制公告"
    paras = [
        "因举办2024年校园马拉松比赛，3月24日（星期日）7:00至12:00，学校南门至体育馆道路、环湖路全段实施交通管制，禁止机动车通行。",
        "届时请教职工提前将车辆停放至北区停车场，途经管制路段的师生请服从现场工作人员指挥，注意安全。",
        "特此公告。",
        "保卫处",
        "2024年3月21日",
    ]
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>校园马拉松赛事交通管制公告_通知公告_东湖理工学院</title></head><body>
<div class="header"><h1 class="site-name">东湖理工学院</h1></div>
<div class="column"><div class="column-name">通知公告</div>
<div class="content-box">
<h2>{title}</h2>
{ps(paras[:3])}
<p style="text-align:right">{paras[3]}</p>
<p style="text-align:right">{paras[4]}</p>
</div>
<div class="side-list"><h4>其他公告</h4><ul><li><a href="#">关于清明节放假安排的通知</a> 2024-03-15</li><li><a href="#">关于开展春季爱国卫生运动的通知</a> 2024-03-11</li></ul></div>
</div>
<div class="footer">东湖理工学院 版权所有</div>
</body></html>"""
    # No info line: the only publish date is the signature date under the text.
    write("date_at_end", html, title, paras, "2024-03-21T00:00:00+08:00", None, now="2024-03-22T09:00:00+08:00")


# ---------------------------------------------------------------- 16 job fair notice with a table in the body
def job_notice():
    title = "南屏智造科技有限公司2024届校园招聘简章"
    paras = [
        "南屏智造科技有限公司成立于2009年，是一家专注于工业机器人和智能装备研发制造的国家级高新技术企业，现有员工1200余人，其中研发人员占比超过35%。",
        "招聘岗位",
        "岗位名称", "专业要求", "人数", "工作地点",
        "机械设计工程师", "机械设计制造及其自动化", "8", "南屏",
        "嵌入式软件工程师", "电子信息、计算机相关专业", "5", "南屏、杭州",
        "销售工程师", "专业不限，理工科优先", "6", "全国",
        "薪酬福利：本科生年薪8万至12万元，硕士研究生年薪12万至18万元；缴纳五险一金，提供人才公寓，每年两次调薪机会。",
        "宣讲时间：2024年3月26日14:30，地点：就业指导中心二楼宣讲厅。请有意向的同学携带个人简历参加。",
    ]
    rows = [paras[2:6], paras[6:10], paras[10:14], paras[14:18]]
    table = "<table border='1' class='MsoTable'>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows) + "</table>"
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}-就业信息网</title>
<meta name="publishdate" content="2024-03-11"></head><body>
<div class="jy-header"><div class="jy-logo">东湖理工学院就业信息网</div><ul class="jy-nav"><li><a href="#">首页</a></li><li><a href="#">招聘信息</a></li><li><a href="#">宣讲会</a></li><li><a href="#">双选会</a></li><li><a href="#">就业指导</a></li><li><a href="#">政策法规</a></li></ul></div>
<div class="jy-main"><div class="jy-article">
<h1>{title}</h1>
<div class="jy-info"><span>发布时间：2024-03-11 09:15</span><span>浏览：356</span></div>
<div class="jy-text">
<p>{paras[0]}</p>
<p><strong>{paras[1]}</strong></p>
{table}
<p>{paras[18]}</p>
<p>{paras[19]}</p>
</div>
<div class="jy-tip">温馨提示：求职过程中如遇收取费用等情况，请及时向就业指导中心反映。</div>
</div>
<div class="jy-side"><h3>最新招聘</h3><ul><li><a href="#">东江电力设计院2024届招聘</a><span>03-18</span></li><li><a href="#">南屏银行春季校园招聘</a><span>03-15</span></li><li><a href="#">浙东建设集团招聘公告</a><span>03-12</span></li></ul></div></div>
<div class="jy-footer">东湖理工学院就业指导中心 电话：0571-86880666</div>
</body></html>"""
    write("job_notice", html, title, paras, "2024-03-11T09:15:00+08:00", None)


# ---------------------------------------------------------------- 17 GBK news with 发表于 and Chinese-colon info, no declaration
def old_bbs_news_gbk():
    title = "我校获评省级文明校园"
    paras = [
        "日前，省精神文明建设委员会公布了新一轮省级文明校园名单，我校榜上有名。",
        "近年来，学校坚持把文明校园创建作为提升办学水平的重要抓手，持续开展“文明寝室”“文明课堂”评比活动，推进校园环境整治和志愿服务常态化。学校青年志愿者协会累计开展志愿服务活动1200余场，服务时长超过8万小时。",
        "学校相关负责人表示，将以此次获评为新起点，巩固创建成果，不断提升师生文明素养，努力营造风清气正、和谐美丽的育人环境。",
    ]
    html = f"""<html><head><title>{title}</title>
<style>body{{font-size:12px}} .news_title{{font-size:20px}}</style></head>
<body>
<div class="toplink"><a href="/">校园网首页</a> | <a href="/news/">新闻中心</a> | <a href="/notice/">公告栏</a> | <a href="/bbs/">论坛</a></div>
<table width="960" align="center"><tr><td>
<div class="news_title">{title}</div>
<div class="news_from">发表于：2024-02-29 16:05　|　来源：宣传部　|　作者：宣传部 周涛</div>
<hr size="1">
<div class="news_body">
{ps(paras)}
</div>
<div class="news_about"><b>相关文章：</b><br>
<a href="#">学校召开文明校园创建推进会</a> (2023-11-02)<br>
<a href="#">我校开展“文明寝室”评比活动</a> (2023-10-18)<br>
<a href="#">志愿者协会获评优秀志愿服务组织</a> (2023-06-12)<br>
</div>
</td></tr></table>
<div class="bottom">南屏科技学院 宣传部 主办</div>
</body></html>"""
    write("old_news_gbk", html, title, paras, "2024-02-29T16:05:00+08:00", "周涛", encoding="gbk")


if __name__ == "__main__":
    for f in [campus_news_vsb, table_layout_gb2312, gov_notice, forum_tieba, forum_discuz_gbk, bbs_relative, blog,
              news_portal, wechat, aspnet_form_gbk, dept_news_gbk, mislabelled_gbk, portal_iso_meta, br_body,
              date_at_end, job_notice, old_bbs_news_gbk]:
        f()
    print("wrote", len(os.listdir(OUT)) // 2, "fixtures to", os.path.normpath(OUT))
