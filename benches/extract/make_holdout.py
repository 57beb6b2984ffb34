#!/usr/bin/env python3
"""Writes tests/fixtures/extract_holdout/: pages written after the extractor
was tuned on tests/fixtures/extract and never used to tune it. eval.py
--dir tests/fixtures/extract_holdout reports them separately; the Rust
fixture test does not assert on them.

Run from the repository root: python3 benches/extract/make_holdout.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import make_fixtures as mf  # noqa: E402

mf.OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "extract_holdout")
ps = mf.ps


def bootstrap_news():
    title = "研究生院举办2024年导师培训会"
    paras = [
        "为进一步加强研究生导师队伍建设，3月15日上午，研究生院在图书馆报告厅举办2024年研究生导师培训会，全校新增导师及部分在岗导师共160余人参加培训。",
        "培训会上，研究生院院长邹平作了题为《导师立德树人职责与研究生培养质量》的专题报告。他结合近年来研究生教育的政策变化，重点解读了导师在思想引领、学术指导、学位论文质量把关等方面的职责要求。",
        "来自材料学院的国家级教学名师黄晓东教授分享了自己二十多年指导研究生的经验。他认为，导师要舍得花时间和学生交流，“不仅要教学生做研究，更要教学生做人”。",
        "本次培训采用线下讲座与线上学习相结合的方式，参训导师还需在网络平台完成8学时的课程学习，考核合格后方可招收研究生。",
    ]
    cards = "".join(
        f'<div class="col-md-4"><div class="card"><img src="/img/{i}.jpg"><div class="card-body"><h5><a href="/news/{i}">{t}</a></h5><p class="card-text">{s}</p><small>{d}</small></div></div></div>'
        for i, (t, s, d) in enumerate([
            ("研究生院召开学位评定分委员会会议", "会议审议了2024年春季学位授予名单，共授予硕士学位312人。", "2024-03-12"),
            ("我校新增两个博士学位授权点", "经国务院学位委员会审核，我校材料科学与工程、计算机科学与技术获批博士学位授权一级学科。", "2024-03-08"),
            ("研究生“学术之星”评选结果揭晓", "经学院推荐、专家评审，共评选出10名“学术之星”。", "2024-03-01")]))
    html = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - 研究生院</title><link href="/css/bootstrap.min.css" rel="stylesheet"></head><body>
<nav class="navbar navbar-expand-lg"><a class="navbar-brand" href="/">研究生院</a><ul class="navbar-nav"><li class="nav-item"><a class="nav-link" href="/">首页</a></li><li class="nav-item"><a class="nav-link" href="/zs">招生工作</a></li><li class="nav-item"><a class="nav-link" href="/py">培养管理</a></li><li class="nav-item"><a class="nav-link" href="/xw">学位工作</a></li><li class="nav-item"><a class="nav-link" href="/ds">导师队伍</a></li></ul></nav>
<div class="container mt-4"><div class="row"><div class="col-lg-12">
<div class="article-detail">
<h2 class="text-center">{title}</h2>
<p class="text-muted text-center"><i class="fa fa-clock-o"></i> 2024-03-15 &nbsp; <i class="fa fa-user"></i> 来源：研究生院 &nbsp; <i class="fa fa-eye"></i> 1024</p>
<hr>
<div class="article-content">
{''.join(f'<p style="text-indent:2em"><span style="font-family:宋体;font-size:16px">{p}</span></p>' for p in paras)}
</div>
<p class="text-right">（文/刘雨 图/研究生院 审核/邹平）</p>
</div>
<h4 class="mt-5">相关推荐</h4><div class="row">{cards}</div>
<div class="text-center mt-3"><img src="/qrcode.png"><p>扫码分享到手机</p></div>
</div></div></div>
<footer class="bg-dark text-white"><p>Copyright © 2024 东湖理工学院研究生院 版权所有</p></footer>
</body></html>"""
    mf.write("bootstrap_news", html, title, paras, "2024-03-15T00:00:00+08:00", "刘雨")


def portal_original_title():
    title = "大学生暑期社会实践报名启动 今年新增“数字乡村”专项"
    paras = [
        "原标题：暑期社会实践报名启动",
        "记者12日从团省委获悉，2024年全省大学生暑期“三下乡”社会实践活动报名工作正式启动，今年首次设立“数字乡村”专项，重点支持学生团队开展农村电商、数字治理等方面的实践项目。",
        "据介绍，今年的社会实践活动将组织3000支以上团队、5万余名大学生深入基层。团省委将为优秀团队提供最高5000元的经费支持，并邀请专家进行全程指导。",
        "“数字乡村”专项受到不少高校学生的关注。东湖理工学院电子商务专业学生陈雪说，她和同学们计划去家乡的茶叶合作社，帮助茶农开设网店、拍摄短视频。",
        "报名截止时间为5月31日，学生可通过所在高校团委统一报名。",
    ]
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}|社会实践_新闻_南江新闻网</title>
<meta name="weibo: article:create_at" content="2024-03-12 18:03:25">
<meta property="og:title" content="{title}"></head><body>
<div class="top-nav"><a href="/">首页</a><a href="/news">新闻</a><a href="/edu">教育</a><a href="/video">视频</a><a href="/local">本地</a></div>
<div class="main-wrap"><div class="article-main">
<h1 class="main-title">{title}</h1>
<div class="top-bar-wrap"><div class="date-source"><span class="date">2024年03月12日 18:03</span><a class="source" href="#">南江日报</a></div><div class="tools"><a>评论</a><a>大字</a><a>小字</a></div></div>
<div class="article" id="artibody">
{ps(paras)}
<p class="show_author">责任编辑：孟华</p>
</div>
<div class="statement">新闻声明：本网转载此文出于传递更多信息之目的，并不意味着赞同其观点或证实其描述。</div>
<div class="blk-related"><h3>相关阅读</h3><ul>
<li><a href="#">去年全省大学生社会实践成果丰硕，多支团队获全国表彰。</a><span>2024-01-05</span></li>
<li><a href="#">高校志愿者走进乡村课堂，为留守儿童开设美育课程。</a><span>2023-08-21</span></li>
<li><a href="#">暑期实践如何保证安全？专家给出五条建议。</a><span>2023-07-02</span></li></ul></div>
<div class="comment-list"><h3>热门评论</h3><p>南江网友：支持大学生下乡！这样的实践很有意义。 03-12 19:20</p><p>江边的风：希望不要搞形式主义，真正给农民办实事。 03-12 20:41</p></div>
</div></div>
<div class="footer">南江新闻网 版权所有</div></body></html>"""
    mf.write("portal_original_title", html, title, paras, "2024-03-12T18:03:25+08:00", None)


def trs_gov():
    title = "省教育厅关于公布2024年度高校思想政治工作精品项目名单的通知"
    paras = [
        "各普通高等学校：",
        "根据《关于开展2024年度高校思想政治工作精品项目遴选工作的通知》要求，经学校申报、专家评审和网上公示，确定“红色文化进校园”育人工程等45个项目为2024年度高校思想政治工作精品项目，现予公布。",
        "各项目承担学校要加强组织领导，落实配套经费，按照项目建设方案扎实推进，确保取得实效。省教育厅将适时组织中期检查，对建设成效显著的项目予以通报表扬。",
        "附件：2024年度高校思想政治工作精品项目名单",
        "省教育厅",
        "2024年3月4日",
    ]
    html = f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="SiteName" content="省教育厅"><meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2024-03-05 16:30"><meta name="ContentSource" content="省教育厅">
<title>{title}</title></head><body>
<div class="head"><div class="logo"><img src="/images/logo.png"></div><div class="search"><input><a>搜索</a></div></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="con">
<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/tzgg/">通知公告</a></div>
<div class="xl_title">{title}</div>
<div class="xl_info">发布时间：2024-03-05 16:30:12&nbsp;&nbsp;&nbsp;&nbsp;信息来源：省教育厅&nbsp;&nbsp;&nbsp;&nbsp;浏览次数：<span id="hits">2316</span></div>
<div class="xl_con"><div class="TRS_Editor"><div class="Custom_UnionStyle">
<p>{paras[0]}</p>
{ps(paras[1:4])}
<p align="right">{paras[4]}</p><p align="right">{paras[5]}</p>
</div></div></div>
<div class="xl_fj"><p>附件下载：</p><p><a href="./P020240305.xlsx">2024年度高校思想政治工作精品项目名单.xlsx</a></p></div>
<div class="xl_share"><span>分享到：</span><a>微信</a><a>微博</a></div>
<div class="xl_close"><a href="javascript:window.print()">【打印】</a><a href="javascript:window.close()">【关闭】</a></div>
</div>
<div class="foot"><p>主办单位：省教育厅 地址：省府路10号 网站标识码：3300000034</p></div>
</body></html>"""
    mf.write("trs_gov", html, title, paras, "2024-03-05T16:30:00+08:00", "省教育厅")


def discuz_gbk_declared():
    title = "分享一下今年考研复试的经历，希望对学弟学妹有帮助"
    first = [
        "本人今年考的本校计算机专硕，初试排名第十二，上周刚参加完复试，趁着记忆还清楚写点东西。",
        "复试分为笔试、上机和面试三部分。笔试考数据库和软件工程，题目不难但是量很大；上机是三道编程题，两个小时，我做出来两道半。",
        "面试的时候老师主要问了毕业设计和项目经历，还有一段英文自我介绍和两个专业问题。建议大家提前准备好项目的细节，老师会追问得很深。",
        "最后祝大家都能上岸！",
    ]
    replies = [("考研人", "感谢楼主分享，请问上机可以用什么语言？"), ("东理计院", "C、C++、Java、Python都可以，环境是学校机房的。"), ("明年再战", "收藏了，明年就靠这个帖子了。")]

    def post(pid, author, paras, when):
        return f"""<div id="post_{pid}"><table id="pid{pid}" class="plhin"><tr><td class="pls"><div class="authi"><a class="xw1" href="#">{author}</a></div></td>
<td class="plc"><div class="pti"><div class="authi"><em id="authorposton{pid}">发表于 {when}</em> | <a href="#">只看该作者</a></div></div>
<div class="pct"><div class="pcb"><div class="t_fsz"><table><tr><td class="t_f" id="postmessage_{pid}">{'<br />'.join(paras)}</td></tr></table></div></div></div>
<div class="po"><a class="fastre">回复</a> <a>支持</a> <a>反对</a></div></td></tr></table></div>"""

    posts = post(501, "上岸的学长", first, "2024-3-10 20:15") + "".join(post(502 + i, a, [t], f"2024-3-1{1 + i} 0{8 + i}:30") for i, (a, t) in enumerate(replies))
    html = f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk" />
<title>{title} - 考研交流 - 东理社区 - Powered by Discuz!</title></head><body>
<div id="toptb"><a href="#">登录</a> <a href="#">立即注册</a></div>
<div id="hd"><div id="nv"><a href="#">论坛</a> <a href="#">排行榜</a> <a href="#">搜索</a></div></div>
<div id="pt" class="bm cl"><a href="#">东理社区</a> &rsaquo; <a href="#">学习交流</a> &rsaquo; <a href="#">考研交流</a></div>
<div id="postlist" class="pl bm"><table><tr><td class="pls">查看: 4120 | 回复: 3</td><td class="plc"><h1 class="ts"><span id="thread_subject">{title}</span></h1></td></tr></table>
{posts}</div>
<div id="ft">Powered by Discuz! X3.4 © 2001-2024 Comsenz Inc.</div></body></html>""".replace("©", "&copy;")
    mf.write("discuz_gbk_declared", html, title, first, "2024-03-10T20:15:00+08:00", "上岸的学长", encoding="gbk")


def long_feature():
    title = "一粒种子的十年：记农学院水稻育种团队"
    paras = [
        "在学校西北角的试验田里，每年春天都能看到一群人弯着腰插秧、记数据。他们是农学院水稻育种团队，十年间培育出4个通过省级审定的水稻新品种。",
        "从零开始",
        "2014年，团队负责人秦岭从国外回到学校时，实验室只有两台旧显微镜和一块不到两亩的试验田。“那时候连一台像样的分析仪器都没有，很多检测要送到外面去做。”",
        "为了赶农时，团队成员每年都要在海南和本地之间来回奔波。冬天去南繁基地加代繁殖，春天回来在本地试种，一年当两年用。",
        "十年磨一剑",
        "团队培育的“东理香粳1号”耐寒、抗倒伏，米质达到国家二级优质米标准，目前已在省内6个县推广种植12万亩，平均每亩增产约8%。",
        "“育种就像养孩子，急不得。”秦岭说，一个新品种从杂交到审定，往往需要八到十年时间，其中任何一个环节出问题都可能前功尽弃。",
        "把论文写在大地上",
        "这些年，团队先后培养研究生40余名，其中一半以上毕业后去了基层农技推广单位和种业企业。团队还与多个县的农业农村部门建立合作，每年开展技术培训20余场。",
    ]
    body = []
    for p in paras:
        if len(p) < 12:
            body.append(f"<h3>{p}</h3>")
        else:
            body.append(f"<p>{p}</p>")
    body.insert(3, '<figure><img src="/photo/rice.jpg"><figcaption>团队成员在试验田记录水稻生长数据</figcaption></figure>')
    html = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}-东湖理工学院新闻网</title>
<meta name="description" content="十年间培育出4个通过省级审定的水稻新品种"></head><body>
<header class="site-header"><div class="logo">东湖理工学院新闻网</div><nav class="main-nav"><a href="/">首页</a><a href="/ywsd">要闻速递</a><a href="/rwfc">人物风采</a><a href="/xyfc">校园风采</a><a href="/mtjj">媒体聚焦</a></nav></header>
<div class="layout"><div class="content-main">
<div class="article-header"><div class="column-name">人物风采</div><h1>{title}</h1>
<div class="meta"><span>记者 林晓</span><span>2024-03-08 10:00</span><span>阅读 3866</span></div></div>
<div class="article-content">{''.join(body)}</div>
<div class="article-footer"><p>编辑：吴丹 审核：周建</p></div>
</div>
<div class="content-aside"><div class="box"><div class="box-title">人物风采</div><ul><li><a href="#">扎根山区二十年的乡村教师</a><em>03-01</em></li><li><a href="#">奥运冠军回母校</a><em>02-26</em></li></ul></div></div></div>
<footer class="site-footer">东湖理工学院党委宣传部 主办</footer></body></html>"""
    mf.write("long_feature", html, title, paras, "2024-03-08T10:00:00+08:00", "林晓")


if __name__ == "__main__":
    for f in [bootstrap_news, portal_original_title, trs_gov, discuz_gbk_declared, long_feature]:
        f()
    print("wrote", len(os.listdir(mf.OUT)) // 2, "holdout pages to", os.path.normpath(mf.OUT))
