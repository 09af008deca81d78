"""Phone numbers in what residents type: find one, and show it masked."""
import re
from typing import Optional

PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if phone and len(phone) >= 8 else "****"


def phone_in(text: str) -> Optional[str]:
    """'138 0000 1234' and '0571-86012345' alike; spaces inside the number are ignored."""
    m = PHONE.search(re.sub(r"[\s-]", lambda x: "-" if x.group(0) == "-" else "", text or ""))
    return m.group(1) if m else None
