"""Standard Webhooks signing and verification (no database, no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from garant.notify.webhooks import WebhookVerificationError, new_secret, sign, verify

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
BODY = b'{"type":"order.request_cancellation","order_id":7}'


def test_known_answer_matches_hmac_sha256_computed_by_hand() -> None:
    key = b"garant-known-answer-key-32-bytes"
    secret = "whsec_" + base64.b64encode(key).decode()
    signed = b"msg_42.1700000000." + BODY
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()

    headers = sign(secret, "msg_42", 1700000000, BODY)

    assert headers == {
        "webhook-id": "msg_42",
        "webhook-timestamp": "1700000000",
        "webhook-signature": f"v1,{expected}",
    }


def test_known_answer_from_the_standard_webhooks_specification() -> None:
    # The worked example of the specification: receivers using its libraries accept us.
    headers = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                   1614265330, b'{"test": 2432232314}')
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_then_verify_round_trip() -> None:
    secret = new_secret()
    verify(secret, sign(secret, "msg_1", TS, BODY), BODY, NOW)


def test_new_secret_is_whsec_with_32_random_bytes() -> None:
    a, b = new_secret(), new_secret()
    assert a.startswith("whsec_") and a != b
    assert len(base64.b64decode(a.removeprefix("whsec_"), validate=True)) == 32


def test_verify_accepts_header_names_in_any_case_and_a_list_of_signatures() -> None:
    secret, old = new_secret(), new_secret()
    headers = sign(secret, "msg_1", TS, BODY)
    current = headers["webhook-signature"]
    rotating = {
        "Webhook-Id": "msg_1",
        "Webhook-Timestamp": str(TS),
        # During a secret rotation the sender signs with both; unknown versions are skipped.
        "Webhook-Signature": f"{sign(old, 'msg_1', TS, BODY)['webhook-signature']} "
                             f"v1a,c29tZXRoaW5nLWVsc2U= {current}",
    }
    verify(secret, rotating, BODY, NOW)


def test_tampered_body_is_rejected() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS, BODY)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(secret, headers, BODY.replace(b"7", b"8"), NOW)


def test_tampered_message_id_is_rejected() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS, BODY) | {"webhook-id": "msg_2"}
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(secret, headers, BODY, NOW)


def test_wrong_secret_is_rejected() -> None:
    headers = sign(new_secret(), "msg_1", TS, BODY)
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(new_secret(), headers, BODY, NOW)


def test_timestamp_older_than_tolerance_is_rejected_as_a_possible_replay() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS - 301, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, headers, BODY, NOW)


def test_timestamp_within_tolerance_is_accepted_either_way() -> None:
    secret = new_secret()
    verify(secret, sign(secret, "msg_1", TS - 300, BODY), BODY, NOW)
    verify(secret, sign(secret, "msg_1", TS + 300, BODY), BODY, NOW)


def test_timestamp_from_the_future_is_rejected() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS + 301, BODY)
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify(secret, headers, BODY, NOW)


def test_tolerance_can_be_narrowed() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS - 61, BODY)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, headers, BODY, NOW, tolerance=timedelta(seconds=60))


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_rejected(header: str) -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS, BODY)
    del headers[header]
    with pytest.raises(WebhookVerificationError, match=f"missing header.*{header}"):
        verify(secret, headers, BODY, NOW)


def test_non_numeric_timestamp_is_rejected() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS, BODY) | {"webhook-timestamp": "yesterday"}
    with pytest.raises(WebhookVerificationError, match="unix seconds"):
        verify(secret, headers, BODY, NOW)


def test_garbage_signature_is_rejected_not_crashing() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", TS, BODY) | {"webhook-signature": "v1,ünïcode v1 ,,"}
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(secret, headers, BODY, NOW)


def test_malformed_secret_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match="new_secret"):
        sign("whsec_not base64!", "msg_1", TS, BODY)
