"""The development sign-in page in the nurse's language (issue 77, item
3): tools/devidp's page is Simplified Chinese when the console asks for it
(OpenID Connect's ui_locales, the console's language), when the browser
does (Accept-Language, in its q order) or when the user picks it on the
page; English otherwise; a wrong password is refused in the page's
language, which the form keeps."""

import base64
import hashlib
import http.cookiejar
import re
import secrets
import ssl
import urllib.parse
import urllib.request

import pytest

from harness import Stack
from harness.devidp import CLIENT_ID, DevIdp, is_available, user
from harness.fixtures import running

pytestmark = pytest.mark.skipif(not is_available(),
                                reason="make deps has not installed "
                                "oidc-provider")

# Latin words a Chinese page may keep: the product's name and the
# switch's name of the other language, written in that language.
ALLOWED = {"smartmed", "English"}


@pytest.fixture(scope="module")
def idp():
    p = DevIdp({"nurse.zh": user(password="pw-zh-1", roles=["nurse"],
                                 units=["ward-3"])})
    st = Stack(services=("audit", "identity", "records"), fhir=True,
               extra_env=p.env())
    with running(st):
        p.start(st)
        try:
            p.stack = st
            yield p
        finally:
            p.close()


def browser(idp):
    ctx = ssl.create_default_context(cafile=idp.stack.ca_path)
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ctx),
        urllib.request.HTTPCookieProcessor(jar))


def fetch(opener, url, lang=None, data=None):
    req = urllib.request.Request(url, data=data)
    if lang:
        req.add_header("Accept-Language", lang)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.geturl(), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.geturl(), e.read().decode()


def sign_in_page(idp, lang=None, ui_locales=None):
    """The provider's page for a console's authorization request."""
    fhir = idp.stack.fhir_url()
    origin = fhir[:fhir.index("/", len("https://"))]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(
        verifier.encode()).digest()).rstrip(b"=").decode()
    q = {"response_type": "code", "client_id": CLIENT_ID,
         "redirect_uri": origin + "/console/", "scope": "openid profile",
         "state": secrets.token_urlsafe(8), "code_challenge": challenge,
         "code_challenge_method": "S256"}
    if ui_locales:
        q["ui_locales"] = ui_locales
    opener = browser(idp)
    status, url, html = fetch(opener, idp.issuer + "/auth?" +
                              urllib.parse.urlencode(q), lang)
    assert status == 200 and "/interaction/" in url, (status, url, html)
    return opener, url, html


def words(html):
    """The page's visible text: its title and body, tags dropped."""
    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def latin_left(html):
    return sorted(set(re.findall(r"[A-Za-z]{2,}", words(html))) - ALLOWED)


def assert_chinese(html):
    assert '<html lang="zh-CN">' in html, html
    for w in ("登录", "用户名", "密码", "开发用身份提供方"):
        assert w in html, (w, html)
    assert latin_left(html) == [], latin_left(html)


def test_browser_asking_for_chinese(idp):
    _, _, html = sign_in_page(idp, lang="zh-CN,zh;q=0.9,en;q=0.8")
    assert_chinese(html)
    _, _, html = sign_in_page(idp, lang="en-GB;q=0.5,zh-Hans;q=0.9")
    assert_chinese(html)


def test_english_otherwise(idp):
    for lang in (None, "en-GB,en;q=0.9", "fr-FR"):
        _, _, html = sign_in_page(idp, lang=lang)
        assert '<html lang="en-GB">' in html and "User name" in html and \
            "用户名" not in html, (lang, html)


def test_the_consoles_language_first(idp):
    """The console's zh-CN (ui_locales) wins over an English browser, and
    its en-GB over a Chinese one."""
    _, _, html = sign_in_page(idp, lang="en-GB", ui_locales="zh-CN")
    assert_chinese(html)
    _, _, html = sign_in_page(idp, lang="zh-CN", ui_locales="en-GB")
    assert "User name" in html, html


def test_switch_on_the_page_and_refusal_in_its_language(idp):
    opener, url, html = sign_in_page(idp, lang="en-GB")
    assert 'href="/interaction/' in html and "简体中文" in html, html
    uid = url.split("/interaction/")[1].split("?")[0]
    status, _, html = fetch(opener, idp.issuer + "/interaction/" + uid +
                            "?lang=zh-CN", "en-GB")
    assert status == 200
    assert_chinese(html)
    form = urllib.parse.urlencode({"username": "nurse.zh",
                                   "password": "wrong", "lang": "zh-CN"})
    status, _, html = fetch(opener, idp.issuer + "/interaction/" + uid +
                            "/login", "en-GB", form.encode())
    assert status == 401 and "用户名不存在或密码错误。" in html, html
    assert_chinese(html)
