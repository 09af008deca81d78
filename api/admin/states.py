"""Names of the admin domain's states and reasons, with the labels admins read."""
from api.core.labels import Labelled


class ReviewReason(Labelled):
    LOW_CONFIDENCE = ("low confidence", "把握不大")
    FALLBACK = ("fallback", "没听懂")
    CLARIFY_UNRESOLVED = ("clarify unresolved", "追问未解决")
    HANDOFF = ("handoff", "理解错后转人工")
    STAFF_FLAGGED = ("staff flagged", "工作人员标记理解错")
    STAFF_CORRECTED = ("staff corrected", "工作人员改了去向")


class ReviewStatus(Labelled):
    OPEN = ("open", "待处理")
    LABELLED = ("labelled", "已标注")
    NOISE = ("noise", "无效消息")


class RunState(Labelled):
    RUNNING = ("running", "训练中")
    EVALUATING = ("evaluating", "评估中")
    DONE = ("done", "已完成")
    FAILED = ("failed", "失败")
    CANCELLED = ("cancelled", "已取消")


class ModelStatus(Labelled):
    CANDIDATE = ("candidate", "待启用")
    ACTIVE = ("active", "使用中")
    RETIRED = ("retired", "已停用")
    BROKEN = ("broken", "无法加载")
