"""The dependency audit's verdict on pip-audit's report: a new finding fails, a listed one is
accepted with its reason, and an unreachable vulnerability service is said plainly, not passed off."""
from scripts.audit_deps import BROKEN, FOUND, OK, failed_run, judge, listed


def report(*deps):
    return {"dependencies": list(deps), "fixes": []}


def dep(name, version, *vulns, skip=None):
    d = {"name": name, "version": version}
    if skip:
        d["skip_reason"] = skip
    else:
        d["vulns"] = [{"id": v, "aliases": [f"CVE-{v[-4:]}"], "fix_versions": ["9.9"], "description": "bad thing"}
                      for v in vulns]
    return d


def test_a_new_finding_fails_the_run_and_names_the_package():
    status, lines = judge(report(dep("sanic", "21.12.2", "PYSEC-2024-0001"), dep("requests", "2.34.2")), {})
    assert status == FOUND
    assert lines[0].startswith("NEW: sanic 21.12.2: PYSEC-2024-0001") and "fixed in 9.9" in lines[0]


def test_a_listed_finding_is_accepted_with_its_reason_by_id_or_alias(tmp_path):
    ignore = tmp_path / "ignore"
    ignore.write_text("# comment\nCVE-0001  sanic>=22 needs a newer Rasa  # pinned by rasa 3.6\nGHSA-gone  fixed\n")
    accepted = listed(ignore)
    assert accepted == {"CVE-0001": "sanic>=22 needs a newer Rasa", "GHSA-gone": "fixed"}
    status, lines = judge(report(dep("sanic", "21.12.2", "PYSEC-2024-0001")), accepted)
    assert status == OK
    assert any(x.startswith("known, accepted: sanic") and "newer Rasa" in x for x in lines)
    assert any("GHSA-gone is listed" in x and "remove it" in x for x in lines)


def test_an_unreachable_service_is_reported_as_not_audited_without_failing():
    skipped = report(*[dep(n, "1.0", skip=f"Dependency not found on PyPI and could not be audited: {n} (1.0)")
                       for n in ("absl-py", "rasa")])
    status, lines = judge(skipped, {})
    assert status == OK and lines[0].startswith("NOT AUDITED") and "none of the 2 packages" in lines[0]
    status, lines = failed_run("Traceback ...\nrequests.exceptions.ConnectionError: Max retries exceeded")
    assert status == OK and lines[0].startswith("NOT AUDITED")


def test_a_broken_tool_fails():
    assert failed_run("Traceback ...\nKeyError: 'dependencies'")[0] == BROKEN
