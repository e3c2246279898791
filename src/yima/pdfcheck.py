"""Reading an untrusted PDF within limits: the one place that opens one before any heavy work.

``inspect_pdf`` opens the file with pyHanko's reader and, before anything costly, checks what
bounds the work done on it afterwards: the number of objects and revisions, the page tree (walked
once, iteratively, each node at most once, at most ``max_depth`` deep, at most ``max_pages``
pages, its ``/Count`` true), and the form fields (at most ``max_fields``, of which at most
``max_signature_fields`` signature fields, each signature value a dictionary). With
``refuse_active`` it refuses active content: JavaScript, launch and import actions, actions
triggered by events (``/AA``), embedded files and XFA forms, found by looking at every object the
file holds, compressed ones too, never by searching the bytes.

Each refusal is a ``DomainError`` naming its rule. Run it, and everything after it, through
``yima.bounded.run_bounded``: deep nesting, loops and parser faults end there as 4xx answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from yima.bounded import Budget, Subject
from yima.config import get_settings
from yima.errors import DomainError

PDF = Subject("pdf", "PDF文件", "the PDF")

Rect = tuple[float, float, float, float]
"""Lower-left x, y and upper-right x, y in PDF points."""

LETTER: Rect = (0.0, 0.0, 612.0, 792.0)


@dataclass(frozen=True)
class PdfLimits:
    """What a PDF may hold before Yima does any heavy work on it, and the budget for that work."""

    max_objects: int = 200_000
    max_revisions: int = 200
    max_pages: int = 2_000
    max_depth: int = 32
    max_fields: int = 2_000
    max_signature_fields: int = 100
    budget: Budget = field(default_factory=Budget)


def configured_limits() -> PdfLimits:
    """The limits and budget of the process's settings (``YIMA_PDF_*``)."""
    settings = get_settings()
    return PdfLimits(max_pages=settings.pdf_max_pages, max_signature_fields=settings.pdf_max_signature_fields,
                     budget=Budget(seconds=settings.pdf_seconds, memory_bytes=settings.pdf_memory_mb * 1024 * 1024,
                                   workers=settings.pdf_workers))


@dataclass(frozen=True)
class PdfFacts:
    """What the checks found: each page's visible area (CropBox within MediaBox), the names of the
    signature fields, and the active content found (empty unless ``refuse_active`` was off)."""

    pages: tuple[Rect, ...]
    signature_fields: frozenset[str]
    active: tuple[str, ...] = ()


def _error(rule: str, zh: str, en: str) -> DomainError:
    return DomainError(f"pdf.{rule}", "file", zh, en)


def open_pdf(pdf: bytes) -> PdfFileReader:
    """pyHanko's reader on the bytes, with a catalog that is a dictionary; refuses encryption."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    if reader.encrypted:
        raise _error("encrypted", "PDF文件已加密，无法处理", "the PDF is encrypted and cannot be processed")
    root_ref = reader.trailer.raw_get("/Root")
    if not isinstance(root_ref, generic.IndirectObject):
        raise _error("no_catalog", "PDF文件缺少文档目录（/Root）", "the PDF has no document catalog (/Root)")
    root = root_ref.get_object()
    if not isinstance(root, generic.DictionaryObject):
        raise _error("no_catalog", "PDF文件的文档目录（/Root）不是字典", "the PDF's document catalog (/Root) "
                     "is not a dictionary")
    return reader


def _count_objects(reader: PdfFileReader, limits: PdfLimits) -> None:
    revisions = reader.xrefs.total_revisions
    if revisions > limits.max_revisions:
        raise _error("too_many_revisions", f"PDF文件的修订版本超过 {limits.max_revisions} 个",
                     f"the PDF has more than {limits.max_revisions} revisions")
    objects = sum(len(reader.xrefs.explicit_refs_in_revision(r)) for r in range(revisions))
    if objects > limits.max_objects:
        raise _error("too_many_objects", f"PDF文件的对象超过 {limits.max_objects} 个",
                     f"the PDF has more than {limits.max_objects} objects")


def _key(value: Any) -> tuple[int, int] | None:
    if isinstance(value, generic.IndirectObject):
        return value.idnum, value.generation
    return None


def _get(node: generic.DictionaryObject, key: str) -> Any:
    """The value under ``key``, dereferenced; ``None`` when absent."""
    return node[key] if key in node else None


def _rect(value: Any) -> Rect | None:
    value = value.get_object() if isinstance(value, generic.IndirectObject) else value
    if not isinstance(value, generic.ArrayObject) or len(value) != 4:
        return None
    numbers = [v.get_object() for v in value]
    if not all(isinstance(v, (generic.NumberObject, generic.FloatObject)) for v in numbers):
        return None
    x1, y1, x2, y2 = (float(v) for v in numbers)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _bad_tree(zh: str, en: str) -> DomainError:
    return _error("page_tree", f"PDF文件的页面树有误：{zh}", f"the PDF's page tree is malformed: {en}")


def _pages(root: generic.DictionaryObject, limits: PdfLimits) -> list[Rect]:
    """Every page's visible area, in order, in one pass over the page tree."""
    top = root.raw_get("/Pages")
    seen: set[tuple[int, int]] = set()
    pages: list[Rect] = []
    # (node, depth, inherited MediaBox, inherited CropBox); a stack, reversed kids keep the order
    stack: list[tuple[Any, int, Any, Any]] = [(top, 0, None, None)]
    while stack:
        ref, depth, media, crop = stack.pop()
        key = _key(ref)
        if key is None:
            raise _bad_tree("页面节点须为间接对象", "every node must be an indirect object")
        if key in seen:
            raise _bad_tree("同一节点出现多次", "a node appears more than once")
        seen.add(key)
        if depth > limits.max_depth:
            raise _bad_tree(f"层级超过 {limits.max_depth} 层", f"it is more than {limits.max_depth} levels deep")
        node = ref.get_object()
        if not isinstance(node, generic.DictionaryObject):
            raise _bad_tree("节点不是字典", "a node is not a dictionary")
        media = node.raw_get("/MediaBox") if "/MediaBox" in node else media
        crop = node.raw_get("/CropBox") if "/CropBox" in node else crop
        kind = _get(node, "/Type")
        if kind == "/Pages" or (kind != "/Page" and "/Kids" in node):
            kids = _get(node, "/Kids")
            if not isinstance(kids, generic.ArrayObject):
                raise _bad_tree("缺少 /Kids 数组", "a /Pages node has no /Kids array")
            if len(pages) + len(stack) + len(kids) > limits.max_pages * 2 + limits.max_depth:
                raise _too_many_pages(limits)
            stack.extend((kid, depth + 1, media, crop) for kid in reversed(kids))
            continue
        pages.append(_visible(media, crop))
        if len(pages) > limits.max_pages:
            raise _too_many_pages(limits)
    count = _get(root["/Pages"], "/Count")
    if not pages or not isinstance(count, generic.NumberObject) or int(count) != len(pages):
        raise _bad_tree(f"/Count 与实际页数（{len(pages)}）不符", f"/Count does not match the {len(pages)} "
                        "page(s) it holds")
    return pages


def _too_many_pages(limits: PdfLimits) -> DomainError:
    return _error("too_many_pages", f"PDF文件超过 {limits.max_pages} 页", f"the PDF has more than "
                  f"{limits.max_pages} pages")


def _visible(media_value: Any, crop_value: Any) -> Rect:
    media = _rect(media_value) or LETTER
    crop = _rect(crop_value) or media
    x1, y1 = max(crop[0], media[0]), max(crop[1], media[1])
    x2, y2 = min(crop[2], media[2]), min(crop[3], media[3])
    if x2 - x1 <= 0 or y2 - y1 <= 0:
        return media
    return x1, y1, x2, y2


def _fields(root: generic.DictionaryObject, limits: PdfLimits) -> frozenset[str]:
    """The names of the signature fields; counts every field once, within the limits."""
    form = _get(root, "/AcroForm")
    if form is None:
        return frozenset()
    if not isinstance(form, generic.DictionaryObject):
        raise _error("form", "PDF文件的表单（/AcroForm）不是字典", "the PDF's form (/AcroForm) is not a dictionary")
    top = _get(form, "/Fields")
    if top is None:
        return frozenset()
    if not isinstance(top, generic.ArrayObject):
        raise _error("form", "PDF文件表单的 /Fields 不是数组", "the /Fields of the PDF's form is not an array")
    seen: set[tuple[int, int]] = set()
    names: set[str] = set()
    signatures = total = 0
    stack: list[tuple[Any, int, str]] = [(f, 0, "") for f in reversed(top)]
    while stack:
        ref, depth, prefix = stack.pop()
        key = _key(ref)
        if key is not None:
            if key in seen:
                raise _error("form", "PDF文件表单中同一域出现多次", "a field appears more than once in the PDF's form")
            seen.add(key)
        total += 1
        if total > limits.max_fields or depth > limits.max_depth:
            raise _error("too_many_fields", f"PDF文件的表单域超过 {limits.max_fields} 个",
                         f"the PDF has more than {limits.max_fields} form fields")
        node = ref.get_object()
        if not isinstance(node, generic.DictionaryObject):
            raise _error("form", "PDF文件表单中的域不是字典", "a field of the PDF's form is not a dictionary")
        title = _get(node, "/T")
        name = f"{prefix}.{title}" if prefix and title is not None else str(title or prefix)
        if _get(node, "/FT") == "/Sig":
            signatures += 1
            if signatures > limits.max_signature_fields:
                raise _error("too_many_signatures", f"PDF文件的签名域超过 {limits.max_signature_fields} 个",
                             f"the PDF has more than {limits.max_signature_fields} signature fields")
            value = _get(node, "/V")
            if value is not None and not isinstance(value, generic.DictionaryObject):
                raise _error("signature_value", f"签名域“{name}”的值（/V）不是签名字典",
                             f"the value (/V) of the signature field '{name}' is not a signature dictionary")
            names.add(name)
        kids = _get(node, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            stack.extend((kid, depth + 1, name) for kid in reversed(kids))
    return frozenset(names)


ACTIVE_KEYS = {"/JS": "JavaScript", "/JavaScript": "JavaScript", "/AA": "an action triggered by an event (/AA)",
               "/EmbeddedFiles": "embedded files", "/EF": "an embedded file", "/XFA": "an XFA form",
               "/RichMediaContent": "rich media"}
ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "a launch action", "/ImportData": "an import action",
                  "/GoToE": "a jump into an embedded file", "/RichMediaExecute": "rich media",
                  "/SubmitForm": "a form submission"}
ACTIVE_TYPES = {"/EmbeddedFile": "an embedded file", "/FileAttachment": "a file attachment",
                "/RichMedia": "rich media", "/Sound": "a sound", "/Movie": "a movie", "/Screen": "a media screen"}


def _values(obj: Any, max_depth: int) -> Iterator[generic.DictionaryObject]:
    """Every dictionary directly inside ``obj`` (not through references), ``obj`` included."""
    stack: list[tuple[Any, int]] = [(obj, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise _error("too_deep", "PDF文件中的结构嵌套过深", "the PDF nests its structures too deeply")
        if isinstance(value, generic.DictionaryObject):
            yield value
            stack.extend((v, depth + 1) for v in dict.values(value)
                         if isinstance(v, (generic.DictionaryObject, generic.ArrayObject)))
        elif isinstance(value, generic.ArrayObject):
            stack.extend((v, depth + 1) for v in list.__iter__(value)
                         if isinstance(v, (generic.DictionaryObject, generic.ArrayObject)))


def _active(reader: PdfFileReader, limits: PdfLimits) -> list[str]:
    """What active content the file holds, looked up in every object it has now."""
    refs: set[generic.Reference] = set()
    for revision in range(reader.xrefs.total_revisions):
        refs |= reader.xrefs.explicit_refs_in_revision(revision)
    found: list[str] = []
    for ref in sorted(refs, key=lambda r: (r.idnum, r.generation)):
        try:
            obj = reader.get_object(ref)
        except KeyError:
            continue  # freed in a later revision
        for d in _values(obj, limits.max_depth):
            for key in d:
                if key in ACTIVE_KEYS:
                    found.append(ACTIVE_KEYS[key])
            action, kind = d.raw_get("/S") if "/S" in d else None, d.raw_get("/Type") if "/Type" in d else None
            subtype = d.raw_get("/Subtype") if "/Subtype" in d else None
            if isinstance(action, generic.NameObject) and action in ACTIVE_ACTIONS:
                found.append(ACTIVE_ACTIONS[action])
            for value in (kind, subtype):
                if isinstance(value, generic.NameObject) and value in ACTIVE_TYPES:
                    found.append(ACTIVE_TYPES[value])
        if found:
            break
    return found


def inspect_pdf(pdf: bytes, limits: PdfLimits, refuse_active: bool) -> PdfFacts:
    """Open the PDF and check it within ``limits``; what the checks found. Run it in a child
    (``run_bounded``): pyHanko may still fail on a malformed file, and that ends there."""
    try:
        reader = open_pdf(pdf)
        _count_objects(reader, limits)
        root = reader.root
        pages = _pages(root, limits)
        names = _fields(root, limits)
        active = _active(reader, limits)
    except (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise PDF.unreadable() from exc
    if active and refuse_active:
        raise _error("active_content", f"PDF文件含有主动内容（{active[0]}），不予接受",
                     f"the PDF holds active content ({active[0]}) and is not accepted")
    return PdfFacts(tuple(pages), names, tuple(active))
