"""HTTP routes of the service guide: items, search, composed answers, catalogue import/export."""
from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from api.core.db import WriteSession
from api.core.deps import reading, require_admin_token, require_service_token
from api.guide import catalogue, index, nlu_resources
from api.guide.assist import answer
from api.guide.models import ServiceItem
from api.guide.replies import AnswerRequest, AnswerResponse
from api.guide.search import decide

# For the action server and staff tools only: the service token (or the admin token).
router = APIRouter(prefix="/api", dependencies=[Depends(require_service_token)])


@router.get("/services")
def list_services(session=Depends(reading)):
    rows = session.execute(select(ServiceItem.code, ServiceItem.name).order_by(ServiceItem.code)).all()
    return [{"code": c, "name": n} for c, n in rows]


@router.get("/services/{code}")
def get_service(code: str, session=Depends(reading)):
    item = session.scalars(select(ServiceItem).where(ServiceItem.code == code)).first()
    if item is None:
        raise HTTPException(404, f"没有编码为 {code} 的事项")
    rec = {f: getattr(item, f) for f in catalogue.ITEM_FIELDS}
    rec["department"] = {"code": item.department.code, "name": item.department.name}
    return rec


@router.get("/search")
def search(q: str = "", limit: int = 5):
    if len(q) > 2000:
        raise HTTPException(422, "查询过长（最多2000字）")
    matches = index.current().search(q, limit=max(1, min(limit, 20)))
    decision, chosen = decide(matches)
    return {"decision": decision,
            "chosen": [m.code for m in chosen],
            "candidates": [{"code": m.code, "name": m.name, "score": round(m.score, 3), "matched": m.term, "how": m.how}
                           for m in matches]}


@router.post("/assist/service-answer", response_model=AnswerResponse)
def service_answer(req: AnswerRequest, session=Depends(reading)):
    return answer(session, index.current(), req)


@router.get("/catalogue/export")
def export(session=Depends(reading)):
    return catalogue.export_catalogue(session)


@router.post("/catalogue/import", dependencies=[Depends(require_admin_token)])
async def import_(request: Request, replace: bool = False):
    try:
        doc = await request.json()
    except ValueError:
        raise HTTPException(422, "不是合法的 JSON") from None
    try:
        counts = await run_in_threadpool(_import, doc, replace)  # long, and may wait for the write lock
    except IntegrityError as e:
        raise HTTPException(422, f"导入与现有数据冲突，未做任何修改：{e.orig}") from None
    index.invalidate()
    await run_in_threadpool(nlu_resources.write_resources)  # the jieba dictionary and lookup tables follow
    return counts


def _import(doc, replace: bool) -> dict:
    with WriteSession() as session:
        return catalogue.import_catalogue(session, doc, replace=replace)
