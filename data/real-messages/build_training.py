"""Writes data/real-messages/train.jsonl (cleaned texts of the labelled training-split messages,
with their ids) and nlu_data/real_messages.yml from it, data/real-messages/reports.jsonl (the
training-split reports' title and opening with their department, for
api/incidents/department_reader.py) and data/real-messages/letter-sentences.jsonl (sentences of
training-split letters that need no person, for api/handoff/sensitivity.py). Run after adding labels:

    .venv/bin/python data/real-messages/build_training.py

Development and tuning-split messages, and any message sharing a title with one, are never written.
"""
import glob
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from scripts import real_messages as rm  # noqa: E402

INTENT = {"incident_report": "report_incident", "service_question": "ask_service", "suggestion": "make_suggestion",
          "complaint_staff": "request_human", "progress_query": "check_incident_status"}
TITLES = "书记|市长|局长|主任|县长|区长|厅长|省长|部长|处长|科长|所长|校长|老师|先生|女士|经理|同志|总|董"
SURN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤洪易"
SALUT = re.compile(r"^(?:(?:尊敬的)?[^，,。：:！!]{0,12}?(?:领导|书记|市长|县长|区长|局长|省长|主任|同志|部门)(?:们)?(?:好)?[：:，,！!。]?\s*)?(?:(?:你们|您们|你|您|大家)好[！!，,。：:]?\s*)?")

def scrub(t):
    t = t.replace("_x000D_", " ")
    t = re.sub(r"https?://[A-Za-z0-9./_%?=&-]*", "", t)
    t = re.sub(r"\*{2,}", "", t)
    t = re.sub(r"\d[\d\*xX]{6,}", "", t)  # phone / ID numbers (mostly masked already)
    t = re.sub(rf"[{SURN}][\u4e00-\u9fa5]{{1,2}}(?=(?:{TITLES}))", "", t)  # 胡华衡书记 -> 书记
    t = re.sub(rf"[{SURN}](?=(?:{TITLES}))", "", t)  # 胡书记 -> 书记
    t = re.sub(r"(我叫|本人叫|本人名叫|我的名字叫|名叫|求助人|举报人|投诉人)[\u4e00-\u9fa5]{2,3}(?=[，,。（(、]|$)", r"\1", t)
    t = re.sub(r"身份证(号码|号)?[:：]?[0-9Xx*]*", "", t)
    t = t.replace("[", "【").replace("]", "】").replace("(", "（").replace(")", "）").replace("{", "（").replace("}", "）")
    t = re.sub(r"\s+", " ", t).strip()
    return t

# Messages whose opening names private people (found by reading them): title only.
NAMED = set("101945 17195 104224 27496 56003 104059 40968 76423 125358 118365 35595 85067 101057 114045 132119 16877 18413 23130 112165 117487 169676 17387".split())

def first_sentences(msg):
    m = SALUT.sub("", msg.strip(), count=1).strip()
    parts = re.split(r"(?<=[。！？!?；;])", m)
    out = ""
    for p in parts:
        out += p
        if len(out) >= 25:
            break
    if len(out) > 110:  # cut at a comma
        cut = max(out.rfind(c, 0, 110) for c in "，,、")
        out = out[:cut] if cut > 25 else out[:110]
    return out.strip()

# The NLU learns the texts of the first 1,782 labels; the last 987 (labelled later) teach only the
# readers (api/routing/route_reader.py, api/incidents/department_reader.py). Measured: the NLU
# trained on all of them fell from 0.948 to 0.936 macro-F1 on the written test set, and routing on
# the development set gained nothing over the readers alone (0.839 vs 0.836 over the main routes).
NLU_LABELS = 1782

# DIET pads every batch to its longest example: a few letters of 150 characters made training
# about five times slower (an hour on two cores). The router reads the whole letter; the NLU
# learns the style from its opening.
MAX_CHARS = 60


def clipped(text: str) -> str:
    """At most MAX_CHARS, cut at the last comma or stop before it when there is one."""
    if len(text) <= MAX_CHARS:
        return text
    cut = max(text.rfind(c, 0, MAX_CHARS) for c in "，,、。；;")
    return text[:cut] if cut > MAX_CHARS // 2 else text[:MAX_CHARS]


def main():
    msgs, held = rm.messages(), rm.held_out_ids()
    rows = []
    for n, x in enumerate(rm.labels()):
        if x["id"] in held or x["route"] not in INTENT:
            continue
        m = msgs[x["id"]]
        title = scrub(m["title"])
        nlu = n < NLU_LABELS
        rows.append({"id": x["id"], "intent": INTENT[x["route"]], "text": title, "nlu": nlu})
        if len(m["message"]) > 60 and x["id"] not in NAMED:
            first = scrub(first_sentences(m["message"]))
            if first and first not in title:
                text = f"{title}。{first}".replace("。。", "。")
                rows.append({"id": x["id"], "intent": INTENT[x["route"]], "text": clipped(text), "nlu": nlu})
    return rows

HEADER = """# Real residents' messages (training split only): titles, and for long messages the title with
# the first sentence(s), of messages labelled in data/real-messages/labels.jsonl and NOT in
# dev-ids.txt. Each text is in data/real-messages/train.jsonl with its message id (provenance;
# tests/test_real_messages.py checks both). Phone/ID numbers and people's names removed. Routes
# map to intents: incident_report -> report_incident, service_question -> ask_service,
# suggestion -> make_suggestion, complaint_staff -> request_human, progress_query ->
# check_incident_status. Source: ../shared/data/real-messages/messages.jsonl (see its README).
"""

def write(rows):
    root = ROOT
    others = ""
    for f in glob.glob(str(root / "nlu_data/**/*.yml"), recursive=True):
        if not f.endswith("real_messages.yml"):
            others += "\n".join(ln.strip()[2:] for ln in open(f, encoding="utf-8") if ln.strip().startswith("- ")) + "\n"
    known = set(others.splitlines())
    msgs, held = rm.messages(), rm.held_out_ids()
    held_titles = {msgs[i]["title"].strip() for i in held}
    seen, kept = set(), []
    for r in rows:
        t = re.sub(r"\s+", " ", r["text"]).strip()
        if t in seen or t in known or len(t) < 4 or any(d in t for d in held_titles):
            continue
        seen.add(t)
        kept.append({**r, "text": t})
    with open(root / "data/real-messages/train.jsonl", "w", encoding="utf-8") as f:
        for r in kept:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    out = [HEADER.rstrip(), 'version: "3.1"', "nlu:"]
    for intent in INTENT.values():
        ex = [r["text"] for r in kept if r["intent"] == intent and r["nlu"]]
        if ex:
            out += [f"  - intent: {intent}", "    examples: |"] + [f"      - {t}" for t in ex]
    (root / "nlu_data/real_messages.yml").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(len(kept), "texts")

def reports():
    """The labelled training-split reports as the department reader learns them."""
    from api.incidents.department_reader import OPENING, reading
    msgs, held = rm.messages(), rm.held_out_ids()
    held_titles = {msgs[i]["title"].strip() for i in held}
    out = []
    for x in rm.labels():
        m = msgs[x["id"]]
        if x["id"] in held or not x.get("department") or x["route"] not in ("incident_report", "complaint_staff"):
            continue
        opening = "" if x["id"] in NAMED else scrub(SALUT.sub("", m["message"].strip(), count=1))[:OPENING]
        text = reading(scrub(m["title"]), opening)
        if not any(t in text for t in held_titles):
            out.append({"id": x["id"], "department": x["department"], "category": x.get("category"), "text": text})
    with open(ROOT / "data/real-messages/reports.jsonl", "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(out), "reports")


# Sentences the letters model learns as needing no person: from training-split letters (over 120
# characters) that are reports, questions or suggestions with no handoff pattern in them; 12 to 100
# characters; none touching on violence, money, illness, children, the old or the resident's own
# state (where a risk would be told), none with a phone number or a person's name (jieba's nr tag,
# which also drops some place names: it errs on the side of leaving out). The first LETTER_SENTENCES
# by sha1("letters" + text). Measured on the tuning split's letters (bench/handoff.py): with the
# 393 hand-picked sentences alone, 19 of 235 handed to a person; with these too, 11.
LETTER_SENTENCES = 2000
LEFT_OUT = re.compile(r"打|杀|死|伤|血|病|医|药|钱|款|元|万|孩子|小孩|学生|儿|女|老人|老年|父|母|妈|爸|婆|爷|奶|"
                      r"威胁|恐吓|骗|跳|自|怕|哭|电话|[0-9]{5,}")


def letter_sentences():
    import hashlib

    import jieba.posseg

    from api.handoff import sensitivity
    msgs, held = rm.messages(), rm.held_out_ids()
    held_titles = {msgs[i]["title"].strip() for i in held}
    out = {}
    for x in rm.labels():
        m = msgs[x["id"]]
        letter = m["title"] + "\n" + m["message"]
        if (x["id"] in held or x["id"] in NAMED or x["route"] not in ("incident_report", "service_question", "suggestion")
                or len(letter) <= sensitivity.LETTER or sensitivity.by_pattern(letter)
                or any(t in letter for t in held_titles)):
            continue
        for sentence in sensitivity.sentences(sensitivity._prepare(scrub(m["message"]))):
            if (12 <= len(sentence) <= 100 and not LEFT_OUT.search(sentence) and not sensitivity.by_pattern(sentence)
                    and not any(w.flag == "nr" for w in jieba.posseg.cut(sentence))):
                out.setdefault(sentence, x["id"])
    order = sorted(out, key=lambda t: hashlib.sha1(("letters" + t).encode("utf-8")).hexdigest())[:LETTER_SENTENCES]
    with open(ROOT / "data/real-messages/letter-sentences.jsonl", "w", encoding="utf-8") as f:
        for t in order:
            f.write(json.dumps({"id": out[t], "text": t}, ensure_ascii=False) + "\n")
    print(len(order), "letter sentences of", len(out))


if __name__ == "__main__":
    write(main())
    reports()
    letter_sentences()
