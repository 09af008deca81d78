"""Phone and work-order numbers as residents type them. One definition for the backend, the
action server and the NLU (whose regex features are generated from these by
`python -m api.cli nlu-resources`)."""
import re
from typing import Optional

MOBILE = r"1[3-9]\d{9}"
LANDLINE = r"0\d{2,3}-?\d{7,8}"
TICKET_NUMBER = r"WG\d{12}"  # WG + yyyymmdd + 4 digits
TICKET_EXAMPLE = "WG202611150023"

PHONE = re.compile(rf"(?<!\d)({MOBILE}|{LANDLINE})(?!\d)")
_WHOLE_PHONE = re.compile(rf"^(?:{MOBILE}|{LANDLINE})$")
# What the backend relays to the assistant instead of a phone number (shared/redact.py): the
# action server recognises it as the resident's phone; the backend resolves it to the real one.
MASKED_PHONE = re.compile(r"(?<![\d*])(\d{3}\*{4}\d{4})(?![\d*])")
_TICKET = re.compile(TICKET_NUMBER)
PHONE_FORMAT_HELP = "请提供11位手机号（如138开头）或带区号的固定电话（如0571-86012345）。"

# For Rasa's RegexFeaturizer / RegexEntityExtractor: entity name → patterns. The masked form is
# what the model meets at run time; one feature for both keeps it reading them alike.
NLU_REGEXES = {"phone": [rf"(?<!\d){MOBILE}(?!\d)", rf"(?<!\d){LANDLINE}(?!\d)", MASKED_PHONE.pattern],
               "ticket_id": [TICKET_NUMBER]}


def mask(phone: Optional[str]) -> str:
    """138****1234: enough for the resident to recognise their number, nothing more."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def phone_in(text: str) -> Optional[str]:
    """'138 0000 1234' and '0571-86012345' alike; spaces inside the number are ignored. A masked
    number (139****5678, as the backend relays it) counts too."""
    flat = re.sub(r"\s", "", text or "")
    m = PHONE.search(flat) or MASKED_PHONE.search(flat)
    return m.group(1) if m else None


def is_masked(phone: str) -> bool:
    return bool(MASKED_PHONE.fullmatch(re.sub(r"\s", "", phone or "")))


def normalise_phone(phone: str) -> Optional[str]:
    """The number in a canonical form, or None when it is no phone number we can call."""
    p = re.sub(r"[\s()（）]", "", phone or "").replace("+86", "")
    return p if _WHOLE_PHONE.match(p) else None


def ticket_number_in(text: str) -> Optional[str]:
    m = _TICKET.search((text or "").upper())
    return m.group(0) if m else None
