"""Every kind of notice a sender writes has its Chinese name on the bell page and in its filter."""

import re
from pathlib import Path

from notifications.kinds import KIND_LABELS, OTHER_KIND, kind_label

ROOT = Path(__file__).resolve().parents[2]
SENDERS = ["incidents", "meetings", "bulletins", "monitoring"]
# The stages the sweeps put into their kinds (kind=f"deadline_{name}", f"risk_{stage}", f"nil_report_{stage}").
STAGES = {
    "deadline_{name}": ["reminder", "overdue", "escalation"],
    "risk_{stage}": ["reminder", "overdue", "escalation"],
    "nil_report_{stage}": ["reminder", "overdue"],
}


def written_kinds() -> set[str]:
    kinds: set[str] = set()
    for app in SENDERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            if not any(word in source for word in ("notify", "Message(", "Tell(")):
                continue
            kinds |= set(re.findall(r'\bkind="([a-z_]+)"', source))
            kinds |= set(re.findall(r'Tell\(\s*[^"]*?,\s*"([a-z_]+)"', source, re.S))
            for template, stages in STAGES.items():
                if f'kind=f"{template}"' in source:
                    kinds |= {template.split("{")[0] + stage for stage in stages}
    return kinds


def test_every_kind_a_sender_writes_has_a_chinese_name():
    kinds = written_kinds()
    assert {"incident_reported", "level_alert", "deadline_escalation", "bulletin_unread"} <= kinds
    missing = kinds - set(KIND_LABELS)
    assert not missing, f"无中文名称的通知类型：{sorted(missing)}"


def test_an_unknown_kind_is_named_as_other():
    assert kind_label("level_one_alert") == "一级舆情报告"
    assert kind_label("something_new") == OTHER_KIND
