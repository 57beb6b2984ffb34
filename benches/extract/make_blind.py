#!/usr/bin/env python3
"""Writes tests/fixtures/extract_blind/: pages written after all tuning and
evaluated once, never used to change the extractor (unlike extract_holdout/,
which was held out for one round and then looked at). Reported separately by
eval.py --dir tests/fixtures/extract_blind.

Run from the repository root: python3 benches/extract/make_blind.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import make_fixtures as mf  # noqa: E402

mf.OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "extract_blind")


def tech_blog():
    title = "数据结构课程设计：用并查集解决朋友圈问题"
    paras = [
        "这学期数据结构课程设计选了并查集这个题目，记录一下思路和踩过的坑。",
        "题目是这样的：班上有n个同学，给出若干对朋友关系，朋友的朋友也算在同一个朋友圈里，问一共有多少个朋友圈。",
        "最直接的想法是用深度优先搜索，把每个同学看作一个点，朋友关系看作边，统计连通分量的个数。但是当关系很多的时候，建图和搜索都比较慢。",
        "用并查集就简单多了。初始时每个同学自己是一个集合，每读入一对朋友关系就把两个集合合并，最后统计根节点的个数就是答案。",
        "需要注意的是一定要加路径压缩，否则在极端情况下树会退化成链表，查找的时间复杂度会变成线性的。我第一次提交就是因为这个超时了。",
        "总结一下：遇到动态连通性的问题，可以优先考虑并查集。",
    ]
    html = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}_小白的编程笔记-CSDN博客</title>
<meta name="keywords" content="并查集,数据结构,课程设计"><meta name="description" content="这学期数据结构课程设计选了并查集这个题目，记录一下思路和踩过的坑。"></head>
<body>
<div id="csdn-toolbar"><ul><li><a href="#">博客</a></li><li><a href="#">下载</a></li><li><a href="#">学习</a></li><li><a href="#">社区</a></li><li><a href="#">GitCode</a></li></ul><div class="toolbar-search"><input placeholder="搜CSDN"></div></div>
<div class="main_father"><main>
<div class="blog-content-box">
<div class="article-header-box"><div class="article-header"><div class="article-title-box"><h1 class="title-article" id="articleContentId">{title}</h1></div>
<div class="article-info-box"><div class="bar-content"><span class="article-type type-1">原创</span><a class="follow-nickName" href="#">小白的编程笔记</a>
<span class="time">已于&nbsp;2024-03-10 08:02:11&nbsp;修改</span><span class="read-count">阅读量1.2k</span><a class="href-article-edit">收藏</a><span class="get-collection">12</span>
<div class="up-time"><span>于&nbsp;2024-03-09 21:17:43&nbsp;首次发布</span></div></div>
<div class="blog-tags-box"><span class="label">文章标签：</span><a class="tag-link">数据结构</a><a class="tag-link">算法</a></div></div></div></div>
<article class="baidu_pl"><div id="article_content" class="article_content clearfix"><div id="content_views" class="markdown_views prism-atom-one-dark">
{''.join(f'<p>{p}</p>' for p in paras[:4])}
<pre><code>int find(int x) {{ return p[x] == x ? x : p[x] = find(p[x]); }}</code></pre>
{''.join(f'<p>{p}</p>' for p in paras[4:])}
</div></div></article>
<div class="recommend-box"><div class="recommend-item-box"><a href="#"><h3>并查集详解（超级简单易懂）</h3></a><div class="desc">并查集是一种树型的数据结构，用于处理一些不相交集合的合并及查询问题。</div><span class="date">2023-05-11</span></div>
<div class="recommend-item-box"><a href="#"><h3>LeetCode 547 省份数量</h3></a><div class="desc">有 n 个城市，其中一些彼此相连，另一些没有相连。</div><span class="date">2022-11-02</span></div></div>
</div></main>
<aside class="blog_container_aside"><div id="asideProfile"><div class="profile-intro-name-box"><a href="#">小白的编程笔记</a></div><dl><dt>原创</dt><dd>46</dd><dt>粉丝</dt><dd>233</dd></dl></div>
<div id="asideHotArticle"><h3>热门文章</h3><ul><li><a href="#">C语言指针入门</a><span class="read">3512</span></li><li><a href="#">Git常用命令整理</a><span class="read">2890</span></li></ul></div></aside></div>
</body></html>"""
    # The code block is part of the post; an extractor may drop it (costs recall).
    truth_paras = paras[:4] + ["int find(int x) { return p[x] == x ? x : p[x] = find(p[x]); }"] + paras[4:]
    mf.write("tech_blog", html, title, truth_paras, "2024-03-09T21:17:43+08:00", "小白的编程笔记")


def font_td_gbk():
    title = "化学学院举行实验室安全知识竞赛"
    paras = [
        "为增强学生的实验室安全意识，3月6日下午，化学学院在化学楼报告厅举行实验室安全知识竞赛，来自各年级的8支代表队参加比赛。",
        "竞赛分为必答题、抢答题和风险题三个环节，内容涵盖危险化学品管理、消防器材使用、应急处置等方面。比赛现场，选手们沉着冷静、反应迅速，观众席上不时响起热烈的掌声。",
        "经过激烈角逐，2022级应用化学1班代表队获得一等奖。学院副院长表示，实验室安全无小事，学院将把安全教育贯穿人才培养全过程。",
    ]
    html = f"""<html><head><title>化学学院举行实验室安全知识竞赛</title></head>
<body bgcolor="#FFFFFF">
<table width="778" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td><img src="images/hx_top.jpg" width="778" height="110"></td></tr>
<tr><td bgcolor="#0055AA" height="28"><font color="#FFFFFF"><a href="index.asp"><font color="#FFFFFF">首页</font></a> | <a href="xygk.asp"><font color="#FFFFFF">学院概况</font></a> | <a href="news.asp"><font color="#FFFFFF">学院新闻</font></a> | <a href="kyjx.asp"><font color="#FFFFFF">科研教学</font></a></font></td></tr></table>
<table width="778" border="0" align="center" cellpadding="0" cellspacing="0"><tr>
<td width="180" valign="top" bgcolor="#EEF3FA"><table width="100%"><tr><td><b>新闻分类</b></td></tr><tr><td><a href="news.asp?c=1">学院动态</a></td></tr><tr><td><a href="news.asp?c=2">学术活动</a></td></tr><tr><td><a href="news.asp?c=3">学生活动</a></td></tr></table></td>
<td width="598" valign="top"><table width="95%" align="center" border="0">
<tr><td align="center" height="40"><font size="4"><b>{title}</b></font></td></tr>
<tr><td align="center"><font color="#888888">[2024-03-07]&nbsp;&nbsp;撰稿：吴敏&nbsp;&nbsp;审核：学院办公室&nbsp;&nbsp;阅读次数：176</font></td></tr>
<tr><td><font style="font-size:14px;line-height:26px">{''.join('&nbsp;&nbsp;&nbsp;&nbsp;' + p + '<br><br>' for p in paras)}</font></td></tr>
</table></td></tr></table>
<table width="778" align="center"><tr><td align="center"><font size="2">化学学院 版权所有 2004-2024</font></td></tr></table>
</body></html>"""
    mf.write("font_td_gbk", html, title, paras, "2024-03-07T00:00:00+08:00", "吴敏", encoding="gbk")


def people_like():
    title = "高校实验室开放共享按下“加速键”"
    paras = [
        "本报南屏3月10日电（记者何雯）近日，南屏市12所高校联合发布大型仪器设备开放共享目录，涉及仪器设备1600余台（套），总价值超过20亿元。",
        "据介绍，纳入目录的仪器设备将通过统一平台向社会开放预约，中小企业可以按照成本价使用，并可申请科技创新券抵扣部分费用。",
        "东湖理工学院分析测试中心主任告诉记者，以往很多高校的大型仪器存在使用率不高的问题，开放共享后，一台价值千万元的电子显微镜每年可以多服务机时2000多个小时。",
        "南屏市科技局有关负责人表示，下一步将把开放共享情况纳入高校科研条件建设考核，推动更多优质科研资源向社会开放。",
    ]
    html = f"""<!DOCTYPE html><html><head><meta http-equiv="content-type" content="text/html;charset=UTF-8"/>
<meta name="publishdate" content="2024-03-11">
<meta name="source" content="来源：南江日报">
<meta name="author" content="何雯">
<title>{title}--教育--南江网</title></head><body>
<div class="topbar"><div class="w1000"><a href="#">南江网首页</a><a href="#">时政</a><a href="#">社会</a><a href="#">教育</a><a href="#">科技</a></div></div>
<div class="path"><a href="/">南江网</a>&gt;&gt;<a href="/edu">教育</a></div>
<div class="layout rm_txt cf"><div class="col col-1 fl">
<h1>{title}</h1>
<div class="col-1-1 fl">2024年03月11日06:52 | 来源：<a href="#">南江日报</a></div>
<div class="col-1-1 fr"><a href="#">小字号</a></div>
<div class="rm_txt_con cf">
{''.join(f'<p style="text-indent: 2em;">{p}</p>' for p in paras)}
<div class="edit cf">(责编：郭晶、彭磊)</div>
</div>
<div class="box_pic"></div>
<div class="ph_list"><h3>相关新闻</h3><ul><li><a href="#">高校科研仪器共享平台上线</a> 2024-01-19</li><li><a href="#">中小企业用上高校“大国重器”</a> 2023-12-02</li></ul></div>
</div></div>
<div class="foot"><p>南江网版权所有，未经书面授权禁止使用</p></div>
</body></html>"""
    mf.write("people_like", html, title, paras, "2024-03-11T06:52:00+08:00", "何雯")


def douban_group():
    title = "有没有人一起组队参加下个月的校园定向越野？"
    first = [
        "看到体育部发了通知，4月13日在校园里举办定向越野比赛，三人一队，男女不限。",
        "我和室友两个人，还差一个队友。我们都不是很专业，主要是想去玩一玩，顺便锻炼一下身体。",
        "有兴趣的同学可以在下面留言或者豆邮我，最好是能看懂地图的哈哈。",
    ]
    comments = [("晚风", "我我我！地理系的，地图没问题。", "2024-03-16 23:02:11"), ("跑步的猫", "去年参加过，很好玩，就是有点累。", "2024-03-17 09:15:40"), ("楼主", "@晚风 已豆邮你啦", "2024-03-17 10:01:03")]
    items = "".join(f'<li class="clearfix comment-item"><div class="reply-doc content"><div class="bg-img-green"><h4><a href="#">{a}</a><span class="pubtime">{d}</span></h4></div><p class="reply-content">{t}</p><div class="operation_div"><a>回应</a> <a>赞</a></div></div></li>' for a, t, d in comments)
    html = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="UTF-8"><title>{title}</title>
<meta property="og:title" content="{title}"></head><body>
<div class="global-nav"><div class="bd"><a href="#">豆瓣</a> <a href="#">读书</a> <a href="#">电影</a> <a href="#">音乐</a> <a href="#">同城</a> <a href="#">小组</a></div></div>
<div id="wrapper"><div id="content">
<h1>{title}</h1>
<div class="grid-16-8 clearfix"><div class="article">
<div class="topic-content clearfix"><div class="topic-doc"><h3><span class="from">来自: <a href="#">爱跑步的小林</a></span><span class="create-time color-green">2024-03-16 22:41:05</span></h3>
<div class="topic-content"><div class="rich-content topic-richtext">{''.join(f'<p>{p}</p>' for p in first)}</div></div>
<div class="sns-bar"><a>赞</a> <a>收藏</a> <a>转发</a></div></div></div>
<ul id="comments" class="topic-reply">{items}</ul>
</div>
<div class="aside"><div class="mod"><h2>最新讨论</h2><ul><li><a href="#">求推荐学校附近的羽毛球馆</a></li><li><a href="#">四六级备考打卡</a></li></ul></div></div></div>
</div></div>
<div id="footer">© 2005－2024 example.com, all rights reserved</div></body></html>"""
    mf.write("douban_group", html, title, first, "2024-03-16T22:41:05+08:00", "爱跑步的小林")


if __name__ == "__main__":
    for f in [tech_blog, font_td_gbk, people_like, douban_group]:
        f()
    print("wrote", len(os.listdir(mf.OUT)) // 2, "blind pages to", os.path.normpath(mf.OUT))
