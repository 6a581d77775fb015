"""The type policy: content decides, the extension must agree, programs and markup never pass."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.files import samples
from voronka.common.errors import ValidationFailed
from voronka.files.sniff import SNIFF_BYTES, accepted_content_type, extension_of


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("scan.pdf", samples.pdf, "application/pdf"),
        ("SCAN.PDF", samples.pdf, "application/pdf"),
        ("Photo.JPEG", samples.jpeg, "image/jpeg"),
        ("photo.jpg", samples.jpeg, "image/jpeg"),
        ("logo.png", samples.png, "image/png"),
        ("Договор.docx", samples.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("Отчёт.XLSX", samples.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("archive.zip", samples.zip_archive, "application/zip"),
        ("clients.csv", samples.csv_cp1251, "text/csv"),
        ("notes.txt", samples.text, "text/plain"),
        ("README", samples.text, "text/plain"),
        ("signature.p7s", lambda: b"\x30\x82\x05\x10\x06\x09\x2a\x86\x48", "application/octet-stream"),
    ],
)
def test_accepted_types(name: str, make: Callable[[], bytes], content_type: str) -> None:
    assert accepted_content_type(name, make()[:SNIFF_BYTES]) == content_type


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("setup.exe", samples.windows_exe, "dangerous_type"),
        ("invoice.pdf", samples.windows_exe, "dangerous_type"),
        ("invoice.PDF", samples.linux_elf, "dangerous_type"),
        ("notes.txt", samples.shell_script, "dangerous_type"),
        ("run.SH", samples.text, "dangerous_type"),
        ("macro.js", samples.text, "dangerous_type"),
        ("page.html", samples.html_page, "dangerous_type"),
        ("report.txt", samples.html_page, "dangerous_type"),
        ("logo.png", samples.svg_image, "dangerous_type"),
        ("data.xml", samples.svg_image, "dangerous_type"),
        ("logo.svg", samples.svg_image, "dangerous_type"),
        ("contract.pdf", samples.png, "type_mismatch"),
        ("contract.pdf", samples.text, "type_mismatch"),
        ("table.xlsx", samples.docx, "type_mismatch"),
        ("photo.jpg", samples.pdf, "type_mismatch"),
        ("clients.csv", samples.png, "type_mismatch"),
        ("clients.csv", lambda: b"\x00\x01\x02\x03binary", "type_mismatch"),
    ],
)
def test_refused_types(name: str, make: Callable[[], bytes], code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        accepted_content_type(name, make()[:SNIFF_BYTES])
    assert [(p.field, p.code) for p in refused.value.problems] == [("file", code)]


def test_text_that_happens_to_start_like_an_executable_is_text() -> None:
    assert accepted_content_type("codes.csv", b"MZ-1;Moscow zone 1\nMZ-2;Moscow zone 2\n") == "text/csv"


@pytest.mark.parametrize(
    ("name", "extension"),
    [("SCAN.PDF", "pdf"), ("a.tar.GZ", "gz"), (".bashrc", ""), ("README", ""), ("x.", "")],
)
def test_extension_of(name: str, extension: str) -> None:
    assert extension_of(name) == extension
