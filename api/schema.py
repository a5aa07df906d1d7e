"""How the OpenAPI document describes our token, so Swagger UI's 授权 and schemathesis send it."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "接口令牌"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "请求头 “Authorization: Bearer <令牌>”（也可写作 “Token <令牌>”）。"
            "令牌由管理员用 manage.py api_client_create 创建，只显示一次。",
        }
