"""Keep residents' phone and ID numbers, and WeChat openids, out of log files."""
import logging
import re

_PATTERNS = [
    (re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)"), r"\1********\3"),  # ID card
    (re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)"), r"\1****\3"),          # mobile
    (re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)"), r"\1****\3"),      # landline
    (re.compile(r"(openid=)[A-Za-z0-9_-]+"), r"\1***"),  # WeChat puts the resident's openid in its push URL
]


def redact(text: str) -> str:
    for pat, repl in _PATTERNS:
        text = pat.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def install_redaction() -> None:
    """Attach the filter to every handler present now (root, uvicorn's, Rasa's, ...)."""
    f = RedactingFilter()
    loggers = [logging.getLogger()] + [x for x in logging.root.manager.loggerDict.values()
                                       if isinstance(x, logging.Logger)]
    for logger in loggers:
        for h in logger.handlers:
            if not any(isinstance(x, RedactingFilter) for x in h.filters):
                h.addFilter(f)
