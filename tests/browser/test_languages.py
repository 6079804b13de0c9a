"""Issue 13 in real Chromium: a Thai focal point answers in Thai, an Arabic-speaking reviewer
returns a response with a comment in Arabic on a right-to-left page (1280 and 390 px, axe-core
clean, nothing wider than the screen), anyone switches language while logged out, and a page
printed to PDF shows Thai, Khmer, Arabic and Chinese with the app's own fonts, as does a saved
profile opened from disk; an English page downloads no whole Thai, Arabic or Chinese font."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from flask_babel import refresh
from playwright.sync_api import expect
from sqlalchemy import select

from survey.answering.responses import answers_of, save_answer
from survey.demo import CURRENT_ROUND
from survey.extensions import db
from survey.members import country_by_iso3
from survey.models import ResponseStatus, ReviewComment, User
from survey.profile_pages.rendering import standalone_profile_html
from survey.rounds import round_by_name
from tests.survey.answering.test_answering import response_of

pytestmark = pytest.mark.browser
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
KHMER = "ក្រសួងយុត្តិធម៌"          # "Ministry of Justice", as typed in Cambodia
ARABIC = "يرجى ذكر عدد طلبات المساعدة القانونية المتبادلة."
THAI = "สำนักงานป้องกันและปราบปรามการฟอกเงิน"
CHINESE = "请补充司法协助请求的数量。"


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]]


def fits(page, width: int) -> bool:
    """Nothing wider than the screen (else the elements sticking out, to say which)."""
    if page.evaluate("document.documentElement.scrollWidth") <= width:
        return True
    outside = page.evaluate("""w => [...document.querySelectorAll('main *, header *')]
        .filter(e => { const r = e.getBoundingClientRect();
                       return r.width && (r.right > w + 1 || r.left < -1); })
        .slice(0, 5)
        .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().left)}`)""",
                            width)
    raise AssertionError(f"wider than {width} px: {outside}")


def loaded_fonts(page) -> set[str]:
    page.evaluate("document.fonts.ready.then(() => true)")
    return set(page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family.replace(/\"/g, ''))"))


def fetched(page, name: str) -> bool:
    return page.evaluate(
        "n => performance.getEntriesByType('resource').some(e => e.name.includes(n))", name)


def tab(browser, live_server, locale: str, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server,
                                  locale=locale, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def test_a_thai_focal_point_answers_a_section_in_thai(browser, live_server, demo):
    context, page = tab(browser, live_server, "th-TH")
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_text("ฉบับแปลร่าง – ยังไม่ได้ตรวจสอบโดยเจ้าหน้าที่ที่เป็นเจ้าของภาษา")).to_be_visible()
    page.get_by_label("อีเมล").fill("focal.tha@example.org")
    page.get_by_label("รหัสผ่าน").fill(demo["focal.tha@example.org"])
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_role("link", name="หน้าแรก")).to_be_visible()

    response = response_of("THA")
    page.goto(f"/responses/{response.id}/sections/institutions")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.locator('[name="inst_notes"]').fill(THAI)
    page.get_by_role("button", name="บันทึก", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="บันทึก")).to_be_visible()
    expect(page.locator('[name="inst_notes"]')).to_have_value(THAI)
    assert "Noto Sans Thai" in loaded_fonts(page)          # the app's own font, not the system's
    assert fetched(page, "NotoSansThai-Regular.ttf")
    assert not fetched(page, "NotoSansSC-subset.woff2")    # the large Chinese font only when needed
    assert axe_violations(page) == []
    db.session.expire_all()
    assert answers_of(response_of("THA"))["inst_notes"].value == THAI
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_arabic_reviewer_returns_a_response_on_a_right_to_left_page(browser, live_server, demo,
                                                                        width):
    idn = response_of("IDN")
    assert idn.status is ResponseStatus.SUBMITTED
    context, page = tab(browser, live_server, "ar", width)
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("البريد الإلكتروني").fill("reviewer@example.org")
    page.get_by_label("كلمة المرور").fill(demo["reviewer@example.org"])
    page.get_by_role("button", name="تسجيل الدخول").click()
    page.goto(f"/responses/{idn.id}/review")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.get_by_role("heading", name="القرار")).to_be_visible()

    # Mirrored: the brand sits at the right, the main navigation starts from the right.
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] + brand["width"] > width * 0.7
    box = page.get_by_label("أعده إلى البلد مع هذا التعليق")
    assert page.evaluate("el => getComputedStyle(el).direction", box.element_handle()) == "rtl"
    assert fits(page, width)
    assert axe_violations(page) == []

    box.fill(ARABIC)
    page.get_by_role("button", name="إعادة إلى البلد").click()
    assert fits(page, width) and axe_violations(page) == []
    page.get_by_role("button", name="نعم، أعده إلى البلد").click()
    expect(page.get_by_role("status").filter(has_text="مُعاد")).to_be_visible()
    expect(page.locator("table.history")).to_contain_text(ARABIC)
    assert "Noto Sans Arabic" in loaded_fonts(page)
    assert fits(page, width) and axe_violations(page) == []
    db.session.expire_all()
    assert response_of("IDN").status is ResponseStatus.RETURNED
    context.close()


def test_the_language_switcher_works_logged_out_and_keeps_the_choice(page):
    page.goto("/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    expect(page.get_by_text("Traduction provisoire", exact=False)).to_be_visible()
    page.goto("/login")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert not page.get_by_text("Draft translation", exact=False).count()  # English is the source


def test_a_page_printed_to_pdf_shows_thai_khmer_arabic_and_chinese(browser, live_server, demo,
                                                                    tmp_path):
    khm = response_of("KHM")
    focal = db.session.scalar(select(User).where(User.email == "focal.khm@example.org"))
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer@example.org"))
    if focal is None:
        from survey.accounts.users import create_user
        focal = create_user("focal.khm@example.org", "focal_point", country="KHM",
                            password="correct horse battery")
    save_answer(khm, "inst_lead_agency", KHMER, focal)
    db.session.add_all([ReviewComment(response_id=khm.id, author_id=reviewer.id, body=ARABIC),
                        ReviewComment(response_id=khm.id, author_id=reviewer.id, body=THAI)])
    db.session.commit()

    context, page = tab(browser, live_server, "zh-CN")     # a reviewer reading in Chinese
    page.goto("/login")
    page.get_by_label("电子邮件").fill("reviewer@example.org")
    page.get_by_label("密码").fill(demo["reviewer@example.org"])
    page.get_by_role("button", name="登录").click()
    page.goto(f"/responses/{khm.id}/review")
    expect(page.get_by_role("heading", name="决定")).to_be_visible()
    expect(page.get_by_text(KHMER)).to_be_visible()
    assert {"Noto Sans Thai", "Noto Sans Khmer", "Noto Sans Arabic", "Noto Sans SC"} <= loaded_fonts(page)
    assert fetched(page, "NotoSansSC-subset.woff2") and fetched(page, "NotoSansKhmer")
    pdf = tmp_path / "review.pdf"
    page.pdf(path=str(pdf))
    context.close()

    # Chromium embeds TrueType faces by name; the Chinese (CFF) outlines go in as Type 3 glyphs.
    fonts = embedded_fonts(pdf.read_bytes())
    for family in ("NotoSansThai", "NotoSansKhmer", "NotoSansArabic"):
        assert any(family in name for name in fonts), (family, fonts)
    assert b"/Type3" in pdf.read_bytes()
    if shutil.which("pdftotext"):  # poppler-utils, installed in CI: the text itself, glyph by glyph
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        for sample in (KHMER, THAI, "决定", "审核"):
            assert sample in text, sample
        assert "\ufffd" not in text


WHOLE_FONTS = ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf", "NotoSansArabic-Regular.ttf",
               "NotoSansArabic-Bold.ttf", "NotoSansSC-subset.woff2")


def test_an_english_page_downloads_no_whole_thai_arabic_or_chinese_font(browser, live_server):
    context, page = tab(browser, live_server, "en-GB")
    page.goto("/login")
    expect(page.get_by_label("Language").locator("option[lang=th]")).to_have_text("ไทย")
    # The switcher's ไทย, العربية and 中文 still in the app's fonts, from the tiny subsets.
    assert {"Noto Sans Thai", "Noto Sans Arabic", "Noto Sans SC"} <= loaded_fonts(page)
    assert fetched(page, "NotoSansThai-language-names.woff2")
    assert fetched(page, "NotoSansArabic-language-names.woff2")
    assert [name for name in WHOLE_FONTS if fetched(page, name)] == []
    context.close()

    context, page = tab(browser, live_server, "th-TH")     # a Thai page needs the whole Thai font
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    loaded_fonts(page)
    assert fetched(page, "NotoSansThai-Regular.ttf")
    assert not fetched(page, "NotoSansArabic-Regular.ttf") and not fetched(page, "NotoSansSC-subset")
    context.close()


def test_a_saved_profile_opened_from_disk_shows_every_script_in_its_own_fonts(app, browser, demo,
                                                                              tmp_path):
    khm = response_of("KHM")
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    save_answer(khm, "leg_tip_offence", answers_of(khm)["leg_tip_offence"].value, admin,
                evidence=f"{KHMER} {THAI} {ARABIC}")
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        refresh()
        saved = tmp_path / "profile.html"
        saved.write_text(standalone_profile_html(round_by_name(CURRENT_ROUND), country_by_iso3("KHM")),
                         encoding="utf-8")

    context = browser.new_context(viewport={"width": 1280, "height": 900})   # no server at all
    page = context.new_page()
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(saved.as_uri())
    expect(page.get_by_text(KHMER, exact=False)).to_be_visible()
    assert {"Noto Sans Thai", "Noto Sans Khmer", "Noto Sans Arabic", "Noto Sans SC"} <= loaded_fonts(page)
    assert [url for url in asked if not url.startswith(("file:", "data:"))] == []
    pdf = tmp_path / "profile.pdf"
    page.pdf(path=str(pdf))
    context.close()

    fonts = embedded_fonts(pdf.read_bytes())
    for family in ("NotoSansThai", "NotoSansKhmer", "NotoSansArabic"):
        assert any(family in name for name in fonts), (family, fonts)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        for sample in (KHMER, THAI[:8], "国家概况"):  # Thai wraps (no spaces) in a narrow cell
            assert sample in text, sample
        assert "\ufffd" not in text


def embedded_fonts(pdf: bytes) -> set[str]:
    """The fonts a PDF embeds (their /BaseFont names, subset prefix removed)."""
    names = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", pdf)
    return {n.decode().split("+", 1)[-1] for n in names}
