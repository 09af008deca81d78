"""The audit log: every staff action, who did it and when."""
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core import clock
from api.core.labels import Labelled
from api.staff.models import AuditEntry, StaffSession, StaffUser


class AuditAction(Labelled):
    SIGN_IN = ("sign-in", "登录")
    SIGN_OUT = ("sign-out", "退出")
    SIGN_IN_FAILED = ("sign-in failed", "登录失败")
    VIEW = ("view", "查看会话")
    CLAIM = ("claim", "认领")
    REPLY = ("reply", "回复")
    NOTE = ("note", "内部备注")
    TRANSFER = ("transfer", "转交")
    RESOLVE = ("resolve", "结束会话")
    HAND_BACK = ("hand back", "交回助手")
    FILE_TICKET = ("file ticket", "代登记工单")
    LINK_TICKET = ("link ticket", "关联工单")
    # The console's canned phrases, edited by supervisors and admins.
    ADD_PHRASE = ("add phrase", "新增常用语")
    EDIT_PHRASE = ("edit phrase", "修改常用语")
    DELETE_PHRASE = ("delete phrase", "删除常用语")
    # Admins keeping the assistant good (api/admin): the inbox, training, models, the catalogue.
    FLAG_MISUNDERSTOOD = ("flag misunderstood", "标记助手理解错")
    LABEL = ("label", "标注消息")
    MARK_NOISE = ("mark noise", "标为无效消息")
    START_TRAINING = ("start training", "开始训练")
    CANCEL_TRAINING = ("cancel training", "取消训练")
    ACTIVATE_MODEL = ("activate model", "启用模型")
    OVERRIDE_GATE = ("override gate", "强制启用较差模型")
    ROLLBACK_MODEL = ("rollback model", "回滚模型")
    EDIT_SERVICE = ("edit service", "修改办事指南")
    ADD_SERVICE = ("add service", "新增办事指南")
    EDIT_CATEGORY = ("edit category", "修改事件分类")
    ADD_CATEGORY = ("add category", "新增事件分类")
    # Account changes made on the command line (no staff member is signed in: the user is empty).
    ADD_STAFF = ("add staff", "新建账号")
    DEACTIVATE_STAFF = ("deactivate staff", "停用账号")
    RESET_PASSWORD = ("reset password", "重置密码")
    END_SESSIONS = ("end sessions", "强制下线")


class Role(Labelled):
    STAFF = ("staff", "工作人员")
    SUPERVISOR = ("supervisor", "主管")
    ADMIN = ("admin", "管理员")


def audit(session: Session, user: Optional[StaffUser], action: AuditAction, target: str = "", detail: str = "") -> None:
    session.add(AuditEntry(at=clock.now(), user_id=user.id if user else None,
                           action=AuditAction(action).value, target=str(target), detail=(detail or "")[:1000]))


def audit_view(session: Session, sitting: StaffSession, target) -> bool:
    """Record that an agent opened a case, once per case per sitting (sign-in): going back and
    forth between cases must not bury the other entries. True when a row was written."""
    seen = session.scalar(select(AuditEntry.id).where(
        AuditEntry.user_id == sitting.user_id, AuditEntry.action == AuditAction.VIEW.value,
        AuditEntry.target == str(target), AuditEntry.at >= sitting.created_at).limit(1))
    if seen is None:
        audit(session, sitting.user, AuditAction.VIEW, target)
    return seen is None
