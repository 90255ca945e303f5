"""The reviewer workspace: server-rendered pages under ``/web`` in the same process as the API.

Pages read the live workspace and the store through the same functions as the API (``api.views``), and a decision
made on a page is written by the API's own ``POST /v1/reviews`` handler, so the two can never disagree. Nothing
here is part of the OpenAPI document.
"""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from triage.documents import (BEIJING, current_quarter, digest_document, key_topic_document, parse_period,
                              write_document)
from triage.annual import in_year, overview, workbook_sheets, write_report
from triage.feedback import Feedback, letter_document, organisations
from triage.tracking import Implementation
from triage.privacy import mask_pii
from triage.theme_reports import theme_entries
from triage.workbook import write_workbook

from .. import tracking
from ..auth import Caller
from ..errors import ApiError, translate
from ..messages import ROLES
from ..routers.common import get_service
from ..routers.reviews import post_review
from ..schemas import ImplementationIn, ReviewIn
from ..service import Service
from ..views import RankedThemes, ranked_digest, ranked_issues
from . import pages, queries
from .session import (WEB_ROLES, close_session, form_token, open_session, session_caller, valid_form_token)
from .texts import (ANNUAL_FORMATS, DECISIONS, DECISIONS_FOR, EXPORT_FORMATS, FACTOR_NAMES, FEEDBACK_COLUMNS, FILENAMES,
                    IMPLEMENTATION_FIELDS, IMPLEMENTATION_STATUSES, STATUS_LABELS, UNREVIEWED, T)

HERE = Path(__file__).resolve().parent
STATIC = {path.name: path for path in (HERE / "static").iterdir() if path.is_file()}
MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
DOCUMENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30



def local_minute(moment: datetime | None) -> str:
    """A stored UTC time as reviewers read it, in Beijing time."""
    return moment.replace(tzinfo=timezone.utc).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(T=T, DECISIONS=DECISIONS, DECISIONS_FOR=DECISIONS_FOR, STATUS_LABELS=STATUS_LABELS,
                             FACTOR_NAMES=FACTOR_NAMES, UNREVIEWED=UNREVIEWED, EXPORT_FORMATS=EXPORT_FORMATS,
                             IMPLEMENTATION_STATUSES=IMPLEMENTATION_STATUSES, ANNUAL_FORMATS=ANNUAL_FORMATS)
templates.env.filters["mask"] = mask_pii
templates.env.filters["day"] = lambda value: value.strftime("%Y-%m-%d") if value else ""
templates.env.filters["minute"] = local_minute

router = APIRouter(include_in_schema=False)


# -- plumbing -------------------------------------------------------------------------------------------------------

def reviewer(request: Request, service: Service = Depends(get_service)) -> Caller | None:
    return session_caller(request, service.store)


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/web/login?{urlencode({'next': target})}", status_code=303)


def safe_next(target: str | None, default: str = "/web/themes") -> str:
    """Only paths inside the workspace: a login link must not send the reviewer to another site."""
    return target if target and target.startswith("/web/") and not target.startswith("//") else default


def render(request: Request, template: str, caller: Caller | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in ("notice", "error")])
    context.update(caller=caller, token=form_token(caller) if caller else "", path=request.url.path,
                   notice=request.query_params.get("notice", ""), error=request.query_params.get("error", ""),
                   here=request.url.path + (f"?{kept}" if kept else ""))
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def fault_page(request: Request, message: str, status: int, headers: dict[str, str]) -> HTMLResponse:
    """The page a reviewer sees while the store is away, full or read-only: what happened and when to try again."""
    response = render(request, "missing.html", None, status_code=status, message=message)
    response.headers.update(headers)
    return response


def download(content: bytes, filename: str, media_type: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def list_query(sector: str = Query(""), district: str = Query(""), since: str = Query(""), until: str = Query(""),
               status: str = Query(""), q: str = Query(""), page: int = Query(1, ge=1)) -> pages.ListQuery:
    return pages.ListQuery(sector.strip(), district.strip(), pages.parse_day(since), pages.parse_day(until),
                           status if status in STATUS_LABELS else "", q.strip(), page)


def paginate(items: list, query: pages.ListQuery) -> tuple[list, dict[str, Any]]:
    start = (query.page - 1) * PAGE_SIZE
    shown = items[start:start + PAGE_SIZE]
    return shown, {"total": len(items), "first": start + 1 if shown else 0, "last": start + len(shown),
                   "prev": urlencode(query.params(page=query.page - 1)) if query.page > 1 else None,
                   "next": urlencode(query.params(page=query.page + 1)) if start + PAGE_SIZE < len(items) else None}


def filter_context(service: Service, query: pages.ListQuery) -> dict[str, Any]:
    suggestions = service.workspace.suggestions
    dates_ok = not (query.since and query.until and query.since > query.until)
    return {"query": query, "sectors": pages.choices(s.sector for s in suggestions),
            "districts": pages.choices(s.district for s in suggestions), "dates_ok": dates_ok}


def full_score(service: Service, kind: str) -> float:
    """A perfect candidate's score: the sum of the ranking's weights; the digest model's score is at most 1."""
    return 1.0 if kind == "digest" else sum(service.config["rank"][kind]["weights"].values())


# -- login ----------------------------------------------------------------------------------------------------------

@router.get("/", response_class=RedirectResponse)
def root():
    return RedirectResponse("/web/", status_code=303)


@router.get("/web", response_class=RedirectResponse)
@router.get("/web/", response_class=RedirectResponse)
def home():
    return RedirectResponse("/web/themes", status_code=303)


@router.get("/web/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = Query("")):
    return render(request, "login.html", None, next=safe_next(next), message="")


@router.post("/web/login")
def login(request: Request, key: str = Form(""), next: str = Form(""), service: Service = Depends(get_service)):
    caller = service.keys.caller(key.strip()) if key.strip() else None
    message = ""
    if caller is None:
        message = T["login_invalid"]
    elif caller.role not in WEB_ROLES:
        message = T["login_wrong_role"].format(role=ROLES.get(caller.role, caller.role))
    if message:
        return render(request, "login.html", None, status_code=401, next=safe_next(next), message=message)
    response = RedirectResponse(safe_next(next), status_code=303)
    open_session(response, request, caller)
    return response


@router.post("/web/logout")
def logout():
    response = RedirectResponse("/web/login", status_code=303)
    close_session(response)
    return response


@router.get("/web/static/{name}")
def static(name: str):
    path = STATIC.get(name)
    if path is None:
        raise ApiError(404, "route_not_found", None, path=f"/web/static/{name}")
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
                        headers={"Cache-Control": "max-age=300"})


# -- key-topic candidates (themes) and common issues ---------------------------------------------------------------

@router.get("/web/themes", response_class=HTMLResponse)
def themes_page(request: Request, query: pages.ListQuery = Depends(list_query),
                caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    workspace = service.workspace
    with service.store.session() as session:
        current = queries.latest_reviews(session, "theme")
    rows = []
    for entry in RankedThemes(workspace, query.filters()):
        review = current.get(entry.theme.id)
        if not query.status_matches(review.decision if review else None):
            continue
        if query.q and not pages.theme_matches(entry, query.q):
            continue
        rows.append({"entry": entry, "review": review, "bars": pages.bars(entry.score, full_score(service, "theme"))})
    shown, paging = paginate(rows, query)
    return render(request, "themes.html", caller, rows=shown, paging=paging,
                  issues_shown=service.config["rank"]["theme"]["issues_shown"], **filter_context(service, query))


@router.get("/web/issues", response_class=HTMLResponse)
def issues_page(request: Request, query: pages.ListQuery = Depends(list_query),
                caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    workspace = service.workspace
    ranked = ranked_issues(workspace, query.filters())
    with service.store.session() as session:
        current = queries.latest_reviews(session, "issue")
    rows = []
    for rank, issue, score in ranked:
        review = current.get(issue.id)
        if not query.status_matches(review.decision if review else None):
            continue
        if query.q and not pages.issue_matches(issue, workspace.members(issue.id), query.q):
            continue
        rows.append({"rank": rank, "issue": issue, "score": score, "review": review,
                     "bars": pages.bars(score, full_score(service, "key_topic"))})
    shown, paging = paginate(rows, query)
    return render(request, "issues.html", caller, rows=shown, paging=paging, total_issues=len(workspace.issues()),
                  **filter_context(service, query))


@router.get("/web/issues/{issue_id}", response_class=HTMLResponse)
def issue_page(request: Request, issue_id: str, caller: Caller | None = Depends(reviewer),
               service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    workspace = service.workspace
    issue = workspace.issue(issue_id)
    if issue is None:
        into = service.merged_into(issue_id)
        if into is not None:
            notice = urlencode({"notice": T["merged_into_this"].format(id=issue_id)})
            return RedirectResponse(f"/web/issues/{quote(into)}?{notice}", 303)
        return render(request, "missing.html", caller, status_code=404,
                      message=T["not_found"].format(what=T["issue"], id=issue_id))
    # Its place looked up, not walked to: walking scores every issue ranked above it (seconds at 100,000 stored).
    rank, score = workspace.key_topic(issue.id)
    members = workspace.members(issue.id)
    with service.store.session() as session:
        reviews = queries.history(session, "issue", issue.id)
        implementations = tracking.history(session, "issue", issue.id)
        member_status = queries.latest_reviews(session, "suggestion")
        names = queries.reviewer_names(session)
    weeks = pages.timeline(members)
    return render(request, "issue.html", caller, issue=issue, rank=rank, total=len(workspace.key_topics()), score=score,
                  bars=pages.bars(score, full_score(service, "key_topic")), members=pages.fold(members),
                  reposts=sum(1 for s in members if s.duplicate_of), weeks=weeks,
                  week_max=max((w.total for w in weeks), default=1), raisers=pages.raisers(members),
                  reviews=reviews, names=names, member_status=member_status, implementations=implementations,
                  threads=workspace.threads(issue.id))


@router.post("/web/issues/{issue_id}/split")
def split_thread(request: Request, issue_id: str, thread: int = Form(0), reason: str = Form(""),
                 token: str = Form(""), caller: Caller | None = Depends(reviewer),
                 service: Service = Depends(get_service)):
    return _correct_issue(request, caller, token, issue_id, reason, "threads", "split_done", 1,
                          lambda why: service.split_issue(issue_id, None, thread, why, caller.actor))


@router.post("/web/issues/{issue_id}/merge")
def merge_with(request: Request, issue_id: str, other: str = Form(""), reason: str = Form(""),
               token: str = Form(""), caller: Caller | None = Depends(reviewer),
               service: Service = Depends(get_service)):
    return _correct_issue(request, caller, token, issue_id, reason, "merge", "merge_done", 0,
                          lambda why: service.merge_issues([issue_id, other.strip()], why, caller.actor))


def _correct_issue(request: Request, caller: Caller | None, token: str, issue_id: str, reason: str, anchor: str,
                   notice: str, landing: int, apply) -> Response:
    """A reviewer's split or merge from the issue page; then the issue it produced (``issue_ids[landing]``) is shown,
    or the page again with the error."""
    if caller is None or not valid_form_token(caller, token):
        return to_login(request)
    back = f"/web/issues/{quote(issue_id)}"
    if not reason.strip():
        return RedirectResponse(f"{back}?{urlencode({'error': T['reason_required']})}#{anchor}", 303)
    try:
        done = apply(reason.strip()[:4000])
    except ApiError as error:
        return RedirectResponse(f"{back}?{urlencode({'error': error.message})}#{anchor}", 303)
    target = done["issue_ids"][landing]
    return RedirectResponse(f"/web/issues/{quote(target)}?{urlencode({'notice': T[notice].format(id=target)})}", 303)


# -- suggestions and the digest -------------------------------------------------------------------------------------

@router.get("/web/suggestions/{suggestion_id}", response_class=HTMLResponse)
def suggestion_page(request: Request, suggestion_id: str, caller: Caller | None = Depends(reviewer),
                    service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    workspace = service.workspace
    suggestion = workspace.get(suggestion_id)
    if suggestion is None:
        return render(request, "missing.html", caller, status_code=404,
                      message=T["not_found"].format(what=T["suggestion"], id=suggestion_id))
    issue_id = workspace.issue_of(suggestion.id)
    digest = next(((rank, score) for rank, (s, score, _) in enumerate(workspace.digest(), 1) if s.id == suggestion.id),
                  None)
    with service.store.session() as session:
        reviews = queries.history(session, "suggestion", suggestion.id)
        implementations = tracking.history(session, "suggestion", suggestion.id)
        names = queries.reviewer_names(session)
    return render(request, "suggestion.html", caller, suggestion=suggestion,
                  issue=workspace.issue(issue_id) if issue_id else None, reviews=reviews, names=names,
                  implementations=implementations,
                  digest_rank=digest[0] if digest else None,
                  bars=pages.bars(digest[1], full_score(service, "digest")) if digest else [],
                  digest_score=digest[1] if digest else None)


@router.get("/web/digest", response_class=HTMLResponse)
def digest_page(request: Request, query: pages.ListQuery = Depends(list_query),
                caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    workspace = service.workspace
    with service.store.session() as session:
        current = queries.latest_reviews(session, "suggestion")
    rows = []
    for rank, suggestion, score, issue_id in ranked_digest(workspace, query.filters()):
        review = current.get(suggestion.id)
        if not query.status_matches(review.decision if review else None):
            continue
        if query.q and not pages.suggestion_matches(suggestion, query.q):
            continue
        rows.append({"rank": rank, "suggestion": suggestion, "score": score, "review": review,
                     "issue": workspace.issue(issue_id) if issue_id else None,
                     "bars": pages.bars(score, full_score(service, "digest"))})
    shown, paging = paginate(rows, query)
    period = request.query_params.get("period") or current_quarter()
    return render(request, "digest.html", caller, rows=shown, paging=paging, period=period,
                  **filter_context(service, query))


# -- decisions ------------------------------------------------------------------------------------------------------

@router.post("/web/reviews")
def record_decision(request: Request, target_type: str = Form(...), target_id: str = Form(...),
                    decision: str = Form(""), reason: str = Form(""), token: str = Form(""), next: str = Form(""),
                    caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    if caller is None or not valid_form_token(caller, token):
        return to_login(request)
    if decision not in DECISIONS_FOR.get(target_type, ()):
        return back_to(next, error=T["unknown_decision"])
    if not reason.strip():
        return back_to(next, error=T["reason_required"])
    try:
        payload = ReviewIn(target_type=target_type, target_id=target_id, decision=decision, reason=reason.strip())
        post_review(payload, caller, service)
    except ValidationError as error:
        return back_to(next, error=error.errors()[0].get("msg", ""))
    except ApiError as error:
        return back_to(next, error=error.message)
    return back_to(next, notice=T["saved"].format(label=DECISIONS[decision]))


@router.post("/web/implementations")
def record_implementation(request: Request, target_type: str = Form(...), target_id: str = Form(...),
                          status: str = Form(""), date: str = Form(""), department: str = Form(""),
                          note: str = Form(""), evidence_url: str = Form(""), token: str = Form(""),
                          next: str = Form(""), caller: Caller | None = Depends(reviewer),
                          service: Service = Depends(get_service)):
    """The page's form for ``POST /v1/implementations``: the same checks, answered as a notice on the page."""
    if caller is None or not valid_form_token(caller, token):
        return to_login(request)
    if status not in IMPLEMENTATION_STATUSES or not date.strip() or not department.strip():
        return back_to(next, error=T["implementation_fields_required"])
    try:
        payload = ImplementationIn(target_type=target_type, target_id=target_id, status=status, date=date.strip(),
                                   department=department.strip(), note=note.strip(),
                                   evidence_url=evidence_url.strip() or None)
        tracking.record(service, payload, caller)
    except ValidationError as error:
        found = translate({**error.errors()[0], "loc": ("body", *error.errors()[0]["loc"])})
        return back_to(next, error=f"{IMPLEMENTATION_FIELDS.get(found['field'], found['field'])}：{found['message']}")
    except ApiError as error:
        return back_to(next, error=error.message)
    return back_to(next, notice=T["implementation_saved"].format(label=IMPLEMENTATION_STATUSES[status]))


def back_to(target: str, **message: str) -> RedirectResponse:
    """Back to the page a form was sent from (``notice`` or ``error`` shown there), at the form's anchor."""
    back, _, anchor = safe_next(target).partition("#")
    joiner = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{joiner}{urlencode(message)}{'#' + anchor if anchor else ''}", 303)


# -- feedback to organisations --------------------------------------------------------------------------------------

@router.get("/web/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, caller: Caller | None = Depends(reviewer),
                  service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    with service.store.session() as session:
        rows = queries.feedback(session, service.workspace)
    return render(request, "feedback.html", caller, organisations=organisations(rows))


@router.get("/web/feedback.csv")
def feedback_csv(request: Request, org: str = Query(""), caller: Caller | None = Depends(reviewer),
                 service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    with service.store.session() as session:
        rows = queries.feedback(session, service.workspace, org or None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FEEDBACK_COLUMNS.values())
    for row in rows:
        s = row.suggestion
        writer.writerow([s.submitter, mask_pii(s.org_name), s.org_type, s.id, mask_pii(s.original_title or s.title),
                         s.submitted_at.strftime("%Y-%m-%d") if s.submitted_at else "",
                         mask_pii(row.issue_label) if row.issue_id else "",
                         STATUS_LABELS[row.decision or UNREVIEWED], mask_pii(row.reason),
                         local_minute(row.decided_at),
                         T[f"target_{row.basis}"] if row.basis else "", *implementation_cells(row.implementation)])
    name = FILENAMES["feedback"].format(org=org) if org else FILENAMES["feedback_all"]
    return download(out.getvalue().encode("utf-8-sig"), name, "text/csv; charset=utf-8")


def implementation_cells(implementation: Implementation | None) -> list[str]:
    """The feedback CSV's implementation columns: status, date, department, note, evidence link."""
    if implementation is None:
        return [""] * 5
    return [implementation.label, implementation.on.isoformat(), mask_pii(implementation.department),
            mask_pii(implementation.note), implementation.evidence_url or ""]


@router.get("/web/feedback/{submitter}", response_class=HTMLResponse)
def organisation_page(request: Request, submitter: str, caller: Caller | None = Depends(reviewer),
                      service: Service = Depends(get_service)):
    rows = organisation_feedback(request, submitter, caller, service)
    if isinstance(rows, Response):
        return rows
    return render(request, "organisation.html", caller, rows=rows, org=organisations(rows)[0])


def organisation_feedback(request: Request, submitter: str, caller: Caller | None,
                          service: Service) -> list[Feedback] | Response:
    """One organisation's feedback rows, or the page to answer with instead (login, or 404 for no such code)."""
    if caller is None:
        return to_login(request)
    with service.store.session() as session:
        rows = queries.feedback(session, service.workspace, submitter)
    return rows or render(request, "missing.html", caller, status_code=404, message=T["no_org"])


# -- documents ------------------------------------------------------------------------------------------------------

@router.get("/web/exports/digest")
def export_digest(request: Request, period: str = Query(""), format: str = Query("docx"),
                  caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    try:
        chosen = parse_period(period or current_quarter())
    except ValueError as error:
        return RedirectResponse(f"/web/digest?{urlencode({'error': str(error), 'period': period})}", 303)
    ext = format if format in DOCUMENT_TYPES else "docx"
    with service.store.session() as session:
        items = queries.digest_items(session, service.workspace, chosen)
    return _document(digest_document(items, chosen), FILENAMES["digest"].format(period=chosen.code, ext=ext), ext)


@router.get("/web/exports/triage.xlsx")
def export_workbook(request: Request, caller: Caller | None = Depends(reviewer),
                    service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    workspace = service.workspace
    entries = theme_entries(workspace.themes(), workspace.theme_candidates(), workspace.key_topics(),
                            workspace.suggestions)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook(Path(tmp) / "triage.xlsx", entries, workspace.key_topics(), workspace.digest(),
                              workspace.suggestions, workspace.assignments(), workspace.theme_assignments(),
                              service.config["rank"]["theme"]["issues_shown"])
        return download(path.read_bytes(), FILENAMES["workbook"], XLSX_TYPE)


@router.get("/web/exports/key-topics.docx")
def export_key_topics(request: Request, caller: Caller | None = Depends(reviewer),
                      service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    with service.store.session() as session:
        entries, total = queries.key_topic_entries(session, service.workspace)
    return _document(key_topic_document(entries, total, issues_shown=service.config["rank"]["theme"]["issues_shown"]),
                     FILENAMES["key_topics"], "docx")


# -- the annual report and the feedback letters ---------------------------------------------------------------------

def report_years(service: Service) -> list[int]:
    """Years with dated suggestions, latest first: the years a report can be made for."""
    return sorted({s.submitted_at.year for s in service.workspace.suggestions if s.submitted_at}, reverse=True)


@router.get("/web/annual", response_class=HTMLResponse)
def annual_page(request: Request, year: int | None = Query(None), caller: Caller | None = Depends(reviewer),
                service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    years = report_years(service)
    chosen = year if year in years else (years[0] if years else None)
    if chosen is None:
        return render(request, "annual.html", caller, report=None, years=[], year=None)
    with service.store.session() as session:
        rows = queries.feedback(session, service.workspace)
        report = queries.annual_report(session, service.workspace, chosen, rows)
    letters = organisations(r for r in rows if in_year(r, chosen) and not r.suggestion.duplicate_of)
    return render(request, "annual.html", caller, report=report, years=years, year=chosen,
                  overview=overview(report), tables=workbook_sheets(report), organisations=letters)


@router.get("/web/exports/annual")
def export_annual(request: Request, year: int | None = Query(None), format: str = Query("docx"),
                  caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    if caller is None:
        return to_login(request)
    ext = format if format in ANNUAL_FORMATS else "docx"
    year = year or next(iter(report_years(service)), datetime.now(BEIJING).year)
    with service.store.session() as session:
        report = queries.annual_report(session, service.workspace, year)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_report(Path(tmp) / f"report.{ext}", report)
        return download(path.read_bytes(), FILENAMES["annual"].format(year=year, ext=ext), DOCUMENT_TYPES[ext])


@router.get("/web/exports/letters/{submitter}")
def export_letter(request: Request, submitter: str, year: int | None = Query(None),
                  caller: Caller | None = Depends(reviewer), service: Service = Depends(get_service)):
    rows = organisation_feedback(request, submitter, caller, service)
    if isinstance(rows, Response):
        return rows
    issues = {issue.id: issue for issue in service.workspace.issues()}
    name = FILENAMES["letter_year" if year else "letter"].format(org=submitter, year=year)
    return _document(letter_document(organisations(rows)[0], rows, issues, year), name, "docx")


def _document(document, filename: str, ext: str) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_document(Path(tmp) / f"document.{ext}", document)
        return download(path.read_bytes(), filename, DOCUMENT_TYPES[ext])

