"""FileAttachment rows mirror what items' file fields hold, through every write."""

from __future__ import annotations

import io

import pytest
from django.db.models import ProtectedError

from tests.factories import People, make_field, make_item
from tests.files import samples
from voronka.entities.services.items import do_delete_item, do_update_item
from voronka.files.models import FileAttachment, StoredFile
from voronka.files.services import do_upload_file


def pdf_id(people: People, name: str = "scan.pdf") -> int:
    return do_upload_file(people.anna, io.BytesIO(samples.pdf()), name).pk


def attached(item_id: int) -> set[tuple[str, int]]:
    return set(FileAttachment.objects.filter(item_id=item_id).values_list("field__slug", "file_id"))


def test_rows_follow_a_multiple_field(people: People) -> None:
    make_field(people.admin, "deal", "documents", "file", multiple=True)
    one, two, three = pdf_id(people, "1.pdf"), pdf_id(people, "2.pdf"), pdf_id(people, "3.pdf")
    deal = make_item(people.anna, "deal", title="Docs", documents=[one, two])
    assert attached(deal.pk) == {("documents", one), ("documents", two)}

    deal = do_update_item(people.anna, deal, {"documents": [two, three]})
    assert attached(deal.pk) == {("documents", two), ("documents", three)}

    deal = do_update_item(people.anna, deal, {"documents": None})
    assert attached(deal.pk) == set()
    assert StoredFile.objects.count() == 3  # clearing a field frees the files, it does not delete them


def test_rows_follow_single_fields_independently(people: People) -> None:
    make_field(people.admin, "deal", "specification", "file")
    make_field(people.admin, "deal", "closing_scan", "file")
    spec, scan, other = pdf_id(people), pdf_id(people), pdf_id(people)
    deal = make_item(people.anna, "deal", title="Two fields", specification=spec, closing_scan=scan)
    assert attached(deal.pk) == {("specification", spec), ("closing_scan", scan)}

    deal = do_update_item(people.anna, deal, {"closing_scan": other, "title": "Renamed"})
    assert attached(deal.pk) == {("specification", spec), ("closing_scan", other)}

    deal = do_update_item(people.anna, deal, {"specification": ""})
    assert attached(deal.pk) == {("closing_scan", other)}


def test_same_file_in_two_fields_is_two_rows(people: People) -> None:
    make_field(people.admin, "deal", "draft", "file")
    make_field(people.admin, "deal", "final", "file")
    file_id = pdf_id(people)
    deal = make_item(people.anna, "deal", title="Same file", draft=file_id, final=file_id)
    assert attached(deal.pk) == {("draft", file_id), ("final", file_id)}
    deal = do_update_item(people.anna, deal, {"draft": None})
    assert attached(deal.pk) == {("final", file_id)}


def test_deleting_the_item_removes_its_rows_and_keeps_the_file(people: People) -> None:
    make_field(people.admin, "deal", "scan", "file")
    file_id = pdf_id(people)
    deal = make_item(people.anna, "deal", title="To delete", scan=file_id)
    do_delete_item(people.anna, deal)
    assert not FileAttachment.objects.exists()
    assert StoredFile.objects.filter(pk=file_id).exists()


def test_an_attached_file_cannot_be_deleted(people: People) -> None:
    make_field(people.admin, "deal", "scan", "file")
    file_id = pdf_id(people)
    make_item(people.anna, "deal", title="Holds it", scan=file_id)
    with pytest.raises(ProtectedError):
        StoredFile.objects.filter(pk=file_id).delete()
