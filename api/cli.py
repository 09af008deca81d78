"""Command line for the backend: migrate, seed, import/export, and NLU resources.

    python -m api.cli migrate          # create or upgrade the database schema
    python -m api.cli seed [--if-empty] # load the demo district and its catalogue
    python -m api.cli import FILE [--replace]
    python -m api.cli export FILE
    python -m api.cli nlu-resources    # jieba dictionary, lookup tables and regexes (catalogue, patterns)
    python -m api.cli supervise        # flag overdue work orders (督办); the backend also does it every 30 s
    python -m api.cli retention [--days N]  # delete conversations and closed cases older than N days
    python -m api.cli add-staff NAME --name 王芳 --role staff --community 柳岸社区
    python -m api.cli reset-password NAME | deactivate-staff NAME | end-sessions NAME
"""
import argparse
import getpass
import json
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from api.core.db import SessionLocal, WriteSession
from api.guide import catalogue
from api.guide.models import ServiceItem
from api.guide.nlu_resources import dictionary_words, write_resources  # noqa: F401 (tests use dictionary_words here)
from api.incidents import tickets
from api.incidents.categories import load_categories
from api.staff.audit import Role
from shared.settings import get_settings


def migrate() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", get_settings().database_url)
    command.upgrade(cfg, "head")


def seed(if_empty: bool = False) -> dict:
    """Load the demo district; with if_empty, leave an existing catalogue alone."""
    from api.places.directory import load_places
    with SessionLocal() as s:
        counts = load_places(s, get_settings().seed_dir / "places.json")
        has_items = s.scalar(select(ServiceItem.id).limit(1)) is not None
    if not (if_empty and has_items):
        with SessionLocal() as s:
            counts.update(catalogue.import_catalogue(s, catalogue.load_seed_document(get_settings().seed_dir)))
        with SessionLocal() as s:
            counts["incident_categories"] = load_categories(s, get_settings().seed_dir / "incident_categories.json")
    from api.handoff.phrases import load_defaults
    with WriteSession() as s:  # into an empty phrase book only: supervisors' edits stay
        counts["canned_phrases"] = load_defaults(s, get_settings().seed_dir / "phrases.json")
    return counts


def nlu_resources() -> dict:
    """Write the jieba user dictionary and the lookup tables from the database (the console
    does the same after a catalogue edit)."""
    return write_resources()


def read_password() -> str:
    """Asked twice on a terminal; one line from stdin when piped (scripts, tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise OSError("the two passwords differ")
    return first


def _check_password(password: str, username: str) -> None:
    from api.staff.auth import WeakPassword, check_password
    try:
        check_password(password, username)
    except WeakPassword as e:
        raise OSError(f"password refused: {e}") from None


def add_staff(username: str, name: str, role: str, community: str, password: str) -> str:
    from api.places.directory import find_community
    from api.staff.audit import AuditAction, audit
    from api.staff.auth import hash_password
    from api.staff.models import StaffUser
    _check_password(password, username)
    with WriteSession() as s:
        c = find_community(s, community or "")
        if role == "staff" and c is None:
            raise OSError("staff need --community (the centre they work at)")
        if s.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
            raise OSError(f"user {username!r} already exists")
        s.add(StaffUser(username=username, display_name=name, password_hash=hash_password(password), role=role,
                        centre_id=c.centre_id if c else None))
        # Read the centre's name before the session closes: afterwards it cannot be loaded.
        done = f"created {role} {username}" + (f" at {c.centre.name}" if c else "")
        audit(s, None, AuditAction.ADD_STAFF, username, done)
        s.commit()
    return done


def change_staff(username: str, what: str, password: str = "") -> str:
    """what: reset-password, deactivate-staff or end-sessions. Each signs the person out everywhere."""
    from api.staff.audit import AuditAction, audit
    from api.staff.auth import end_sessions, hash_password
    from api.staff.models import StaffUser
    with WriteSession() as s:
        user = s.scalars(select(StaffUser).where(StaffUser.username == username)).first()
        if user is None:
            raise OSError(f"no user {username!r}")
        if what == "reset-password":
            _check_password(password, username)
            user.password_hash = hash_password(password)
            action, done = AuditAction.RESET_PASSWORD, f"new password for {username}"
        elif what == "deactivate-staff":
            user.active = False
            action, done = AuditAction.DEACTIVATE_STAFF, f"deactivated {username}"
        else:
            action, done = AuditAction.END_SESSIONS, f"signed {username} out"
        n = end_sessions(s, user)
        done += f"; ended {n} session{'s' * (n != 1)}"
        audit(s, None, action, username, done)
        s.commit()
    return done


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m api.cli")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("migrate")
    sd = sub.add_parser("seed")
    sd.add_argument("--if-empty", action="store_true", help="skip the catalogue when one is loaded")
    imp = sub.add_parser("import")
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true", help="remove items that the file does not list")
    exp = sub.add_parser("export")
    exp.add_argument("file")
    sub.add_parser("nlu-resources")
    sub.add_parser("supervise", help="flag overdue work orders (督办)")
    ret = sub.add_parser("retention", help="delete conversations and closed cases older than N days")
    ret.add_argument("--days", type=int, default=None, help="default: RSA_RETENTION_DAYS")
    st = sub.add_parser("add-staff", help="create a console account (password asked on the terminal)")
    st.add_argument("username")
    st.add_argument("--name", required=True, help="name shown to colleagues")
    st.add_argument("--role", choices=Role.codes(), default="staff")
    st.add_argument("--community", help="the community whose centre this staff member works at")
    for cmd, help_ in (("reset-password", "set a new password (asked on the terminal) and sign the person out"),
                       ("deactivate-staff", "stop an account from signing in and end its sessions"),
                       ("end-sessions", "sign a person out everywhere now")):
        sub.add_parser(cmd, help=help_).add_argument("username")
    a = p.parse_args(argv)
    try:
        if a.cmd == "migrate":
            migrate()
            print("database schema is up to date")
        elif a.cmd == "seed":
            print("seeded:", seed(a.if_empty))
        elif a.cmd == "import":
            doc = json.loads(Path(a.file).read_text(encoding="utf-8"))
            with SessionLocal() as s:
                print("imported:", catalogue.import_catalogue(s, doc, replace=a.replace))
            print("written:", nlu_resources())  # the jieba dictionary and lookup tables follow the catalogue
        elif a.cmd == "export":
            with SessionLocal() as s:
                doc = catalogue.export_catalogue(s)
            Path(a.file).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
            print(f"exported {len(doc['services'])} services to {a.file}")
        elif a.cmd == "nlu-resources":
            print("written:", nlu_resources())
        elif a.cmd == "retention":
            from api.admin import retention as admin_retention
            from api.handoff import retention
            with WriteSession() as s:
                n = retention.run(s, a.days)
            with WriteSession() as s:
                m = admin_retention.run(s, a.days)
            print(f"deleted: {n['conversations']} conversations from the tracker store, {n['cases']} closed cases "
                  f"({n['case_messages']} messages), {n['phone_numbers']} kept phone numbers, "
                  f"{n['assistant_calls']} undelivered calls to the assistant, {m['routing_decisions']} routing "
                  f"decisions, {m['review_items']} review inbox messages")
        elif a.cmd == "supervise":
            with WriteSession() as s:
                print("flagged overdue:", tickets.supervise_overdue(s))
        elif a.cmd == "add-staff":
            print(add_staff(a.username, a.name, a.role, a.community, read_password()))
        elif a.cmd in ("reset-password", "deactivate-staff", "end-sessions"):
            print(change_staff(a.username, a.cmd, read_password() if a.cmd == "reset-password" else ""))
    except (catalogue.CatalogueError, json.JSONDecodeError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
