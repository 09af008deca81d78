"""Dependency audit: the packages installed in .venv (built from requirements.lock) against
known vulnerabilities, with pip-audit and the PyPI vulnerability service.

    .venv/bin/python -m scripts.audit_deps

pip-audit runs from its own small environment (.venv/audit, pinned in requirements-audit.lock):
it cannot live in .venv beside Rasa 3.6's pins. Findings that cannot be fixed because of those
pins are listed, with the reason, in .pip-audit-ignore; any other finding fails the run. When the
vulnerability service cannot be reached (a machine that reaches only package indexes), it says
so plainly and does not fail: nothing was audited, and that is not a pass either.
"""
import json
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / ".venv" / "audit"
LOCK = ROOT / "requirements-audit.lock"
IGNORE = ROOT / ".pip-audit-ignore"
# Words in pip-audit's error output when the service is out of reach rather than the tool broken.
UNREACHABLE = ("connection", "timed out", "timeout", "resolve", "network", "unreachable", "http", "ssl", "proxy")

OK, FOUND, BROKEN = 0, 1, 2


def listed(path: Path = IGNORE) -> dict:
    """{vulnerability id: why it is accepted} from the ignore file (`ID  reason`, # comments)."""
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                vid, _, why = line.partition(" ")
                out[vid] = why.strip()
    return out


def judge(report: dict, accepted: dict) -> tuple:
    """(exit status, lines to print) for pip-audit's JSON report."""
    deps = report.get("dependencies", [])
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    if deps and not audited:
        return OK, [f"NOT AUDITED: the vulnerability service answered for none of the {len(deps)} packages "
                    f"(it cannot be reached from here, e.g. only package indexes are): {skipped[0]['skip_reason']}"]
    lines, new, seen = [], [], set()
    for d in audited:
        for v in d.get("vulns", []):
            ids = {v["id"], *v.get("aliases", [])}
            known = ids & set(accepted)
            seen |= known
            what = f"{d['name']} {d['version']}: {v['id']} ({', '.join(v.get('aliases', [])) or 'no aliases'})"
            if known:
                lines.append(f"known, accepted: {what} — {accepted[sorted(known)[0]]}")
            else:
                fix = ", ".join(v.get("fix_versions", [])) or "none yet"
                new.append(f"NEW: {what}; fixed in {fix}. {(v.get('description') or '').splitlines()[0][:200]}")
    lines += [f"note: {vid} is listed in .pip-audit-ignore but no longer reported: remove it"
              for vid in sorted(set(accepted) - seen)]
    if skipped:
        lines.append(f"note: {len(skipped)} packages not audited: " + ", ".join(d["name"] for d in skipped[:10]))
    lines.append(f"audited {len(audited)} packages: {len(new)} new findings, {len(seen)} accepted")
    return (FOUND if new else OK), new + lines


def failed_run(stderr: str) -> tuple:
    """pip-audit wrote no report: out of reach (say so, do not fail), or broken (fail)."""
    last = (stderr.strip().splitlines() or ["no output"])[-1]
    if any(w in stderr.lower() for w in UNREACHABLE):
        return OK, [f"NOT AUDITED: the vulnerability service could not be reached: {last}"]
    return BROKEN, [f"pip-audit failed: {last}"]


def ensure_tool() -> Path:
    """.venv/audit with the pinned pip-audit; reinstalled when requirements-audit.lock changes."""
    stamp, want = TOOL / ".lock", LOCK.read_text(encoding="utf-8")
    if not (TOOL / "bin" / "pip-audit").exists() or not stamp.exists() or stamp.read_text(encoding="utf-8") != want:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(TOOL)], check=True)
        got = subprocess.run([str(TOOL / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                              "-r", str(LOCK)], capture_output=True, text=True)
        if got.returncode:
            why = [x for x in got.stderr.splitlines() if not x.startswith("WARNING: Location")]
            raise OSError((why or ["pip failed"])[-1])
        stamp.write_text(want, encoding="utf-8")
    return TOOL / "bin" / "pip-audit"


def main() -> int:
    try:
        tool = ensure_tool()
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"NOT AUDITED: could not install pip-audit from requirements-audit.lock ({e})")
        return OK
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        run = subprocess.run([str(tool), "--path", sysconfig.get_paths()["purelib"], "--progress-spinner", "off",
                              "--timeout", "20", "-f", "json", "-o", str(out)], capture_output=True, text=True)
        status, lines = (judge(json.loads(out.read_text()), listed()) if out.exists() and out.stat().st_size
                         else failed_run(run.stderr))
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
