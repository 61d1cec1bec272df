"""GET /v1/widget/labels and /v1/widget/setup read a language written with an underscore as with a hyphen."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("lang", ["zh_CN", "zh_TW", "zh-CN", "ZH"])
def test_chinese_written_any_common_way_gets_chinese_labels(web_bot, client_address, lang):
    # zh_CN got English while zh-CN, zh-TW and ZH got Chinese.
    with web_bot.client(client_address) as client:
        labels = client.get("/v1/widget/labels", params={"lang": lang}).json()
        setup = client.get("/v1/widget/setup", params={"lang": lang}).json()
    assert labels["send"] == "发送" and setup["labels"]["send"] == "发送"


def test_an_unknown_language_still_gets_english(web_bot, client_address):
    with web_bot.client(client_address) as client:
        assert client.get("/v1/widget/labels", params={"lang": "sw_KE"}).json()["send"] == "Send"
