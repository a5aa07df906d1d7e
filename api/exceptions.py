"""Every refusal of the API as JSON with a Chinese `detail`, whatever raised it.

DRF's own texts come translated (LANGUAGE_CODE zh-hans) but not all of them, and a domain error from a service
carries the message a person should read: the status decides the words here, so a client always gets one of
these (with the field errors beside them for a 400).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from opinion_system.errors import DomainError, NotAllowed

DETAILS = {
    400: "请求内容有误。",
    401: "未提供有效的接口令牌：请在请求头中加入 “Authorization: Token <令牌>”。",
    403: "您没有权限进行此操作。",
    404: "未找到：对象不存在，或您无权查看。",
    405: "不支持该请求方法。",
    406: "无法按请求的格式返回内容。",
    413: "上传内容过大。",
    415: "不支持该内容类型。",
    429: "请求过于频繁，请稍后再试。",
}


def exception_handler(exc, context):
    if isinstance(exc, NotAllowed):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, DomainError):
        exc = exceptions.ValidationError({"detail": exc.message})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(DETAILS[404])  # never the internal message ("舆情不存在" names the kind)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or DETAILS[403])
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _body(exc, response)
    return response


def _body(exc, response: Response) -> dict:
    code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        detail = errors.pop("detail", None)
        detail = str(detail[0] if isinstance(detail, list) else detail) if detail else DETAILS[400]
        return {"detail": detail, "errors": errors} if errors else {"detail": detail}
    if isinstance(exc, exceptions.Throttled):
        wait = f"请在 {exc.wait:.0f} 秒后重试。" if exc.wait else ""
        return {"detail": DETAILS[429] + wait}
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        # Our authentication's messages are Chinese; DRF's "not provided" becomes ours.
        if isinstance(exc, exceptions.NotAuthenticated):
            return {"detail": DETAILS[401]}
        return {"detail": str(exc.detail)}
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail) != str(
        exceptions.PermissionDenied.default_detail
    ):
        return {"detail": str(exc.detail)}
    return {"detail": DETAILS.get(code, str(getattr(exc, "detail", "")) or "请求失败。")}
