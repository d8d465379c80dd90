"""Pages of the child register."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from jiceng.accounts import access
from jiceng.nutrition import queries
from jiceng.nutrition.models import Child
from jiceng.standards.idnumber import mask_id_number, mask_phone


@login_required
def child_list(request):
    root = access.scope_root(request.user)
    children = access.scoped(request.user, Child.objects.filter(merged_into__isnull=True), "village")
    query = request.GET.get("q", "").strip()
    if query:
        children = children.filter(name__contains=query)
    village_code = request.GET.get("village", "").strip()
    if village_code:
        village = access.unit_in_scope_or_404(request.user, village_code)
        children = queries.children_in(village)
    page = Paginator(children.select_related("village").order_by("village__path", "name", "id"), 50)
    page = page.get_page(request.GET.get("page"))
    rows = [{"child": c, "id_masked": mask_id_number(c.id_number), "phone_masked": mask_phone(c.caregiver_phone)}
            for c in page]
    return render(request, "nutrition/child_list.html", {"page": page, "rows": rows, "q": query, "root": root})


@login_required
def child_detail(request, pk: int):
    child = access.object_in_scope_or_404(request.user, Child.objects.select_related("village"), unit_field="village",
                                          pk=pk)
    full = access.can(request.user, "registers.view_full_identity")
    return render(request, "nutrition/child_detail.html", {
        "child": child,
        "id_number": child.id_number if full else mask_id_number(child.id_number),
        "phone": child.caregiver_phone if full else mask_phone(child.caregiver_phone),
    })
