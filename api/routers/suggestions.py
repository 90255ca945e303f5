"""Submitting suggestions (stored, idempotent by the submitter's id) and scoring a draft (nothing stored)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from ..auth import INTAKE, Caller
from ..schemas import BatchResult, SuggestionBatch, SuggestionDraft, SuggestionResult, SuggestionsRequest
from ..service import Service
from .common import AUTH_ERRORS, BODY_ERRORS, errors, get_service

router = APIRouter(prefix="/v1", tags=["意见"])


@router.post(
    "/suggestions",
    summary="提交一条或一批意见",
    description="保存意见并返回：保存的编号、是否重复转发（duplicate_of）、归入的问题（或新开的问题）及得分明细。"
                "以提交方编号保证幂等：同一编号、同一内容再次提交不会重复保存，并返回与第一次相同的结果；"
                "同一编号内容不同则返回 409。一批意见在一个事务中保存，答复之前已提交。"
                "有新保存的意见时状态码为 201，全部为重复提交时为 200。",
    response_model=SuggestionResult | BatchResult,
    status_code=201,
    responses={200: {"description": "全部为重复提交，返回第一次的结果", "model": SuggestionResult | BatchResult},
               **errors(*AUTH_ERRORS, 409, *BODY_ERRORS, notes={409: "同一编号已保存了内容不同的意见（id_conflict）"})},
)
def submit_suggestions(payload: SuggestionsRequest, response: Response, caller: Caller = INTAKE,
                       service: Service = Depends(get_service)):
    batch = isinstance(payload, SuggestionBatch)
    outcome = service.submit(payload.items if batch else [payload], caller.actor, batch)
    if not outcome.created:
        response.status_code = 200
    return {"items": outcome.results} if batch else outcome.results[0]


@router.post(
    "/score",
    summary="为一段文字打分，不保存",
    description="返回与提交相同的结果（重复转发、将归入的问题、得分明细），但不保存任何内容。"
                "供提交表单在发送前提示提交者，例如已有相同问题。",
    response_model=SuggestionResult,
    responses=errors(*AUTH_ERRORS, *BODY_ERRORS),
)
def score_suggestion(payload: SuggestionDraft, caller: Caller = INTAKE, service: Service = Depends(get_service)):
    return service.score(payload)
