"""manage.py seed_demo_leads: the 实训（信息）中心's monitoring account and a few 线索 in the demo — waiting,
merged and dismissed (after seed_demo; skipped when leads exist or the demo college is missing)."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image, ImageDraw

from departments.models import Department, User
from incidents.models import Incident
from leads import services
from leads.models import Lead
from opinion_system import clock

MONITOR = "sxzx_monitor"
SOURCE = "校园舆情监测平台"
# (hours ago, platform, url, title, text, external id)
ITEMS = [
    (30, "百度贴吧", "https://tieba.baidu.com/p/8812345601", "吧友称学校图书馆空调一周未开",
     "帖子称图书馆三楼自习区空调一周未开启，室温超过 30 度，已有二十余条回复。", "MON-20261101"),
    (6, "微博", "https://weibo.com/7712345678/PqRsTuVw", "网传某专业期末考试泄题",
     "博主称某专业期末考试题目考前在群内流传，配有聊天截图，转发 80 余次。", "MON-20261102"),
    (3, "抖音", "https://www.douyin.com/video/7301234567890123456", "学生拍摄食堂排队过长视频",
     "视频显示午餐高峰时段第二食堂排队至门外，点赞 1200 余次，评论多为吐槽。", "MON-20261103"),
    (1, "小红书", "https://www.xiaohongshu.com/explore/65a1b2c3d4e5f6a7b8c9d0e1", "新生咨询宿舍是否可以使用电热毯",
     "新生发帖询问宿舍能否使用电热毯，评论区有人称被宿管没收，讨论较平和。", "MON-20261104"),
    (50, "微信公众号", "https://mp.weixin.qq.com/s/AbCdEfGhIjKlMnOp", "培训机构借学校名义招生广告",
     "某培训机构公众号文章冒用学校名义宣传“包过”培训班。", "MON-20261099"),
]  # fmt: skip


def _capture(colour: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (360, 640), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 360, 60), fill=colour)
    for y in range(90, 600, 40):
        draw.rectangle((20, y, 340, y + 16), fill="#d0d0d0")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("capture.png", buffer.getvalue(), content_type="image/png")


class Command(BaseCommand):
    help = "载入演示用的线索：实训（信息）中心的监测账号推送的待处理、已并入和已排除的线索。"

    def handle(self, *args, **options):
        center = Department.objects.filter(duty=Department.Duty.INFO_CENTER).first()
        if Lead.objects.exists() or center is None:
            self.stdout.write("线索已有记录或尚无实训（信息）中心，跳过。")
            return
        monitor = User.objects.filter(username=MONITOR).first()
        if monitor is None:
            # A service account: it pushes through the API and never signs in to the pages.
            monitor = User(username=MONITOR, full_name="舆情监测平台", department=center)
            monitor.set_unusable_password()
            monitor.save()
        office = User.objects.get(username="office1")
        now = timezone.now()
        pushed = {}
        for hours, platform, url, title, text, external_id in ITEMS:
            with clock.travel(now - dt.timedelta(hours=hours)):
                lead, _ = services.lead_receive(
                    submitted_by=monitor,
                    platform=platform,
                    url=url,
                    title=title,
                    text=text,
                    captured_at=clock.now() - dt.timedelta(minutes=20),
                    source_system=SOURCE,
                    external_id=external_id,
                    screenshot=_capture("#e6162d" if platform == "微博" else "#3388ff"),
                )
            pushed[external_id] = lead
        with clock.travel(now - dt.timedelta(hours=40)):
            services.lead_dismiss(
                lead=pushed["MON-20261099"],
                actor=office,
                reason="培训机构广告，与学校工作无关；已告知宣传部门关注冒用校名问题。",
            )
        canteen = (
            Incident.objects.filter(title__contains="食堂").exclude(status__in=["archived", "merged"]).first()
        )
        if canteen is not None:
            with clock.travel(now - dt.timedelta(hours=2)):
                services.lead_merge(lead=pushed["MON-20261103"], into=canteen, actor=office)
        self.stdout.write(self.style.SUCCESS(f"已载入线索 {Lead.objects.count()} 条（监测账号 {MONITOR}）。"))
