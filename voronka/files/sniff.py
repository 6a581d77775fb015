"""What an uploaded file really is, judged from its first bytes, and whether Voronka accepts it.

The name's extension is only a claim: the content is sniffed (``filetype`` plus a few checks of our
own) and the two must agree. Programs, scripts and markup a browser would run (HTML, SVG) are refused
whatever they are called. Formats we cannot recognise are accepted as plain text or opaque bytes,
since they are always downloaded as attachments and never shown inline.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Any

import filetype
from django.utils.translation import gettext_lazy as _

from voronka.common.errors import Problem, ValidationFailed

SNIFF_BYTES = 8192  # what filetype looks at; enough for the zip entries that tell docx from xlsx

# Refused by name alone: things a click on the desktop would run, and markup a browser would render.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "mst", "msc", "sys", "drv", "ocx",
        "bat", "cmd", "ps1", "psm1", "psd1", "vbs", "vbe", "js", "jse", "mjs", "wsf", "wsh", "wsc", "hta",
        "lnk", "url", "reg", "inf", "scf", "gadget", "application", "appref-ms",
        "jar", "class", "apk", "xapk", "aab", "ipa", "app", "dmg", "pkg", "deb", "rpm", "run", "elf", "so",
        "dylib", "wasm", "swf", "crx", "xpi",
        "sh", "bash", "zsh", "csh", "ksh", "fish", "command", "py", "pyc", "pyw", "pl", "pm", "rb", "php",
        "php3", "php4", "php5", "phtml", "phar", "cgi", "asp", "aspx", "jsp", "lua", "tcl",
        "html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xsl", "xslt",
    }
)  # fmt: skip

# Sniffed kinds that are programs whatever the name says.
DANGEROUS_KINDS = frozenset({"exe", "elf", "wasm", "swf", "crx", "deb", "rpm", "macho", "class", "script"})

# The names each sniffed kind may carry besides its own extension.
OFFICE_ZIPS = frozenset({"docx", "docm", "xlsx", "xlsm", "pptx", "odt", "ods", "odp", "epub"})
ISO_MEDIA = frozenset({"mp4", "m4v", "m4a", "mov", "3gp"})
NAME_ALIASES: dict[str, frozenset[str]] = {
    "jpg": frozenset({"jpeg", "jpe", "jfif"}),
    "tif": frozenset({"tiff"}),
    "heic": frozenset({"heif"}),
    "gz": frozenset({"tgz"}),
    "mid": frozenset({"midi"}),
    "mpg": frozenset({"mpeg"}),
    "ogg": frozenset({"oga", "ogv", "opus"}),
    # Office files whose first entries filetype does not know are still zip containers.
    "zip": OFFICE_ZIPS,
    "ole": frozenset({"doc", "dot", "xls", "xlt", "ppt", "pps", "msg", "vsd", "pub"}),
    "docx": frozenset({"docm"}),
    "xlsx": frozenset({"xlsm"}),
    "doc": frozenset({"dot"}),
    "xls": frozenset({"xlt"}),
    "ppt": frozenset({"pps"}),
    **dict.fromkeys(ISO_MEDIA, ISO_MEDIA),
}

# For these names the content must be recognised: a "PDF" that is not one is a mistake or a disguise.
MUST_BE_RECOGNISED = frozenset(
    {"pdf", "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "zip", "rar", "7z", "gz", "rtf"}
    | OFFICE_ZIPS
    | {"doc", "xls", "ppt"}
)

# Content types by name, for recognised containers (zip, OLE) and for text.
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docm": "application/vnd.ms-word.document.macroEnabled.12",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "epub": "application/epub+zip",
    "doc": "application/msword",
    "dot": "application/msword",
    "xls": "application/vnd.ms-excel",
    "xlt": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "pps": "application/vnd.ms-powerpoint",
    "msg": "application/vnd.ms-outlook",
    "vsd": "application/vnd.visio",
    "pub": "application/x-mspublisher",
}
TEXT_TYPES = {
    "txt": "text/plain",
    "log": "text/plain",
    "md": "text/markdown",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/json",
    "xml": "application/xml",
    "yaml": "application/yaml",
    "yml": "application/yaml",
    "ics": "text/calendar",
    "vcf": "text/vcard",
    "eml": "message/rfc822",
}
OCTET_STREAM = "application/octet-stream"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
FAT_OR_CLASS_MAGIC = b"\xca\xfe\xba\xbe"  # a universal Mach-O binary or a Java class: a program either way
# The start tags by which browsers decide a document is HTML (WHATWG MIME sniffing), plus SVG.
MARKUP_START = re.compile(
    rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p"
    rb"|svg|meta|object|embed|frameset)[\s/>]",
    re.IGNORECASE | re.DOTALL,
)
XML_MARKUP = re.compile(rb"<svg[\s/>]|<html[\s/>]|http://www\.w3\.org/1999/xhtml", re.IGNORECASE)
SHEBANG = re.compile(rb"^#!\s*/")  # "#!/usr/bin/env ..."; AMR audio also starts with "#!" but not "#!/"
CONTROL_BYTES = frozenset(set(range(32)) - {9, 10, 12, 13, 27})


@dataclass(frozen=True)
class Sniffed:
    kind: str  # usual extension of the recognised format, or "ole", "macho", "class", "script"
    content_type: str


def extension_of(name: str) -> str:
    """The lower-cased extension without the dot ("SCAN.PDF" -> "pdf"), or "" if there is none."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem.strip(". ") else ""


def _has_nul(head: bytes) -> bool:
    return b"\x00" in head


def sniff(head: bytes) -> Sniffed | None:
    """The format the first bytes show, or None for text and formats nobody recognises."""
    if SHEBANG.match(head):
        return Sniffed("script", "text/x-script")
    if head.startswith(MACHO_MAGICS):
        return Sniffed("macho", "application/x-mach-binary")
    if head.startswith(FAT_OR_CLASS_MAGIC):
        return Sniffed("class", "application/java-vm")
    if head.startswith(b"MZ") and not _has_nul(head):
        return None  # plain text that happens to begin with "MZ": every real executable header holds zeros
    kind: Any = filetype.guess(head)
    if kind is not None:
        return Sniffed(str(kind.extension), str(kind.mime))
    if head.startswith(OLE_MAGIC):
        return Sniffed("ole", "application/x-ole-storage")
    return None


def as_text(head: bytes) -> bytes | None:
    """The head as ASCII-compatible bytes if it looks like text (any 8-bit encoding or UTF-16), else None."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            body = head[len(bom) :]
            return body[: len(body) // 2 * 2].decode(codec, errors="replace").encode("utf-8", errors="replace")
    if _has_nul(head):
        return None
    controls = sum(1 for byte in head if byte in CONTROL_BYTES)
    if controls * 100 > len(head):  # a text file may carry a stray control character, not many
        return None
    return head.removeprefix(codecs.BOM_UTF8)


def is_markup(text: bytes) -> bool:
    """HTML or SVG, which a browser would render and run scripts from."""
    start = text.lstrip()
    if MARKUP_START.match(start):
        return True
    return start.startswith(b"<?xml") and XML_MARKUP.search(start) is not None


def _refuse(code: str, message: Any) -> ValidationFailed:
    return ValidationFailed(Problem("file", code, message))


def accepted_content_type(name: str, head: bytes) -> str:
    """The content type to record for a file called ``name`` that starts with ``head``; refuses with 422."""
    extension = extension_of(name)
    if extension in DANGEROUS_EXTENSIONS:
        raise _refuse(
            "dangerous_type",
            _("Files of type .%(ext)s can run programs or scripts and are not accepted.") % {"ext": extension},
        )
    found = sniff(head)
    if found is not None and found.kind in DANGEROUS_KINDS:
        raise _refuse(
            "dangerous_type",
            _("The file's content is a program or a script (%(kind)s), which is not accepted.") % {"kind": found.kind},
        )
    if found is not None:
        names = {found.kind} | NAME_ALIASES.get(found.kind, frozenset())
        if extension and extension not in names:
            raise _refuse(
                "type_mismatch",
                _("The name ends in .%(ext)s but the content is a .%(kind)s file; rename it or upload the right file.")
                % {"ext": extension, "kind": found.kind},
            )
        if found.kind in {"zip", "ole"} and extension in CONTENT_TYPES:
            return CONTENT_TYPES[extension]
        return found.content_type
    text = as_text(head)
    if text is not None and is_markup(text):
        raise _refuse(
            "dangerous_type",
            _("The file is a web page or an SVG image, which can run scripts in a browser; save it as PDF instead."),
        )
    if extension in MUST_BE_RECOGNISED:
        raise _refuse(
            "type_mismatch",
            _("The name ends in .%(ext)s but the content is not a valid .%(ext)s file.") % {"ext": extension},
        )
    if extension in TEXT_TYPES:
        if text is None:
            raise _refuse(
                "type_mismatch",
                _("The name ends in .%(ext)s but the content is not text.") % {"ext": extension},
            )
        return TEXT_TYPES[extension]
    return "text/plain" if text is not None else OCTET_STREAM
