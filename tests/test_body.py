"""Body rules the hostile corpus does not pin down on its own: odd URLs and containers."""

from newsbot.body import blocks_to_markdown, clean_html, html_to_blocks, markdown_url

URL = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"


def test_a_link_that_is_not_a_url_is_text_not_a_crash():
    html = '<p>见<a href="http://[2001:db8">坏链接</a>和<a href="Nucl.%20Phys.%20B%20612%20(2001)%2025">文献</a></p>'
    (block,) = html_to_blocks(html, URL)
    assert block.text == "见坏链接和文献"
    assert block.markdown == (
        "见坏链接和[文献](https://news.nankai.edu.cn/ywsd/system/2023/05/18/Nucl.%20Phys.%20B%20612%20%282001%29%2025)"
    )
    assert "<a>坏链接</a>" in clean_html(html, URL)


def test_a_hidden_or_script_container_is_not_unwrapped_into_content():
    assert clean_html('<div style="display:none">藏起来的</div>', URL) == ""
    assert clean_html("<script>var a = 1;</script>", URL) == ""
    assert clean_html('<td id="txt"><p>正文</p><p>二</p></td>', URL) == "<p>正文</p><p>二</p>"


def test_content_after_an_embed_is_kept():
    """lxml nests what follows an <embed> inside it (it does not know the tag is void)."""
    html = '<div><embed src="http://x.example/a.swf"><p>后文</p><img src="/a.jpg"></div>'
    blocks = html_to_blocks(html, URL)
    assert [b.text or b.src for b in blocks] == ["后文", "https://news.nankai.edu.cn/a.jpg"]
    assert clean_html(html, URL) == '<p>后文</p><img src="https://news.nankai.edu.cn/a.jpg">'


def test_markdown_destinations_are_percent_encoded_not_cut():
    assert markdown_url("http://x.example/a b)(<>\"'\\`{}\n.png") == (
        "http://x.example/a%20b%29%28%3C%3E%22%27%5C%60%7B%7D%0A.png"
    )
    assert markdown_url("https://x.example/中文?a=1&b=%20#f") == "https://x.example/中文?a=1&b=%20#f"
    assert blocks_to_markdown(html_to_blocks('<p>文</p><img src="/a (1).png">', URL)).endswith(
        "\n\n![图](https://news.nankai.edu.cn/a%20%281%29.png)"
    )
