"""Small but real files of the formats an office sends around, built in memory."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b"<?xml version='1.0'?><Types/>"),
            ("_rels/.rels", b"<?xml version='1.0'?><Relationships/>"),
            ("word/document.xml", b"<?xml version='1.0'?><w:document/>"),
        ]
    )


def xlsx() -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b"<?xml version='1.0'?><Types/>"),
            ("_rels/.rels", b"<?xml version='1.0'?><Relationships/>"),
            ("xl/workbook.xml", b"<?xml version='1.0'?><workbook/>"),
        ]
    )


def zip_archive() -> bytes:
    return _zip([("readme.txt", b"hello"), ("data/report.csv", b"a,b\n1,2\n")])


def csv_cp1251() -> bytes:
    return "Клиент;Сумма\nООО Ромашка;1000\n".encode("cp1251")


def text() -> bytes:
    return "Договор подписан.\nОригинал отправлен почтой.\n".encode()


def windows_exe() -> bytes:
    header = bytearray(128)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 64)
    header[64:68] = b"PE\x00\x00"
    return bytes(header)


def linux_elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


def shell_script() -> bytes:
    return b"#!/bin/sh\nrm -rf ~\n"


def html_page() -> bytes:
    return b"\n  <!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def svg_image() -> bytes:
    return b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def bytes_of_size(size: int) -> bytes:
    line = b"0123456789abcdef" * 4 + b"\n"
    return (line * (size // len(line) + 1))[:size]
