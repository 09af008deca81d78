"""What a suggestion (建议) is about, and so which department answers it. The incident
categories name problems ("医疗服务纠纷"), not the things residents propose: "建议多开几班去青山卫生院的
公交" names a clinic, but asks for buses. A proposal's object is the last thing named in the
clause after its verb (Chinese puts the head of a phrase last: 去卫生院的公交 is a bus), and a
bus or a road named there decides, wherever it goes ("开一条公交直达区人民医院")."""
import re
from typing import Optional

# Department codes (api/seed/departments.json) by the things residents propose about.
SUBJECTS = [
    ("JT", r"公交(车|站|线路?)?|班车|站台|候车亭|地铁|轨道交通|客运|出租车|网约车|共享单车|火车|动车|高铁|车站|"
           r"交通|出行|断头路|公路|马路|道路|通道|高速|收费站|路牌|减速(带|装置)?"),
    # Traffic signals and enforcement are the traffic police's.
    ("GA", r"红绿灯|信号灯|斑马线|人行横道|电子眼|抓拍|测速|限速|交警"),
    # Squares and what stands in them are kept with the parks.
    ("GL", r"公园|绿化|绿地|草坪|花坛|行道树|树木|游园|广场|座椅|长椅|椅子|凳子|长凳|凉亭|健身器材|健身设施"),
    # The centres' own service (hours, windows) is the street office's to answer.
    ("JD", r"社区(服务中心|办事处?|居委会|工作人员)?|街道(办事处|办)?|便民服务中心|党群服务中心|办事大厅|服务窗口"),
    ("ZF", r"厕所|公厕|垃圾分类|垃圾桶|垃圾箱|分类桶|环卫|摊位|夜市|早市|停车位|车位|店招"),
    ("ZJ", r"路灯|高杆灯|人行道|小区|物业|加装电梯|老旧小区|停车场|充电桩|房地产|天然气|供水|自来水"),
    ("MZ", r"老年食堂|长者食堂|助餐|养老|老年活动|老人活动|老年大学|活动室|老年人|老人|老头老太|敬老|殡葬|墓地"),
    ("JY", r"学校|幼儿园|小学|中学|初中|高中|学生|学位|教育|托育|课外"),
    ("WJ", r"医院|卫生院|卫生服务中心|社区医生|家庭医生|看病|就医|疫苗|体检"),
    ("RS", r"就业|招聘|社保|养老保险|工资|技能培训|职业培训"),
    ("HB", r"污染|空气质量|噪音|噪声|排污"),
]
_SUBJECTS = [(code, re.compile(p)) for code, p in SUBJECTS]
# The verb of a proposal; its object follows, up to the end of the clause.
TRANSPORT = "JT"
PROPOSING = re.compile(r"(开[一两几]?[条个家班趟所]|增设|增开|增加|多开|多设|多建|多放|多修|新建|修建|建设|建|开通|加装|安装|设立|设置|配备|改造|开设|规划|完善|改善|调整|取消|恢复)")
CLAUSE_END = re.compile(r"[，。；！？,;!?\s]")  # residents type spaces for commas


def _last_subject(text: str) -> Optional[str]:
    found = [(m.end(), code) for code, p in _SUBJECTS for m in p.finditer(text)]
    if any(code == TRANSPORT for _, code in found):
        return TRANSPORT  # a bus "直达区人民医院" names where it goes; it is still a bus
    return max(found)[1] if found else None


def department_of(text: str) -> Optional[str]:
    """The department a suggestion belongs to, by what it proposes; None when it names nothing
    known (the classifier's reading, or the command centre, decides then)."""
    t = text or ""
    for verb in PROPOSING.finditer(t):
        clause = CLAUSE_END.split(t[verb.end():], maxsplit=1)[0]
        code = _last_subject(clause)
        if code:
            return code
    return _last_subject(CLAUSE_END.split(t, maxsplit=1)[0]) or _last_subject(t)
