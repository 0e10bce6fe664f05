"""Alert emails as built: both parts, the headers receiving servers and clients expect,
French intact, a DKIM signature that verifies, and the signed preferences link."""

from __future__ import annotations

import base64
import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ivr.channels.email.messages import Sending, build_email
from ivr.channels.email.signing import DkimKeyError, DkimSigner
from ivr.domain.signed_links import contact_of_token, preferences_token
from ivr.storage.email import AlertEmail

KEY = "k" * 32
BODY_FR = (
    "Avis d'ébullition de l'eau pour Uashat.\n\nFaites bouillir l'eau 1 minute « à gros "
    "bouillons » avant de la boire.\nCœur de la rue Pierre-Gauthier : ça compte aussi.\n\n"
    "Information ITUM, 418 962-0327."
)
ALERT = AlertEmail(
    "boil_water",
    target_all=False,
    sectors={"fr": ["Uashat"], "en": ["Uashat"]},
    contents={
        "fr": ("Avis d'ébullition de l'eau — secteur Uashat", BODY_FR),
        "en": ("Boil-water advisory — Uashat area", "Boil water for 1 minute.\n\nThanks."),
    },
)


def sending() -> Sending:
    return Sending(
        sender="Information ITUM <alertes@itum.example>",
        bounce_address="retours@itum.example",
        site_url="https://alertes.itum.example",
        secret_key=KEY,
        office_phone="4189620327",
    )


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_french_alert_email_has_both_parts_the_headers_and_the_text_intact() -> None:
    built = build_email(
        sending(), ALERT, language="fr", recipient="Marie.Ashini@exemple.ca",
        reference="ivr-41-2", contact_point_id=17, now=datetime(2026, 11, 29, 14, 5, tzinfo=UTC),
    )  # fmt: skip
    assert built.return_path == "retours+ivr-41-2@itum.example"
    assert built.message_id == "<ivr-41-2@itum.example>"
    head, _, body = built.data.partition(b"\r\n\r\n")
    assert max(len(line) for line in body.split(b"\r\n")) <= 78
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    message = parse(built.data)
    assert message["Subject"] == "[Information ITUM] Avis d'ébullition de l'eau — secteur Uashat"
    assert message["From"] == "Information ITUM <alertes@itum.example>"
    assert message["To"] == "Marie.Ashini@exemple.ca"
    assert message["Message-ID"] == "<ivr-41-2@itum.example>"
    assert message["Date"] == "Sun, 29 Nov 2026 14:05:00 +0000"
    assert message["Content-Language"] == "fr-CA"
    assert message["Auto-Submitted"] == "auto-generated"
    link = "https://alertes.itum.example/portal/email/" + preferences_token(KEY, 17)
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    plain = text.get_content()
    assert "« à gros bouillons »" in plain and "Cœur de la rue Pierre-Gauthier : ça" in plain
    assert "AVIS D'ÉBULLITION DE L'EAU" in plain
    assert "alertes touchant : Uashat." in plain
    assert link in plain
    assert "Les alertes d'urgence continuent" in plain
    page = html.get_content()
    assert '<html lang="fr-CA">' in page
    assert "<h1" in page and "Avis d&#39;ébullition de l&#39;eau — secteur Uashat</h1>" in page
    assert "« à gros bouillons » avant de la boire.<br>" in page
    assert f'href="{link}"' in page and 'href="tel:+14189620327"' in page


def test_the_members_language_then_french_and_html_is_escaped() -> None:
    english = parse(build_email(sending(), ALERT, language="en", recipient="a@b.example",
                                reference="ivr-1-1", contact_point_id=1).data)  # fmt: skip
    assert english["Content-Language"] == "en-CA"
    assert english["Subject"] == "[Information ITUM] Boil-water advisory — Uashat area"
    body = english.get_body(("plain",))
    assert body is not None and "?lang=en" in body.get_content()
    innu = parse(build_email(sending(), ALERT, language="innu", recipient="a@b.example",
                             reference="ivr-1-2", contact_point_id=1).data)  # fmt: skip
    assert innu["Content-Language"] == "fr-CA"
    hostile = AlertEmail("other", True, {"fr": [], "en": []},
                         {"fr": ("<b>x</b>", "<script>alert(1)</script>")})  # fmt: skip
    page = parse(
        build_email(
            sending(),
            hostile,
            language="fr",
            recipient="a@b.example",
            reference="ivr-1-3",
            contact_point_id=1,
        ).data
    ).get_body(("html",))
    assert page is not None
    assert "<script>" not in page.get_content() and "&lt;script&gt;" in page.get_content()
    assert "toute la communauté" in page.get_content()


def test_an_exercise_says_so_first() -> None:
    exercise = AlertEmail("exercise", True, {"fr": [], "en": []}, {"fr": ("Exercice", "Test.")})
    message = parse(build_email(sending(), exercise, language="fr", recipient="a@b.example",
                                reference="ivr-2-1", contact_point_id=2).data)  # fmt: skip
    plain = message.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().startswith("*** EXERCICE : aucune action n'est requise. ***")


def rsa_key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, base64.b64encode(public).decode()


def test_a_signed_email_verifies_and_a_changed_one_does_not(tmp_path: Path) -> None:
    private, public = rsa_key()
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(private)
    signer = DkimSigner.from_file("itum2026", "itum.example", key_file)
    data = signer.sign(build_email(sending(), ALERT, language="fr", recipient="a@b.example",
                                   reference="ivr-3-1", contact_point_id=3).data)  # fmt: skip
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        asked.append(name)
        return f"v=DKIM1; k=rsa; p={public}".encode()

    assert dkim.verify(data, dnsfunc=dns)
    assert asked == [b"itum2026._domainkey.itum.example."]
    signature = parse(data)["DKIM-Signature"]
    assert "list-unsubscribe-post" in signature.lower().replace(" ", "")
    tampered = data.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                            b"List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks")  # fmt: skip
    assert tampered != data
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_a_key_that_cannot_sign_is_refused_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n")
    with pytest.raises(DkimKeyError):
        DkimSigner.from_file("s", "itum.example", bad)
    with pytest.raises(DkimKeyError, match="cannot read"):
        DkimSigner.from_file("s", "itum.example", tmp_path / "missing.pem")


def test_preference_links_cannot_be_forged_or_moved() -> None:
    token = preferences_token(KEY, 1234)
    assert contact_of_token(KEY, token) == 1234
    assert contact_of_token("another key of 32 characters!!!!", token) is None
    signature = token.partition(".")[2]
    assert contact_of_token(KEY, f"1235.{signature}") is None
    assert contact_of_token(KEY, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    for garbage in ("", "1234", "x.y", f"01234.{signature}", token + "\n"):
        assert contact_of_token(KEY, garbage) is None
