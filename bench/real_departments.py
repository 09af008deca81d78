"""The department (and category) chosen for real residents' reports, on the labelled development
set (docs/labelling-guide.md): the incident_report rows, the issue's measure; then, for the whole
catalogue with the learnt reader, the complaint_staff rows too (a complaint about staff goes to a
person, who may still file it to the department the label names).

    .venv/bin/python -m bench.real_departments                  (builds a throw-away database itself)
    .venv/bin/python -m bench.real_departments --split tune --errors

--split train measures the labelled rows the NLU learns from; --split tune the tuning split (never
trained on, so the honest place to read errors); --errors lists them (refused on the development set).

For each way of choosing it prints: category coverage (a category was found), department accuracy
against the label's department, and domain accuracy against the label's domain. The ways:
- the grid catalogue only (the street categories, as before issue #11);
- the whole catalogue (事项分类分级清单 with every department the hotline dispatches to);
- a keyword baseline written here: the first department whose words appear wins, else ZH.
The department of a category is its lead (主办) department: a 小微 case the grid solves on site
(WG) still belongs to that department. Nothing found goes to the command centre, ZH.
"Lenient" accuracy forgives the two annotator inconsistencies the labelling guide names: GA vs ZF
(a category's lead vs the unit that handled it), and 交通运输 vs 公安司法 for traffic-police matters.
"""
from collections import Counter

# The grid (street) categories' groups: the catalogue before it went beyond the street.
GRID_PREFIXES = ("SR", "JM", "SG", "SS", "XA", "WR", "WY", "MD", "TF", "YL", "JX", "QT")

# A category group's domain (the board's department families); anything else by department.
GROUP_DOMAIN = {"环境污染": "环境保护", "交通秩序": "交通运输", "教育": "教育文体", "劳动保障": "劳动和社会保障",
                "医疗卫生": "卫生计生", "市场监管": "商贸旅游", "交通运输": "交通运输", "住房建设": "城乡建设",
                "社会治安": "公安司法", "民政服务": "民政"}
DEPARTMENT_DOMAIN = {"ZJ": "城乡建设", "ZF": "城乡建设", "JD": "城乡建设", "SL": "城乡建设", "GL": "城乡建设",
                     "YJ": "城乡建设", "XF": "城乡建设", "HB": "环境保护", "JT": "交通运输", "JY": "教育文体",
                     "SJ": "商贸旅游", "RS": "劳动和社会保障", "YB": "劳动和社会保障", "WJ": "卫生计生",
                     "MZ": "民政", "CL": "民政", "TY": "民政", "GA": "公安司法", "SF": "公安司法", "SW": "其他",
                     "ZH": "其他"}
LENIENT_DEPARTMENTS = {frozenset({"GA", "ZF"})}
LENIENT_DOMAINS = {frozenset({"交通运输", "公安司法"})}

# The baseline: words that name a department's field, in order (the first that appears wins).
BASELINE = [
    ("JY", ["学校", "中学", "小学", "幼儿园", "学生", "老师", "教师", "补课", "学费", "教育", "培训", "招生"]),
    ("RS", ["工资", "社保", "欠薪", "劳动合同", "农民工", "养老保险"]),
    ("WJ", ["医院", "医生", "诊所", "卫生院", "医疗", "病人", "药"]),
    ("JT", ["公交", "出租车", "驾校", "客车", "网约车", "公路", "村道"]),
    ("HB", ["污染", "废气", "排污", "养猪场", "臭味", "噪音", "噪声"]),
    ("SJ", ["收费", "假货", "退款", "消费", "商家", "价格"]),
    ("GA", ["诈骗", "派出所", "红绿灯", "交警", "违章", "停车", "赌博"]),
    ("ZF", ["违建", "违章搭建", "占道", "摊", "油烟", "垃圾", "城管"]),
    ("ZJ", ["物业", "开发商", "交房", "房屋", "小区", "楼盘", "路灯", "施工"]),
    ("SL", ["饮水", "水库", "采砂", "河道"]),
]


def baseline(text: str) -> str:
    for dept, words in BASELINE:
        if any(w in text for w in words):
            return dept
    return "ZH"


def report_rows(split: str = "dev") -> list:
    """(text, label) for one split's reports: the title, then the message."""
    from scripts import real_messages as rm
    source, ids = rm.messages(), rm.split_ids(split)
    return [(source[x["id"]]["title"] + "。" + source[x["id"]]["message"], x) for x in rm.labels()
            if x["id"] in ids and x["route"] in ("incident_report", "complaint_staff")]


def dev_rows() -> list:
    return report_rows("dev")


def _score(rows, choose) -> dict:
    """choose(text) -> (category code or None, department code, domain)."""
    n = len(rows)
    got = Counter()
    misses = Counter()
    for text, label in rows:
        cat, dept, dom = choose(text)
        got["covered"] += cat is not None
        got["dept"] += dept == label["department"]
        got["dept_lenient"] += dept == label["department"] or frozenset({dept, label["department"]}) in LENIENT_DEPARTMENTS
        got["domain"] += dom == label["domain"]
        got["domain_lenient"] += dom == label["domain"] or frozenset({dom, label["domain"]}) in LENIENT_DOMAINS
        if label["category"]:
            got["labelled"] += 1
            got["cat_ok"] += cat == label["category"]
        if dept != label["department"]:
            misses[(label["department"], dept)] += 1
    return {k: v / n for k, v in got.items() if k not in ("labelled", "cat_ok")} | {
        "grid_category": got["cat_ok"] / max(got["labelled"], 1), "labelled": got["labelled"], "n": n,
        "misses": misses}


def _show(title, r, details=False):
    print(f"{title}: coverage {r['covered']:.3f}, department {r['dept']:.3f} (lenient {r['dept_lenient']:.3f}), "
          f"domain {r['domain']:.3f} (lenient {r['domain_lenient']:.3f}), grid category {r['grid_category']:.3f} "
          f"on the {r['labelled']} with one  (n={r['n']})")
    if details:
        print("    most common misses (label -> chosen):",
              ", ".join(f"{a}->{b} {k}" for (a, b), k in r["misses"].most_common(12)))


def _errors(rows, choose):
    """Wrong departments, to read (never called on the development set)."""
    for text, label in rows:
        cat, dept, _ = choose(text)
        if dept != label["department"]:
            print(f"- {label['id']} gold {label['department']}/{label['category']} chose {dept}/{cat}: "
                  f"{text[:160]!r}")


def run(split: str = "dev", errors: bool = False):
    if errors and split == "dev":
        raise SystemExit("errors are listed for the training or tuning split only (--split train|tune)")
    from sqlalchemy import select

    from api.core.db import SessionLocal
    from api.incidents.categories import CategoryInfo, IncidentClassifier
    from api.incidents.models import IncidentCategory
    with SessionLocal() as s:
        rows = list(s.scalars(select(IncidentCategory)))
        infos = [CategoryInfo.of(c) for c in rows]
        groups = {c.code: c.group for c in rows}
    from api.incidents.department_reader import reader
    keywords_only = IncidentClassifier(infos)
    full = IncidentClassifier(infos, reader(infos))
    grid = IncidentClassifier([c for c in infos if c.code.split("-")[0] in GRID_PREFIXES])

    def with_classifier(clf):
        def choose(text):
            c = clf.classify(text)
            if c.category is None:
                return None, c.department_code, DEPARTMENT_DOMAIN.get(c.department_code, "其他")
            dept = c.category.lead_department_code
            return c.category.code, dept, GROUP_DOMAIN.get(groups[c.category.code]) or DEPARTMENT_DOMAIN.get(dept, "其他")
        return choose

    def keywords(text):
        dept = baseline(text)
        return None, dept, DEPARTMENT_DOMAIN.get(dept, "其他")

    both = report_rows(split)
    data = [(text, label) for text, label in both if label["route"] == "incident_report"]
    name = {"dev": "development set", "tune": "tuning split"}.get(split, "training split")
    print(f"Real reports ({name}, {len(data)} incident_report rows):")
    _show("  grid catalogue only (before)", _score(data, with_classifier(grid)))
    _show("  whole catalogue, keywords   ", _score(data, with_classifier(keywords_only)))
    _show("  whole catalogue + learnt    ", _score(data, with_classifier(full)), details=True)
    _show("  keyword baseline            ", _score(data, keywords))
    _show(f"  with the {len(both) - len(data)} complaint_staff rows too, whole catalogue + learnt",
          _score(both, with_classifier(full)))
    print("  lenient: GA/ZF counted alike (category lead vs handler), and 交通运输/公安司法 for traffic police")
    if errors:
        _errors(both, with_classifier(full))


if __name__ == "__main__":
    import argparse

    from bench.run import _fresh_database
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "train", "tune"), default="dev")
    ap.add_argument("--errors", action="store_true", help="list the wrong departments (training or tuning split)")
    args = ap.parse_args()
    _fresh_database()
    run(args.split, args.errors)
