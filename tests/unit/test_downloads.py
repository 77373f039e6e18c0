"""The one ``Content-Disposition`` every dialect's downloads carry."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from modelyard.api.downloads import attachment, download_headers


def cli_name(header: str) -> str:
    """What the ubiops-cli of the 2.1 era saves under: the text after ``attachment; filename=``,
    its quotes stripped."""
    return header.split("attachment; filename=", 1)[1].strip('"')


def parsed_name(header: str) -> str:
    """What an RFC 6266 reader takes: ``filename*`` when present, percent-decoded as UTF-8."""
    encoded = header.split("; filename*=UTF-8''", 1)[1]
    assert not set(encoded) & set(';" ')
    return unquote(encoded, encoding="utf-8", errors="strict")


class TestPlainNames:
    @pytest.mark.parametrize(
        "name",
        ["model.zip", "doubler-v1.zip", "plot 7.tif", "a;b=c.txt", "x'y(1)~.bin", "a&c#d.txt", ""],
    )
    def test_go_out_in_the_one_form_the_cli_parses(self, name: str) -> None:
        header = attachment(name)
        assert header == f'attachment; filename="{name}"'
        assert cli_name(header) == name

    def test_headers_carry_the_exact_length(self) -> None:
        assert download_headers("w.bin", 3 * 1024**3) == {
            "Content-Disposition": 'attachment; filename="w.bin"',
            "Content-Length": "3221225472",
        }


class TestOtherNames:
    @pytest.mark.parametrize(
        ("name", "fallback", "encoded"),
        [
            ("résumé.pdf", "resume.pdf", "r%C3%A9sum%C3%A9.pdf"),
            ("数据.csv", "__.csv", "%E6%95%B0%E6%8D%AE.csv"),
            ('say "hi".txt', "say _hi_.txt", "say%20%22hi%22.txt"),
            ("a\\b.txt", "a_b.txt", "a%5Cb.txt"),
            ("tab\there.txt", "tab_here.txt", "tab%09here.txt"),
            ("ﬁle.txt", "file.txt", "%EF%AC%81le.txt"),
        ],
    )
    def test_get_an_ascii_fallback_and_filename_star(
        self, name: str, fallback: str, encoded: str
    ) -> None:
        header = attachment(name)
        assert header == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
        assert parsed_name(header) == name

    def test_the_header_is_always_plain_ascii_on_one_line(self) -> None:
        for name in ("😀.png", "naïve\r\n.txt", "\x00.bin", "Ω" * 300):
            header = attachment(name)
            assert header.isascii()
            assert not set(header) & set("\r\n")
            assert parsed_name(header) == name
