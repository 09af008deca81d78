"""Phone and ID numbers never reach log files in clear."""
import logging

from api.core.logsafe import RedactingFilter, redact


def test_numbers_are_masked():
    text = redact("电话13857112345，座机0571-86012345，身份证330102199001011234")
    assert "13857112345" not in text and "86012345" not in text and "199001011234" not in text
    assert "138****2345" in text and "330102********1234" in text


def test_filter_masks_log_records():
    log = logging.getLogger("test.logsafe")
    handler_filter = RedactingFilter()
    record = log.makeRecord("test.logsafe", logging.INFO, __file__, 1, "caller %s", ("13857112345",), None)
    handler_filter.filter(record)
    assert record.getMessage() == "caller 138****2345"
