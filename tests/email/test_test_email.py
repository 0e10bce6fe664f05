"""``ivr test-email``: the current template of a category, to one address, straight
through the relay; audited; a refusal is a clear line and a non-zero exit."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import asyncpg

from simnet.mailrelay import SimulatedMailRelay
from tests.dispatch.population import make_staff
from tests.email.harness import SECRET_KEY
from tests.voice.harness import run_ivr


def _env(mail: SimulatedMailRelay, database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_DATABASE_URL=database_url,
        IVR_DATA_DIR=str(tmp_path / "var"),
        IVR_SMTP_HOST="localhost",
        IVR_SMTP_PORT=str(mail.port),
        IVR_SMTP_USER=mail.username or "",
        IVR_SMTP_PASSWORD=mail.password or "",
        IVR_SMTP_CA_FILE=str(mail.ca_file),
        IVR_SMTP_FROM="Information ITUM <alertes@itum.example>",
        IVR_SECRET_KEY=SECRET_KEY,
    )
    return env


async def test_a_test_email_goes_out_and_is_audited(
    mail: SimulatedMailRelay, db: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    await make_staff(db, "agent@itum.example")
    env = _env(mail, database_url, tmp_path)
    code, out, err = await run_ivr(
        env, "test-email", "Chef.Equipe@Exemple.CA", "--as", "agent@itum.example",
        "--category", "boil_water",
    )  # fmt: skip
    assert code == 0, err
    assert out.startswith("accepted: data: 250 2.0.0")
    (received,) = mail.messages()
    assert received.recipients == ("Chef.Equipe@exemple.ca",)
    assert received.mail_from.startswith("bounces+test-")
    message = email.message_from_bytes(received.raw, policy=email.policy.default)
    assert message["Subject"] == "[Information ITUM] Avis d'ébullition de l'eau : secteur d'essai"
    audit = await db.fetchrow("SELECT action, subject, details FROM audit_log")
    assert audit is not None
    assert (audit["action"], audit["subject"]) == ("test_email", "Chef.Equipe@exemple.ca")

    code, out, err = await run_ivr(env, "test-email", "refuse-9@exemple.ca", "--as",
                                   "agent@itum.example", "--language", "en")  # fmt: skip
    assert code == 1
    assert out.strip() == (
        "not sent: rcpt: 550 5.1.1 <refuse-9@exemple.ca>: Recipient address rejected: User unknown"
    )
    code, out, err = await run_ivr(env, "test-email", "pas une adresse", "--as",
                                   "agent@itum.example")  # fmt: skip
    assert code == 2 and "n'est pas une adresse courriel valide" in err
    del env["IVR_SECRET_KEY"]
    code, out, err = await run_ivr(env, "test-email", "a@exemple.ca", "--as", "agent@itum.example")
    assert code == 2
    assert err.strip().startswith("ivr: IVR_SECRET_KEY: the email channel needs a fixed key")
