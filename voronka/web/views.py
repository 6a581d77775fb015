"""Server-rendered screens. Views are thin: they read through access functions and write through services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from voronka.entities.models import EntityType


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {"types": EntityType.objects.filter(enabled=True), "section": "home"}
    return render(request, "web/home.html", context)
