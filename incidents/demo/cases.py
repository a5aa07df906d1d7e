"""The demo's cases: what each incident is, who reported it, and how far its workflow has come by now."""

from dataclasses import dataclass

from incidents.models import Status

S = Status
# fmt: off
URL = {
    "微博": "https://weibo.example.com/", "抖音": "https://www.douyin.example.com/video/",
    "快手": "https://www.kuaishou.example.com/short-video/", "百度贴吧": "https://tieba.example.com/p/",
    "微信公众号": "https://mp.weixin.example.com/s/", "小红书": "https://www.xiaohongshu.example.com/explore/",
    "知乎": "https://www.zhihu.example.com/question/",
}
PROGRESS = [
    "已与发帖人取得联系并说明核查进展，相关帖文热度趋于平稳。",
    "整改措施正在落实，原帖评论数未明显增加，继续关注。",
    "今日巡查微博、抖音、贴吧等平台，未发现新的负面信息。",
    "已召集相关学生当面沟通，当事人情绪稳定，原帖下已有学生补充说明情况。",
]
STATEMENT_HOLDING = "近日，网上出现“{title}”的相关信息。学校已关注到相关情况，正在调查核实，将及时公布处理结果。"
STATEMENT = ("关于网民反映“{title}”有关情况的说明\n\n近日，有网民反映“{title}”。学校高度重视，立即组织核查。"
             "经核实，{fix}。\n\n感谢广大师生和社会各界的关心和监督，如有问题欢迎通过学校官方渠道反映。")
REJECT_COMMENT = "通稿仅有表态，未说明核查结论和整改措施，请补充后重新报送。"
RETURN_COMMENT = "处置情况未写明整改完成时间和对当事人的回访情况，请补充后由部门负责人重新签字报送。"
ADDENDUM = "补充：整改已全部完成，已逐一回访反映问题的当事人，当事人对处理结果表示认可。"
LEADER_OPINION = "同意处置方案。请责任部门抓好整改落实，持续关注网上动态，防止舆情反弹。"
FILE_COMMENT = "处置及时，材料齐全，同意备案。"
REVIEW_SUMMARY = "舆情发现及时，研判准确；回复通稿经党政办审定后发布，舆情平息。不足：首次回应偏慢。"
REVIEW_IMPROVEMENTS = "完善夜间值班联络机制，首次回应控制在 2 小时以内。"
ARCHIVE_NOTE = "已召开复盘分析会；处置表、回复通稿和互通信息齐全，归入工作档案。"
FOLLOW_UP = "处置结束后持续关注相关平台三天，未见新的负面信息；已在部门会议上通报，举一反三完善相关制度。"
# fmt: on


@dataclass
class Case:
    key: str
    ago: float  # days before now the report came in
    reporter: str
    category: str | None
    level: int | None  # at 研判
    dept: str | None  # responsible department at 研判
    status: str  # where the case stands now
    title: str
    summary: str
    sources: list[tuple[str, str]]  # platform, path after URL[platform] ("" = no address)
    fix: str = ""  # what the department did: used in the statement, the end and the form
    dur: float = 30  # hours from 研判 to 处置结束
    change: tuple | None = None  # (hours after 研判, new level, reason)
    reassign: tuple | None = None  # (hours after 研判, department code, reason)
    reports: int | None = None  # only this many 互通信息, so the exchange deadline is overdue now
    duties: int = 4  # how many level-1 duties the office has recorded
    stmt: str = "published"  # how far the reply statement got: draft, submitted, rejected, published
    reject: bool = False  # 党政办 rejects the first version
    returned: bool = False  # the office returns the form once
    late: bool = False  # the form reaches the office after the 12 hours
    unsigned: bool = False  # the head has been asked to sign and the leader's opinion is awaited (待办 of both)
    waived: str = ""  # the office records why the leader's opinion is waived, instead of the opinion
    merge_into: str = ""
    team: bool = False  # the department records its 舆情处置小组 (with an outsider) right after 研判


S = Status
# fmt: off
CASES = [
    Case("canteen_old", 58, "xsc_liaison", "C", 3, "HQBWC", S.ARCHIVED, dur=28,
         title="百度贴吧热帖称二食堂部分窗口饭菜涨价", sources=[("百度贴吧", "8934127765")],
         summary="贴吧网友发帖称二食堂面食、盖饭窗口近期每份涨价1至2元，份量却减少，跟帖80余条，多为本校学生。",
         fix="后勤保卫处会同膳食管理委员会核查价格台账，督促承包方恢复原价，统一公示菜品价格和份量标准"),
    Case("history_video", 55, "xtw_liaison", "A", 1, "ZNZZ", S.ARCHIVED, dur=40,
         title="学生在抖音发布歪曲历史的不当言论视频并标注学校名称",
         sources=[("抖音", "7298311045261"), ("微博", "5823416790/NbXq1aZ3k")],
         summary="一名学生在个人抖音账号发布含有歪曲党史、调侃英烈内容的短视频，定位显示学校名称，已有网友截图转发并@学校官方账号。",
         fix="学院第一时间联系当事学生删除视频并开展谈心谈话和思想教育，配合网信部门处置转发内容，在全院开展网络文明和历史观教育"),
    Case("makeup_fee", 50, "jwkyc_liaison", "B", 2, "JWKYC", S.ARCHIVED, dur=56, reject=True,
         title="微博网友质疑学校补考收费标准", sources=[("微博", "6128840371/NcA7kP2mQ")],
         summary="微博用户发文称学校补考每门收费100元属于“乱收费”，并附补考缴费通知截图，转发300余次。",
         fix="教务科研处核实补考收费依据和物价部门批复文件，在官网公开收费依据，对家庭经济困难学生按规定减免"),
    Case("teacher_remark", 46, "znzz_liaison", "D", 2, "ZNZZ", S.ARCHIVED, dur=50,
         title="小红书帖文反映某教师课堂言语不当", sources=[("小红书", "65a3f1c2000000001e03b7d4")],
         summary="学生在小红书发帖称某专业课教师在课堂上用侮辱性语言批评学生，帖子配有课堂录音片段，评论区要求学校给出说法。",
         fix="学院成立调查组听取录音、走访班级学生，对当事教师批评教育并责令其向学生道歉，按师德师风有关规定作出处理"),
    Case("internship", 42, "jyc_liaison", "C", 2, "JYC", S.ARCHIVED, dur=60, reports=1,  # one day missed
         title="学生在微博投诉顶岗实习单位超时加班、克扣实习补贴",
         sources=[("微博", "7735021946/NdK2sW8vB"), ("知乎", "6234501128")],
         summary="多名在外地电子厂顶岗实习的学生在微博发文，称每天工作12小时、实习补贴被以“管理费”名义扣除，话题阅读量超过5万。",
         fix="就业处会同二级学院赴实习单位核查，督促企业按协议补发实习补贴、规范工时，对不愿继续实习的学生另行安排岗位"),
    Case("fire_rumour", 35, "hqbwc_liaison", "E", 1, "HQBWC", S.ARCHIVED, dur=50, duties=2, team=True,
         change=(8, 2, "经核实视频系学校组织的消防应急疏散演练，无人员伤亡和财产损失，网传“宿舍楼起火”不实，热度明显下降。"),
         title="网传“学生宿舍楼起火”视频在抖音、微博传播",
         sources=[("抖音", "7310042258871"), ("微博", "5531187420/Ne1xR4tTz")],
         summary="网传视频显示学校某学生宿舍楼冒出浓烟、学生跑向楼外，配文“自贡某高校宿舍起火”，播放量上万，有家长来电询问。",
         fix="后勤保卫处核实视频系消防应急疏散演练现场，联系发布者补充说明，学校官方账号发布演练情况说明并回应家长询问"),
    Case("admission_promise", 28, "zsc_liaison", "B", 3, "ZSC", S.ARCHIVED, dur=26,
         title="家长在微信群质疑招生宣传中“包就业”的说法", sources=[("新生家长微信群（截图）", "")],
         summary="新生家长微信群流传聊天截图，称招生咨询时有人承诺“包就业、包进大厂”，家长质疑学校虚假宣传。",
         fix="招生处核查招生宣传材料和咨询记录，确认截图系校外中介所发，向家长说明学校招生政策并提醒谨防中介虚假宣传"),
    Case("lab_pc", 25, "xxgc_liaison", "C", 3, "XXGC", S.FILED,
         reassign=(3, "SXZX", "机房计算机由实训（信息）中心统一管理维护，改由该中心牵头处置。"),
         title="学生反映机房电脑老旧、上机考试频繁死机", sources=[("百度贴吧", "8951203377")],
         summary="学生在贴吧发帖称上机考试时机房电脑多次死机、答题记录丢失，质疑学校设备老旧不更新，跟帖称“考试全凭运气”。",
         fix="实训（信息）中心对机房设备逐台检修，更换故障硬盘和内存，组织受影响学生重新考试，并制定机房设备更新计划"),
    Case("grant_delay", 21, "jcc_liaison", "B", 2, "JCC", S.FILED, dur=52, late=True,
         title="网帖质疑国家助学金发放延迟", sources=[("知乎", "6301128847")],
         summary="知乎提问“自贡某职院助学金为什么拖了两个月还没发”，有回答称资金被学校挪用，浏览量2万余次。",
         fix="计财处说明助学金因上级资金下达晚于往年而延迟，核实当日即完成发放，并通过学生处公众号公布发放进度"),
    Case("adult_ed_fee", 16, "jxjyxy_liaison", "B", 3, "JXJYXY", S.FILED, dur=28, returned=True,
         title="成人学历教育学员在贴吧质疑函授站点额外收费", sources=[("百度贴吧", "8977710452")],
         summary="成人学历教育学员发帖称某校外函授站点额外收取“资料费”“考前辅导费”，与学校公布的收费标准不一致。",
         fix="继续教育学院约谈函授站点负责人，责令停止额外收费并退还学员费用，对该站点予以通报批评"),
    Case("relocation_bonus", 12, "rsc_liaison", "D", 2, "RSC", S.FILED, dur=54,
         title="网帖反映新进教师人才引进安家费未按期兑现", sources=[("微博", "6620938815/Nf3uT9yLd")],
         summary="网友在微博自称学校新进教师，称人才引进时承诺的安家费一年未兑现，多名网友跟帖议论高校“画饼”。",
         fix="人事处会同计财处核查人才引进协议，说明安家费按协议分期发放的安排，与当事教师当面沟通并发放第一期款项"),
    Case("dorm_power", 7, "xsc_liaison", "C", 3, "XSC", S.FORM_SUBMITTED,
         title="学生在小红书吐槽宿舍夜间断电断网时间过早", sources=[("小红书", "6551b2e0000000002a01c9f3")],
         summary="学生在小红书发帖称宿舍晚上11点统一断电断网，影响复习备考，帖子获赞2000余次，不少学生留言要求推迟断电时间。",
         fix="学生处召开学生座谈会听取意见，考试周期间断电时间推迟至24点，并开放通宵自习室"),
    Case("counselor_reviews", 5, "jjgl_liaison", "D", 2, "JJGL", S.FORM_SUBMITTED, dur=40,
         title="学生在抖音发视频称辅导员要求给合作企业“刷好评”", sources=[("抖音", "7312098874410")],
         summary="学生在抖音发视频称辅导员在班级群要求学生给合作企业的网店刷好评，否则影响综合测评，视频评论600余条。",
         fix="学院调查核实后责令当事辅导员撤回要求并在班级群公开说明，对其进行诫勉谈话，重申学生综合测评规则"),
    Case("concert_crowd", 4, "xtw_liaison", "E", 2, "XTW", S.FORM_SUBMITTED,
         waived="分管院领导在外地参加培训期间，经电话请示同意处置方案，由领导小组办公室登记免填。",
         title="校园歌手大赛现场拥挤，网传发生“踩踏”",
         sources=[("微博", "5931007264/Ng8pL2cXw"), ("抖音", "7313547789002")],
         summary="校园歌手大赛决赛入场时观众拥挤，有人在微博发文称“发生踩踏、多人受伤”，配有现场拥挤视频。",
         fix="校团委核实现场仅两名学生轻微擦伤并已在校医室处理，未发生踩踏；官方账号发布情况说明，今后大型活动分区凭票入场"),
    Case("water_heater", 8, "hqbwc_liaison", "C", 3, "HQBWC", S.RETURNED, dur=36, returned=True,
         title="学生反映宿舍热水器坏了一周无人维修", sources=[("百度贴吧", "8990034561")],
         summary="学生发帖称宿舍热水器故障一周、多次报修无人上门，冬天只能洗冷水澡，跟帖反映多栋宿舍有类似情况。",
         fix="后勤保卫处督促物业维修班组48小时内清理积压工单，更换故障热水器12台，开通报修进度线上查询"),
    Case("exam_clash", 6, "jwkyc_liaison", "C", 2, "JWKYC", S.RETURNED, dur=36, returned=True,
         title="期末考试安排冲突，同一时段排考两门课程", sources=[("微信公众号", "Xk3f9aQ2LmP7")],
         summary="学生向“校园树洞”公众号投稿，称期末考试同一时段安排了两门课程，重修学生无法参加，教务答复“自行解决”。",
         fix="教务科研处逐一排查考试安排冲突，为37名冲突学生单独安排考场和时间，并就答复不当向学生致歉"),
    Case("quota_rumour", 3, "zsc_liaison", "B", 2, "ZSC", S.DISPOSAL_ENDED, dur=41,  # filing overdue
         title="网传学校单招考试有“内部名额”可花钱购买", sources=[("快手", "3xq8m2t9kd4e6ab")],
         summary="有人在快手发布视频称可花钱购买学校单招“内部名额”，并留下联系方式，评论区有家长询问价格。",
         fix="招生处确认学校单招从无“内部名额”，已向公安机关报案并向平台举报，学校官方账号发布声明提醒考生和家长防范诈骗"),
    Case("graduate_stamps", 1.5, "jyc_liaison", "C", 3, "JYC", S.DISPOSAL_ENDED, dur=26,  # filing due soon
         title="毕业生反映办理就业推荐表需多部门来回盖章", sources=[("小红书", "6559a7d1000000001f02e8b6")],
         summary="毕业生在小红书吐槽办理就业推荐表要在二级学院、学生处、就业处之间来回盖章，一周还没办完。",
         fix="就业处简化盖章流程，就业推荐表实行一站式办理，当日办结"),
    Case("photo_copyright", 2, "rmtzx_liaison", "B", 3, "RMTZX", S.DISPOSAL_ENDED, dur=42, unsigned=True,
         title="网友质疑学校官网新闻使用未经授权的摄影作品", sources=[("微博", "6007215538/Nh5vQ1eKz")],
         summary="一名摄影爱好者在微博发文，称学校官网一篇新闻的配图使用其作品却未署名、未获授权，要求公开道歉。",
         fix="融媒体中心核实后撤换配图，与作者沟通致歉并支付稿酬，规范新闻图片使用审核流程"),
    Case("canteen_video", 4.2, "xsc_liaison", "C", 3, "HQBWC", S.IN_DISPOSAL, reports=1,  # exchange overdue
         change=(20, 2, "抖音视频播放量超过10万并被本地自媒体转载，评论区出现集中质疑，容易发酵。"),
         title="抖音视频称食堂饭菜涨价，学生“吃不起”",
         sources=[("抖音", "7315520031846"), ("微信公众号", "Lm82hQz0Vr4c")],
         summary="学生在抖音逐一展示食堂各窗口价格并配文“一顿饭15元，职校生吃不起”，点赞1.2万，本地自媒体账号已转载。",
         fix="后勤保卫处牵头核查食堂成本和定价，督促承包方增设平价窗口，每日公示菜价并接受膳食委员会监督"),
    Case("canteen_repost", 4.0, "staff1", None, None, None, S.MERGED, merge_into="canteen_video",
         title="班级群转发食堂涨价抖音视频", sources=[("抖音", "7315520031846"), ("班级微信群（截图）", "")],
         summary="学生在班级微信群转发“食堂饭菜吃不起”抖音视频，多名学生附和，怀疑学校向食堂收取高额“管理费”。"),
    Case("injury_live", 1.6, "jyc_liaison", "E", 2, "JYC", S.IN_DISPOSAL, reports=4, duties=3,  # overdue
         change=(6, 1, "家长在抖音直播维权，直播间在线人数过千，多家自媒体跟进报道，已造成较大负面影响。"),
         title="家长在抖音直播称学生实习受伤、学校推诿", sources=[("抖音", "7318864025571")],
         summary="一名学生在校外实习单位操作设备时手部受伤，家长在抖音发视频称学校和企业互相推诿、不承担医疗费用，并预告直播维权。",
         fix="就业处会同二级学院负责人赴医院看望学生，督促实习单位先行垫付医疗费用并启动实习责任保险理赔，与家长达成一致"),
    Case("political_repost", 0.4, "xxgc_liaison", "A", 1, "XXGC", S.IN_DISPOSAL, stmt="submitted", duties=2,
         title="学生在微博转发含有错误政治观点的帖文", sources=[("微博", "7012338460/Ni2wM7hRf")],
         summary="一名学生在个人微博转发并评论含有错误政治观点的境外帖文，被网友截图私信举报至学校官方微博。",
         fix="学院辅导员第一时间约谈学生，学生已删除相关内容并作出书面检讨，学院开展专题教育"),
    Case("study_guides", 3, "znzz_liaison", "D", 2, "ZNZZ", S.IN_DISPOSAL, stmt="rejected", reject=True,
         title="网帖称某教师向学生推销自编教辅资料", sources=[("百度贴吧", "9001876623")],
         summary="学生在贴吧发帖称某专业课教师要求全班购买其自编教辅资料，每本68元，不买的“平时分扣光”。",
         fix="学院调查核实教辅资料征订情况，责令停止强制征订并退还已收费用，按师德师风有关规定处理当事教师"),
    Case("fitness_scores", 2.5, "jwkyc_liaison", "C", 3, "JWKYC", S.IN_DISPOSAL,
         title="学生质疑体质健康测试成绩录入错误", sources=[("小红书", "655f03aa000000001b0254d8")],
         summary="学生在小红书发帖称体测成绩被录错、多项显示不及格，影响评优，询问多次无人答复。"),
    Case("league_award", 1.2, "xtw_liaison", "B", 2, "XTW", S.IN_DISPOSAL, stmt="draft",
         title="网友质疑“优秀共青团员”评选过程不公开", sources=[("微博", "5788102934/Nj7yB3nQs")],
         summary="学生在微博发文称学院“优秀共青团员”名单未经公示直接公布，质疑评选“内定”，部分学生转发。",
         fix="校团委公开评选办法、推荐程序和得票情况，补充公示5个工作日，设立异议受理渠道"),
    Case("campus_wifi", 0.8, "sxzx_liaison", "C", 3, "SXZX", S.IN_DISPOSAL,
         title="校园网晚间频繁掉线，学生在贴吧集中吐槽", sources=[("百度贴吧", "9012245590")],
         summary="近一周每晚9点后校园网频繁掉线，学生在贴吧集中吐槽“交了网费用不了”，有人号召集体退费。"),
    Case("cleaner_wages", 5.5, "hqbwc_liaison", "D", 2, "HQBWC", S.IN_DISPOSAL,
         title="后勤外包保洁人员在抖音反映工资被拖欠", sources=[("抖音", "7316409920513")],
         summary="后勤外包公司的保洁人员在抖音发视频称已两个月未领到工资，画面中有学校校门和教学楼，评论称“学校欠薪”。",
         fix="后勤保卫处约谈外包公司负责人，督促其三日内结清拖欠工资，并从合同履约保证金中预留保障资金"),
    Case("cockroaches", 0.15, "xsc_liaison", None, None, None, S.REPORTED,
         title="小红书帖文称宿舍楼出现蟑螂、卫生差", sources=[("小红书", "6560c8e4000000001c03a7f1")],
         summary="学生在小红书发布宿舍楼道垃圾堆积、蟑螂出没的照片，配文“这是大学宿舍？”，点赞数正在上升。"),
    Case("fake_account", 0.3, "rmtzx_liaison", None, None, None, S.REPORTED,
         title="微博出现冒用学校名义的“招生咨询”账号", sources=[("微博", "7423006619/Nk1cT5pHv")],
         summary="微博出现名为“自贡职院招生咨询处”的账号，使用学校校徽，发布收费“保录取”信息。"),
    Case("holiday_rumour", 0.05, "jjgl_head", None, None, None, S.REPORTED,
         title="网传“学校将取消寒假”的通知截图", sources=[("QQ群、朋友圈（截图）", "")],
         summary="学生QQ群和朋友圈流传一张“关于取消寒假集中补课的通知”截图，落款为学校教务部门，引起学生和家长议论。"),
]
# fmt: on
ORDER = [S.REPORTED, S.IN_DISPOSAL, S.DISPOSAL_ENDED, S.FORM_SUBMITTED, S.RETURNED, S.FILED, S.ARCHIVED]


def reached(case: Case, status: Status) -> bool:
    return ORDER.index(case.status) >= ORDER.index(status)
