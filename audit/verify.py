"""Walk the security log's chain and name the first row that is not what was written."""

from dataclasses import dataclass

from .models import ChainHead, SecurityEvent
from .services import GENESIS, row_hash


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    message: str
    first_bad_seq: int | None = None


def verify_chain(batch: int = 2000) -> Verdict:
    head = ChainHead.objects.filter(pk=1).first()
    expected_seq = (head.anchor_seq if head else 0) + 1
    expected_prev = head.anchor_hash if head else GENESIS
    checked = 0
    for event in SecurityEvent.objects.order_by("seq").iterator(chunk_size=batch):
        if event.seq != expected_seq:
            return Verdict(
                False,
                checked,
                f"缺少序号 {expected_seq} 的记录（下一条是 {event.seq}）：记录被删除或插入。",
                expected_seq,
            )
        if event.prev_hash != expected_prev:
            return Verdict(
                False,
                checked,
                f"序号 {event.seq} 的记录与前一条接不上：前一条被改动、删除或调换。",
                event.seq,
            )
        if event.row_hash != row_hash(event):
            return Verdict(
                False, checked, f"序号 {event.seq} 的记录内容与其哈希不符：该记录被改动。", event.seq
            )
        checked += 1
        expected_seq, expected_prev = event.seq + 1, event.row_hash
    last_seq = head.last_seq if head else 0
    if expected_seq - 1 != last_seq or (head and expected_prev != head.last_hash):
        return Verdict(
            False,
            checked,
            f"链尾应为序号 {last_seq}，实际止于 {expected_seq - 1}：末尾的记录被删除。",
            expected_seq,
        )
    return Verdict(True, checked, f"安全日志链完整：核验 {checked} 条记录，无改动、删除或调换。")
