"""The demo portal's "Đăng nhập bằng VNeID (mô phỏng)": prefill under the citizen's consent.

`POST /portal/vneid` starts an authorization (code + PKCE S256 + a `prefill` detail for
the chosen form) and sends the browser to the service's authorization endpoint; the
citizen logs in at the e-ID and answers the consent page; `GET /portal/callback` takes the
code (or `error=access_denied`), exchanges it with the portal's secret and verifier, and
prefills with the access token; `POST /portal/refill` prefills again with the token the
browser keeps (sealed), which stops working the moment the citizen revokes the consent.
The typed-ID path (`POST /prefill`) stays: it is the officer's assisted mode.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from autofill.api.dependencies import ServicesDep
from autofill.api.portal import (
    PURPOSE,
    _admit,
    _client,
    _failure_message,
    _form_unavailable,
    _index,
    _page,
    submitted,
)
from autofill.container import Services
from autofill.portal.messages import warning_lines
from autofill.portal.oauth import FLOW_SECONDS, TOKEN_COOKIE_SECONDS, PortalOAuth
from autofill.portal.views import coverage_of, is_form_id, sections_of, submission_token

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "af_portal_flow"
TOKEN_COOKIE = "af_portal_token"
COOKIE_PATH = "/portal"
REFUSED = (
    "Bạn đã từ chối cho Cổng dịch vụ công đọc dữ liệu của mình (access_denied): "
    "tờ khai không được điền sẵn. Bạn vẫn có thể tự nhập, hoặc đăng nhập lại để đồng ý."
)
NOT_REPRESENTATIVE = (
    "Không điền sẵn được (access_denied): theo CSDL quốc gia về đăng ký doanh nghiệp, bạn "
    "không phải người đại diện theo pháp luật hay chủ sở hữu của doanh nghiệp này."
)
GONE = "Quyền đọc dữ liệu đã bị thu hồi hoặc đã hết hạn: hãy đăng nhập bằng VNeID và đồng ý lại."


def _oauth(state: Services) -> PortalOAuth | None:
    return state.portal.oauth if state.portal is not None else None


def _cookie(response: Response, name: str, value: str, seconds: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=seconds,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=False,  # the demo runs on plain http on localhost
    )


@router.post("/portal/vneid", response_class=HTMLResponse)
async def portal_vneid(request: Request, state: ServicesDep) -> Response:
    """Start "Đăng nhập bằng VNeID": to the authorization endpoint for the chosen form."""
    refused = await _admit(request, state)
    if refused is not None:
        return refused
    oauth = _oauth(state)
    data = await request.form()
    form_id = str(data.get("form") or "")
    if oauth is None or not is_form_id(form_id):
        return await _index(request, state, None, message="Hãy chọn một biểu mẫu.", status=422)
    code = str(data.get("enterprise_code") or "").strip() or None
    started = oauth.start(form_id, PURPOSE.format(form=form_id), code)
    response = RedirectResponse(started.url, status_code=303)
    _cookie(response, FLOW_COOKIE, started.cookie, FLOW_SECONDS)
    return response


@router.get("/portal/callback", response_class=HTMLResponse)
async def portal_callback(
    request: Request,
    state: ServicesDep,
    code: str = "",
    error: str = "",
    error_description: str = "",
) -> Response:
    """Back from the consent page: a code to exchange, or the citizen's refusal."""
    oauth = _oauth(state)
    flow = None
    if oauth is not None:
        flow = oauth.finish(
            request.cookies.get(FLOW_COOKIE, ""), request.query_params.get("state", "")
        )
    if flow is None:
        message = "Phiên đăng nhập VNeID không hợp lệ hoặc đã hết hạn: hãy bắt đầu lại."
        return await _index(request, state, None, message=message, status=400)
    assert oauth is not None
    form_id = str(flow["form"])
    if error:
        message = _refusal(error, error_description)
        response = await _index(request, state, form_id, message=message, status=403)
        response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
        return response
    client = _client(request, state)
    answer = await client.exchange_code(
        code,
        str(flow["verifier"]),
        client_id=oauth.client_id,
        secret=oauth.secret,
        redirect_uri=oauth.redirect_uri,
    )
    token = answer.body.get("access_token") if isinstance(answer.body, dict) else None
    if not answer.ok or not isinstance(token, str):
        message = f"Không nhận được quyền đọc dữ liệu (lỗi {answer.status})."
        return await _index(request, state, form_id, message=message, status=502)
    response = await _filled(request, state, form_id, token)
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    if response.status_code == 200:
        _cookie(response, TOKEN_COOKIE, oauth.seal_token(token, form_id), TOKEN_COOKIE_SECONDS)
    return response


@router.post("/portal/refill", response_class=HTMLResponse)
async def portal_refill(request: Request, state: ServicesDep) -> Response:
    """Prefill again with the token of the citizen's consent (401 once it is revoked)."""
    oauth = _oauth(state)
    kept = oauth.open_token(request.cookies.get(TOKEN_COOKIE, "")) if oauth else None
    if kept is None:
        return await _index(request, state, None, message=GONE, status=401)
    token, form_id = kept
    return await _filled(request, state, form_id, token)


@router.post("/portal/submit", response_class=HTMLResponse)
async def portal_submit_consented(request: Request, state: ServicesDep) -> Response:
    """Submit a form filled under the citizen's consent: the submission check runs with
    the consent's access token, which names the citizen (the portal never learns the ID)."""
    oauth = _oauth(state)
    kept = oauth.open_token(request.cookies.get(TOKEN_COOKIE, "")) if oauth else None
    if kept is None:
        return await _index(request, state, None, message=GONE, status=401)
    return await submitted(request, state, access_token=kept[0])


def _refusal(error: str, description: str) -> str:
    """What the citizen reads when the authorization came back with an error."""
    if error != "access_denied":
        return f"Không đăng nhập được ({error[:40]})."
    return NOT_REPRESENTATIVE if "representative" in description else REFUSED


async def _filled(request: Request, state: Services, form_id: str, token: str) -> Response:
    """The form prefilled under the consent token, or the page that says why not."""
    client = _client(request, state)
    schema_answer = await client.get_form(form_id)
    if not schema_answer.ok:
        return await _form_unavailable(request, state, form_id, schema_answer)
    schema = schema_answer.body
    answer = await client.prefill_with_token(form_id, token)
    if answer.status == 401:
        response = await _index(request, state, form_id, message=GONE, status=401)
        response.delete_cookie(TOKEN_COOKIE, path=COOKIE_PATH)
        return response
    if not answer.ok:
        detail = answer.problem_detail()
        message = f"{_failure_message(answer.status)} {detail}".strip()
        status = answer.status if answer.status < 500 else 503
        return await _index(request, state, form_id, message=message, status=status)
    result = answer.body
    context = {
        "schema": schema,
        "result": result,
        "sections": sections_of(schema, result),
        "coverage": coverage_of(result),
        "warnings": warning_lines(schema, result),
        "entered": {},
        "token": submission_token(result),
        "can_verify": client.can_verify(),
        "consent_mode": True,
    }
    return _page(request, "form.html", context)
