"""Case files in and out: the contract's YAML format (CONTRACT.md section 4) for trainers to share.

``export(case)`` writes one case file; ``import_cases(text or Path)`` reads one or more (a file
may hold several YAML documents), checks every one against the contract before it saves any,
and creates or updates cases by slug. A session travels the same way: ``export_session`` writes
its cases in order, each with a ``session: {slug, title, order}`` key that the import reads.
``export_many`` and ``import_files`` are the same for a set of cases and for uploaded files, so
an admin action needs only call them.

One path in, for every reader (evaluate, checkrules, loadcases, the seed, the admin's import,
the API): ``read_files`` reads (YAML with one or more documents, JSON, zips of them, within
the bounds below), ``check_document`` checks against ``known_contact_slugs`` and the counties,
and ``case_fields`` is the one copy from a document to a ``Case`` row.
"""

import contextlib
import io
import json
import math
import zipfile
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from . import content, models, rules

# The order of a case file's keys, as the contract and the shared case files write them.
KEYS = (
    *("slug", "title", "title_en", "summary", "summary_en", "facts", "expect"),
    *("prompts", "prompts_en", "session"),
)
TEXT_KEYS = ("title", "title_en", "summary", "summary_en")
FOLD_AT = 100  # longer texts (the stories) are written as folded blocks, to read like prose
WIDTH = 80


class CaseFileError(ValueError):
    """A case file does not fit the contract; the message names the file and the key, and
    ``key`` holds the key alone ("facts.county"; None for the file or the whole document)."""

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key


# ---------------------------------------------------------------------------------------------
# Out


class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists (``concerns: [a, b]``), and strings quoted whenever a YAML 1.1
    reader would take them for something else: "yes"/"no" as booleans, "03" as a number."""


def _str(dumper, value):
    tag = "tag:yaml.org,2002:str"
    if "\n" in value.strip():
        style = "|"
    elif len(value) > FOLD_AT:
        style = ">"
    elif dumper.resolve(yaml.ScalarNode, value, (True, False)) != tag:
        style = '"'
    else:
        style = None
    return dumper.represent_scalar(tag, value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(
    dict, lambda d, value: d.represent_mapping("tag:yaml.org,2002:map", value, flow_style=False)
)
_Dumper.add_representer(
    list, lambda d, value: d.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)
)


def tidy_facts(raw):
    """The facts in the contract's order and canonical types: the slips the loader forgives
    (a bare yes/no, an unquoted county number, "true" as text) written the way they are meant."""
    facts = {}
    for name, spec in rules.FACTS.items():
        if name not in raw or raw[name] is None:
            continue
        value = raw[name]
        if spec.kind == "list":
            value = [value] if isinstance(value, str) else list(value)
        else:
            # A value that does not fit is written as it is, for the reader to see and mend.
            with contextlib.suppress(rules.FactError):
                value = rules.parse_value(name, value)
        facts[name] = value
    return facts


def _ordered_expect(expect):
    ordered = {}
    for part in ("outcomes", "contacts"):
        block = expect.get(part) if isinstance(expect, dict) else None
        if isinstance(block, dict):
            ordered[part] = {
                k: list(block[k]) for k in ("include", "exclude") if isinstance(block.get(k), list)
            }
    return ordered


def _ordered_prompts(prompts):
    """Prompts in the facts' order; a stored value of another shape (saved before the admin
    checked it) is left out rather than breaking the public case file."""
    if not isinstance(prompts, dict):
        return {}
    return {f: prompts[f] for f in rules.FACTS if isinstance(prompts.get(f), str) and prompts[f]}


def document(case, session=None):
    """The case as a case-file document, keys and facts in the contract's order; with a
    ``session`` ({slug, title, order}), placed in that session."""
    doc = case.as_document()
    doc["facts"] = tidy_facts(doc["facts"])
    if doc.get("expect"):
        doc["expect"] = _ordered_expect(doc["expect"])
    for key in ("prompts", "prompts_en"):
        if doc.get(key):
            doc[key] = _ordered_prompts(doc[key])
    doc["session"] = session
    return {key: doc[key] for key in KEYS if doc.get(key) not in (None, "", {})}


def export(case, session=None):
    """One case as the text of a case file."""
    return yaml.dump(
        document(case, session), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH
    )


def export_session(session):
    """A session as one YAML stream: its cases in order, each placed in the session, so the
    file is a case file that ``evaluate`` and ``loadcases`` read as it is."""
    return "---\n".join(
        export(item.case, {"slug": session.slug, "title": session.title, "order": number})
        for number, item in enumerate(session.items.select_related("case"), 1)
    )


def export_all(cases):
    """Several cases as one YAML stream, documents separated by ``---``."""
    return "---\n".join(export(case) for case in cases)


def export_many(queryset):
    """For an admin action: (file name, bytes). One case is one YAML file; more are a zip with
    one file per case, named by slug, ready to drop into fixtures/cases/."""
    cases = list(queryset)
    if len(cases) == 1:
        return f"{cases[0].slug}.yaml", export(cases[0]).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for case in cases:
            bundle.writestr(f"{case.slug}.yaml", export(case))
    return "avverge-cases.zip", buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# In


# Bounds on what a case file may hold (security review D7, D15). A case file is a few
# kilobytes; these leave room for a whole library in one file and refuse what would take the
# reader seconds or gigabytes: a billion-laughs alias bomb, a deep nesting, a zip bomb.
MAX_FILE_BYTES = 512 * 1024
MAX_DOCUMENTS = 500
MAX_DEPTH = 12
MAX_TEXT = 20_000  # characters in any one text: a story is about 600
MAX_ZIP_MEMBERS = 500
MAX_ZIP_BYTES = 8 * 1024 * 1024  # uncompressed, all members together


# libyaml's C parser where it is installed (PyYAML's wheels have it): the pure-Python scanner
# takes tens of seconds over a few hundred kilobytes of malformed flow.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_all(text):
    """The YAML documents in ``text``, without aliases (``*name``, which a case file never
    needs and which a billion-laughs file multiplies) and nested at most MAX_DEPTH deep. The
    events are checked first, so nothing is built from a file that breaks a bound."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise CaseFileError("YAML aliases (*name) are not allowed in a case file")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise CaseFileError(f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    docs = []
    for doc in yaml.load_all(text, Loader=_Loader):
        if doc is not None:
            docs.append(doc)
        if len(docs) > MAX_DOCUMENTS:
            raise CaseFileError(f"more than {MAX_DOCUMENTS} cases in one file")
    return docs


def _refuse_constant(name):
    raise CaseFileError(f"{name} is not a value a case file can hold")


def check_values(value, where="", depth=0):
    """CaseFileError for what no contract value is and what a database or a later reader
    cannot take: NUL characters, NaN and infinity, very long texts and deep nesting."""
    if depth > MAX_DEPTH:
        raise CaseFileError(f"{where or 'the case'}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if "\x00" in value:
            raise CaseFileError(f"{where}: a NUL character is not allowed in a text")
        if len(value) > MAX_TEXT:
            raise CaseFileError(f"{where}: longer than {MAX_TEXT} characters")
    elif isinstance(value, float) and not math.isfinite(value):
        raise CaseFileError(f"{where}: {value} is not a value a case file can hold")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_values(key, where, depth + 1)
            check_values(item, f"{where}.{key}" if where else str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_values(item, where, depth + 1)


def parse_documents(text, name):
    """The documents in the text of a case file (YAML, one or more documents, or JSON), within
    the bounds above; CaseFileError with one line naming the file otherwise."""
    if len(text) > MAX_FILE_BYTES:
        raise CaseFileError(f"{name}: larger than {MAX_FILE_BYTES // 1024} KB")
    if "\x00" in text:
        raise CaseFileError(f"{name}: a NUL character is not allowed in a case file")
    try:
        if name.lower().endswith(".json"):
            docs = [json.loads(text, parse_constant=_refuse_constant)]
        else:
            docs = _load_all(text)
    except CaseFileError as e:
        raise CaseFileError(f"{name}: {e}") from None
    except json.JSONDecodeError as e:
        raise CaseFileError(f"{name}: malformed JSON ({e})") from None
    except yaml.YAMLError as e:
        raise CaseFileError(f"{name}: malformed YAML ({' '.join(str(e).split())})") from None
    except RecursionError:
        raise CaseFileError(f"{name}: nested too deep") from None
    except ValueError as e:  # a number of thousands of digits
        raise CaseFileError(f"{name}: a value cannot be read ({e})") from None
    for i, doc in enumerate(docs, 1):
        try:
            check_values(doc)
        except CaseFileError as e:
            where = name if len(docs) == 1 else f"{name} (document {i})"
            raise CaseFileError(f"{where}: {e}") from None
    if not docs:
        raise CaseFileError(f"{name}: no case in the file")
    return docs


def known_contact_slugs(table_slugs=()):
    """The contact slugs a case's expect block may name: the contract's stable keys
    (CONTRACT.md section 3), which a case file may always name, and any the contact table
    adds. The one rule for every reader (evaluate, checkrules, loadcases, seed, the admin, the
    API): a contract slug whose row was deleted is then a failing check, not a broken file."""
    return tuple(dict.fromkeys([*rules.CONTACT_SLUGS, *table_slugs]))


def ruleset_contact_slugs(ruleset):
    """``known_contact_slugs`` for the contacts of a loaded rule set."""
    return known_contact_slugs(c.slug for c in ruleset.contacts)


def read_documents(text, name, contact_slugs=None, counties=None):
    """Parse and check every case document in ``text``; ``name`` (the file) heads any error.
    Without ``contact_slugs`` and ``counties``, the content in the database is the reference."""
    try:
        docs = parse_documents(text, name)
    except CaseFileError as e:
        message = str(e)
        raise CaseFileError(message if message.startswith(name) else f"{name}: {e}") from None
    if contact_slugs is None or counties is None:
        snap = content.snapshot()
        contact_slugs = ruleset_contact_slugs(snap.ruleset)
        counties = snap.ruleset.counties
    checked = []
    for i, doc in enumerate(docs, 1):
        where = name if len(docs) == 1 else f"{name} (document {i})"
        try:
            checked.append(check_document(doc, contact_slugs, counties))
        except CaseFileError as e:
            raise CaseFileError(f"{where}: {e}") from None
    return checked


def check_document(doc, contact_slugs, counties):
    """The document with its facts tidied, or CaseFileError naming the key."""
    try:
        case = rules.parse_case(doc, contact_slugs)
        rules.normalize_facts(case.facts, counties)
    except rules.CaseError as e:
        raise CaseFileError(str(e), key=e.key) from None
    except rules.FactError as e:
        raise CaseFileError(f"facts.{e.key}: {e.message}", key=f"facts.{e.key}") from None
    for key in TEXT_KEYS:
        if doc.get(key) is not None and not isinstance(doc[key], str):  # empty is left out
            raise CaseFileError(f"{key}: expected text", key=key)
    checked = {**doc, "facts": tidy_facts(doc["facts"])}
    for key in ("prompts", "prompts_en"):
        prompts = {} if doc.get(key) is None else doc[key]
        if not isinstance(prompts, dict):
            raise CaseFileError(
                f"{key}: expected a mapping of fact names to discussion questions", key=key
            )
        for fact, prompt in prompts.items():
            if fact not in rules.FACTS:
                raise CaseFileError(
                    f"{key}.{fact}: unknown fact; expected one of the facts", key=f"{key}.{fact}"
                )
            if not isinstance(prompt, str):
                raise CaseFileError(
                    f"{key}.{fact}: expected a question as text", key=f"{key}.{fact}"
                )
        checked[key] = prompts
    return checked


def case_of(doc, contact_slugs, counties):
    """A checked document as the engine's ``rules.Case`` (for evaluate, checkrules and the
    API), or CaseFileError naming the key: the same check ``loadcases`` and the seed make."""
    return rules.parse_case(check_document(doc, contact_slugs, counties), contact_slugs)


def case_fields(doc):
    """The Case fields a checked document gives, by name: the one copy from a case file to a
    row, for ``save_documents`` and the seed. Texts are trimmed as the seed's stories are."""
    return {
        "title": (doc.get("title") or doc["slug"]).strip(),
        "title_en": (doc.get("title_en") or "").strip(),
        "summary": (doc.get("summary") or "").strip(),
        "summary_en": (doc.get("summary_en") or "").strip(),
        "facts": doc["facts"],
        "expect": doc.get("expect"),
        "prompts": doc.get("prompts") or {},
        "prompts_en": doc.get("prompts_en") or {},
    }


def save_documents(docs, name="case files"):
    """Create or update a case per document, all or none; return [(case, created)]."""
    slugs = [doc["slug"] for doc in docs]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        raise CaseFileError(f"{name}: slug: '{twice[0]}' appears more than once")
    saved = []
    with transaction.atomic():
        for doc in docs:
            case = models.Case.objects.filter(slug=doc["slug"]).first()
            created = case is None
            case = case or models.Case(slug=doc["slug"])
            for field, value in case_fields(doc).items():
                setattr(case, field, value)
            try:
                case.full_clean()
            except ValidationError as e:
                field, errors = next(iter(e.message_dict.items()))
                raise CaseFileError(f"{name}: {doc['slug']}: {field}: {errors[0]}") from None
            case.save()
            saved.append((case, created))
        place_in_sessions(
            [(doc.get("session"), case) for doc, (case, _) in zip(docs, saved, strict=True)]
        )
    return saved


def place_in_sessions(placed):
    """Create or update each session the documents name and put their cases at their places.
    Like cases, a session is only added to: a case it holds that the files leave out stays."""
    for block, case in placed:
        if not block:
            continue
        session, created = models.Session.objects.get_or_create(
            slug=block["slug"], defaults={"title": block.get("title") or block["slug"]}
        )
        if block.get("title") and session.title != block["title"]:
            session.title = block["title"]
            session.save()
        models.SessionCase.objects.update_or_create(
            session=session, case=case, defaults={"order": block["order"]}
        )


def read_files(sources, contact_slugs=None, counties=None):
    """The one reader of case files, for every command, the seed and the admin's import.

    ``sources`` are paths or uploaded files (objects with ``name`` and ``read()``, such as
    Django's UploadedFile): YAML with one or more documents (as ``dumpcases`` writes), JSON, or
    a zip of them. Every case in every file is checked (``check_document``) against
    ``contact_slugs`` and ``counties`` (by default the content in the database) before any is
    returned; CaseFileError in one line naming the file and the key otherwise.
    """
    if contact_slugs is None or counties is None:
        snap = content.snapshot()
        contact_slugs, counties = ruleset_contact_slugs(snap.ruleset), snap.ruleset.counties
    docs = []
    for source in sources:
        name, data = _read_source(source)
        if name.lower().endswith(".zip"):
            docs += _read_zip(data, name, contact_slugs, counties)
        else:
            docs += read_documents(_text(data, name), name, contact_slugs, counties)
        if len(docs) > MAX_DOCUMENTS:
            raise CaseFileError(f"{name}: more than {MAX_DOCUMENTS} cases in all")
    return docs


def _read_source(source):
    """(name, bytes) of a path or an upload, reading no more than the bounds allow."""
    if isinstance(source, (str, Path)):
        name = str(source)
        limit = MAX_ZIP_BYTES if name.lower().endswith(".zip") else MAX_FILE_BYTES
        try:
            with open(source, "rb") as f:
                data = f.read(limit + 1)
        except FileNotFoundError:
            raise CaseFileError(f"{name}: file not found") from None
        except OSError as e:
            raise CaseFileError(f"{name}: cannot read the file ({e})") from None
    else:
        name = source.name
        limit = MAX_ZIP_BYTES if name.lower().endswith(".zip") else MAX_FILE_BYTES
        data = source.read(limit + 1)
    if len(data) > limit:
        if limit == MAX_ZIP_BYTES:
            raise CaseFileError(f"{name}: larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB")
        raise CaseFileError(f"{name}: larger than {MAX_FILE_BYTES // 1024} KB")
    return name, data


def read_file(path):
    """The text of a case file, or CaseFileError naming it."""
    name, data = _read_source(path)
    return _text(data, name)


def import_cases(source, name=None):
    """Import the cases in ``source``: a Path to a case file, or the text of one."""
    if isinstance(source, Path):
        name = name or str(source)
        return save_documents(read_files([source]), name)
    name = name or "case file"
    return save_documents(read_documents(source, name), name)


def import_files(files):
    """For an admin action and ``loadcases``: import case files (``read_files``); every case
    in every file is checked before any is saved. Returns [(case, created)]."""
    files = list(files)
    names = ", ".join(str(getattr(f, "name", f)) for f in files) or "case files"
    return save_documents(read_files(files), names)


def _read_zip(data, zip_name, contact_slugs, counties):
    """The case documents in a zip's bytes (at most MAX_ZIP_BYTES, read by the caller),
    reading no more than MAX_ZIP_BYTES unpacked in all, so a zip bomb is refused after a few
    megabytes whatever its directory claims."""
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in bundle.infolist() if i.filename.endswith((".yaml", ".yml", ".json"))]
        if len(infos) > MAX_ZIP_MEMBERS:
            raise CaseFileError(f"{zip_name}: more than {MAX_ZIP_MEMBERS} files")
        limit = MAX_ZIP_BYTES // 2**20
        if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:  # as the zip declares; read below
            raise CaseFileError(f"{zip_name}: more than {limit} MB unpacked")
        docs, left = [], MAX_ZIP_BYTES
        for info in sorted(infos, key=lambda i: i.filename):
            name = f"{zip_name}:{info.filename}"
            with bundle.open(info) as member:
                raw = member.read(min(left, MAX_FILE_BYTES) + 1)
            if len(raw) > MAX_FILE_BYTES:
                raise CaseFileError(f"{name}: larger than {MAX_FILE_BYTES // 1024} KB")
            left -= len(raw)
            if left < 0:
                raise CaseFileError(f"{zip_name}: more than {limit} MB unpacked")
            docs += read_documents(_text(raw, info.filename), name, contact_slugs, counties)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError):
        raise CaseFileError(f"{zip_name}: not a zip file that can be read") from None
    return docs


def _text(data, name):
    try:
        return data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise CaseFileError(f"{name}: not UTF-8 text") from None
