"""Fake 企业微信, 钉钉 and 阿里云短信 APIs on 127.0.0.1 that record what they receive (tests of the person channels)."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WECOM = {"corp_id": "ww-corp-1", "agent_id": "1000002", "secret": "wecom-secret-SHOULD-NOT-LEAK"}
DINGTALK = {"app_key": "ding-app-key", "app_secret": "ding-secret-SHOULD-NOT-LEAK", "agent_id": "2233"}
ALIYUN = {
    "key_id": "LTAI-test-id",
    "key_secret": "aliyun-secret-SHOULD-NOT-LEAK",
    "sign": "某某学院",
    "template": "SMS_1234",
}
SECRETS = (WECOM["secret"], DINGTALK["app_secret"], ALIYUN["key_secret"])


class FakeApi:
    """A local HTTP server; `handle(method, path, query, body)` answers, every request is recorded."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
                request = {"method": method, "path": url.path, "query": query, "raw_query": url.query}
                request["body"] = json.loads(raw) if raw else None
                with api.lock:
                    api.requests.append(request)
                    reply = api.handle(request)
                answer = json.dumps(reply, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class TokenApi(FakeApi):
    """WeCom and DingTalk alike: gettoken hands out numbered tokens; a send with an expired token is refused."""

    token_path = send_path = ""

    def __init__(self):
        super().__init__()
        self.issued = 0
        self.expired: set[str] = set()
        self.replies: list[dict] = []  # scripted answers to the next sends, then success

    def credentials_ok(self, query: dict) -> bool:
        raise NotImplementedError

    def handle(self, request):
        if request["path"] == self.token_path:
            if not self.credentials_ok(request["query"]):
                return {"errcode": 40001, "errmsg": "invalid credential"}
            self.issued += 1
            return {"errcode": 0, "errmsg": "ok", "access_token": f"token-{self.issued}", "expires_in": 7200}
        if request["path"] == self.send_path:
            token = request["query"].get("access_token", "")
            if token in self.expired or not token.startswith("token-"):
                return {"errcode": 42001, "errmsg": "access_token expired"}
            return self.replies.pop(0) if self.replies else self.ok()
        return {"errcode": 404, "errmsg": "no such api"}

    def ok(self) -> dict:
        return {"errcode": 0, "errmsg": "ok"}


class FakeWecom(TokenApi):
    token_path, send_path = "/cgi-bin/gettoken", "/cgi-bin/message/send"

    def credentials_ok(self, query):
        return query == {"corpid": WECOM["corp_id"], "corpsecret": WECOM["secret"]}

    def ok(self):
        return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "m"}


class FakeDingtalk(TokenApi):
    token_path, send_path = "/gettoken", "/topapi/message/corpconversation/asyncsend_v2"

    def credentials_ok(self, query):
        return query == {"appkey": DINGTALK["app_key"], "appsecret": DINGTALK["app_secret"]}

    def ok(self):
        return {"errcode": 0, "errmsg": "ok", "task_id": 1, "request_id": "r"}


def aliyun_expected_signature(query: dict, secret: str) -> str:
    """Written here apart from the app's code, from Aliyun's description of the RPC signature (V1.0)."""

    def enc(s: str) -> str:
        return urllib.parse.quote(s.encode("utf-8"), safe="-_.~")

    pairs = sorted((k, v) for k, v in query.items() if k != "Signature")
    canonical = "&".join(enc(k) + "=" + enc(v) for k, v in pairs)
    string_to_sign = "GET&%2F&" + enc(canonical)
    mac = hmac.new((secret + "&").encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeAliyun(FakeApi):
    def __init__(self):
        super().__init__()
        self.replies: list[dict] = []

    def handle(self, request):
        query = request["query"]
        if query.get("Signature") != aliyun_expected_signature(query, ALIYUN["key_secret"]):
            return {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
        if query.get("AccessKeyId") != ALIYUN["key_id"]:
            return {"Code": "InvalidAccessKeyId.NotFound", "Message": "no such key"}
        return self.replies.pop(0) if self.replies else {"Code": "OK", "Message": "OK", "BizId": "b"}

    def texts(self) -> list[dict]:
        return [r for r in self.sent("/") if r["query"].get("Action") == "SendSms"]


def platform_settings(wecom: FakeWecom, dingtalk: FakeDingtalk, aliyun: FakeAliyun) -> dict:
    """The settings (and environment variables of a worker) that point the app at the fakes."""
    return {
        "NOTICE_CHANNELS": ["in_app", "wecom", "dingtalk", "sms"],
        "WECOM_CORP_ID": WECOM["corp_id"],
        "WECOM_AGENT_ID": WECOM["agent_id"],
        "WECOM_SECRET": WECOM["secret"],
        "WECOM_API_BASE": wecom.base,
        "DINGTALK_APP_KEY": DINGTALK["app_key"],
        "DINGTALK_APP_SECRET": DINGTALK["app_secret"],
        "DINGTALK_AGENT_ID": DINGTALK["agent_id"],
        "DINGTALK_API_BASE": dingtalk.base,
        "SMS_ALIYUN_ACCESS_KEY_ID": ALIYUN["key_id"],
        "SMS_ALIYUN_ACCESS_KEY_SECRET": ALIYUN["key_secret"],
        "SMS_SIGN_NAME": ALIYUN["sign"],
        "SMS_TEMPLATE_CODE": ALIYUN["template"],
        "SMS_API_BASE": aliyun.base,
    }
