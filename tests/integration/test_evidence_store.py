"""DSP-1, DSP-3: evidence files on both databases, on disk and in an S3-compatible store.

Each refusal is checked for what did not happen too: no row, no blob file.
"""

from __future__ import annotations

import hashlib
import io
import struct
import time
import uuid
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, insert, select

from garant.app import Garant
from garant.domain.errors import InvalidInput, NotAllowed, NotFound
from garant.domain.evidence import EvidenceRefused, EvidenceTooLarge
from garant.domain.orders import Actor
from garant.services import evidence as service
from garant.services import users
from garant.store import schema as t
from garant.store.blobs import BlobNotFound, FilesystemBlobStore, S3BlobStore

from .helpers import Parties, create_paid_order, make_buyer, make_parties
from .helpers import make_seller as new_seller

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from garant.asgi import create_app

PARIS = ((48.0, 51.0, 24.0), (2.0, 21.0, 7.0))

# ----------------------------------------------------------------------------- files


def photo_with_gps(size: tuple[int, int] = (64, 48), *, fmt: str = "JPEG") -> bytes:
    """A camera photo: maker, model, orientation 6 (turn 90°) and where it was taken."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1] // 4))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Pocket 12"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: PARIS[0],
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: PARIS[1],
    }
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height`` (CRC fixed, IDAT tiny)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x10mdat" + bytes(8)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(120)
HTML = b"<!doctype html><html><body><script>steal()</script></body></html>"


def exif_of(data: bytes) -> tuple[dict[int, Any], dict[int, Any], tuple[int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return dict(exif), dict(exif.get_ifd(ExifTags.IFD.GPSInfo)), image.size


# ----------------------------------------------------------------------------- fixtures


@dataclass
class Shop:
    app: Garant
    p: Parties
    order_id: int
    root: Path

    def files(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(f for f in self.root.rglob("*") if f.is_file())

    def rows(self) -> int:
        with self.app.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.evidence)).scalar_one())

    def up(self, actor: Actor, data: bytes, name: str = "file", **where: Any) -> dict[str, Any]:
        if not where:
            where = {"order_id": self.order_id}
        return service.upload(self.app, actor=actor, data=data, filename=name, **where)


@pytest.fixture
def shop(app: Garant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Shop:
    root = tmp_path / "evidence"
    monkeypatch.setattr(app.settings, "evidence_dir", str(root))
    p = make_parties(app)
    return Shop(app, p, create_paid_order(app, p), root)


# ----------------------------------------------------------------------------- upload


def test_dsp3_upload_keeps_original_and_metadata_free_copy_by_hash(shop: Shop) -> None:
    data = photo_with_gps()
    view = shop.up(shop.p.buyer, data, "IMG_0042.jpg")
    assert view["sha256"] == hashlib.sha256(data).hexdigest()
    assert view["shown_sha256"] != view["sha256"]
    assert view["size_bytes"] == len(data)
    assert (view["content_type"], view["kind"], view["filename"]) == (
        "image/jpeg",
        "photo",
        "IMG_0042.jpg",
    )
    assert view["stripped"] == ["exif", "gps"]
    assert view["order_id"] == shop.order_id and view["seller_id"] is None
    assert datetime.fromisoformat(view["created_at"]) == shop.app.clock.now()
    sha = view["sha256"]
    original_path = shop.root / sha[:2] / sha[2:4] / sha
    assert original_path.read_bytes() == data
    shown = view["shown_sha256"]
    assert shop.files() == sorted([original_path, shop.root / shown[:2] / shown[2:4] / shown])


def test_dsp3_same_content_twice_is_one_blob(shop: Shop) -> None:
    data = photo_with_gps()
    first = shop.up(shop.p.buyer, data, "a.jpg")
    files = shop.files()
    second = shop.up(shop.p.buyer, data, "b.jpg")
    assert second["id"] != first["id"]
    assert (second["sha256"], second["shown_sha256"]) == (first["sha256"], first["shown_sha256"])
    assert shop.files() == files and len(files) == 2
    assert shop.rows() == 2


def test_dsp3_shown_copy_has_no_exif_or_gps_but_agents_original_does(shop: Shop) -> None:
    data = photo_with_gps((64, 48))
    view = shop.up(shop.p.buyer, data, "colis.jpg")

    shown, content_type, name = service.read(shop.app, actor=shop.p.seller, evidence_id=view["id"])
    assert (content_type, name) == ("image/jpeg", "colis.jpg")
    assert hashlib.sha256(shown).hexdigest() == view["shown_sha256"]
    tags, gps, size = exif_of(shown)
    assert tags == {} and gps == {}
    assert size == (48, 64)  # turned upright before the orientation flag went
    with Image.open(io.BytesIO(shown)) as image:
        assert "icc_profile" not in image.info and "xmp" not in image.info
        assert image.getpixel((47, 0))[2] > 150  # the blue corner went round with the picture

    original, _, _ = service.read(
        shop.app, actor=shop.p.agent, evidence_id=view["id"], original=True
    )
    assert original == data
    tags, gps, size = exif_of(original)
    assert tags[ExifTags.Base.Make] == "PhoneMaker" and size == (64, 48)
    assert gps[ExifTags.GPS.GPSLatitude] == PARIS[0]


def test_dsp3_png_and_webp_stripped_too(shop: Shop) -> None:
    for fmt, content_type, kind in (
        ("PNG", "image/png", "screenshot"),
        ("WEBP", "image/webp", "photo"),
    ):
        view = shop.up(shop.p.seller, photo_with_gps(fmt=fmt), "capture")
        assert (view["content_type"], view["kind"]) == (content_type, kind)
        assert "gps" in view["stripped"]
        shown, _, name = service.read(shop.app, actor=shop.p.buyer, evidence_id=view["id"])
        assert exif_of(shown)[:2] == ({}, {})
        assert name == "capture" + (".png" if fmt == "PNG" else ".webp")


def test_dsp3_pdf_and_video_shown_as_uploaded(shop: Shop) -> None:
    pdf = shop.up(shop.p.seller, PDF, "facture.jpg")  # the name lied; the content decides
    assert (pdf["content_type"], pdf["kind"], pdf["filename"]) == (
        "application/pdf",
        "document",
        "facture.pdf",
    )
    assert pdf["shown_sha256"] == pdf["sha256"] and pdf["stripped"] == []
    video = shop.up(shop.p.buyer, MP4, "unboxing.mov")
    assert (video["content_type"], video["kind"], video["filename"]) == (
        "video/mp4",
        "video",
        "unboxing.mp4",
    )
    assert len(shop.files()) == 2  # one blob each: the shown copy is the original
    data, content_type, _ = service.read(shop.app, actor=shop.p.buyer, evidence_id=pdf["id"])
    assert (data, content_type) == (PDF, "application/pdf")


# ----------------------------------------------------------------------------- who sees what


def test_dsp3_other_party_gets_shown_copy_and_403_on_original(shop: Shop) -> None:
    view = shop.up(shop.p.buyer, photo_with_gps(), "x.jpg")
    with pytest.raises(NotAllowed, match="only the uploader and the platform's agents"):
        service.read(shop.app, actor=shop.p.seller, evidence_id=view["id"], original=True)
    # The uploader's usual copy is their own file; the other party's is the shown one.
    mine, _, _ = service.read(shop.app, actor=shop.p.buyer, evidence_id=view["id"], original=None)
    theirs, _, _ = service.read(
        shop.app, actor=shop.p.seller, evidence_id=view["id"], original=None
    )
    assert hashlib.sha256(mine).hexdigest() == view["sha256"]
    assert hashlib.sha256(theirs).hexdigest() == view["shown_sha256"]
    for staff in (shop.p.agent, shop.p.operator):
        data, _, _ = service.read(shop.app, actor=staff, evidence_id=view["id"], original=True)
        assert hashlib.sha256(data).hexdigest() == view["sha256"]


def test_dsp3_stranger_gets_not_found(shop: Shop) -> None:
    view = shop.up(shop.p.seller, PDF, "proof.pdf")
    strangers = [make_buyer(shop.app), new_seller(shop.app), Actor.system()]
    for stranger in strangers:
        for original in (False, True):
            with pytest.raises(NotFound, match=f"evidence {view['id']} not found"):
                service.read(shop.app, actor=stranger, evidence_id=view["id"], original=original)
    with pytest.raises(NotFound):
        service.read(shop.app, actor=shop.p.agent, evidence_id=view["id"] + 999)


def test_dsp3_only_parties_upload_for_an_order(shop: Shop) -> None:
    for stranger in (make_buyer(shop.app), new_seller(shop.app)):
        with pytest.raises(NotFound, match=f"order {shop.order_id} not found"):
            shop.up(stranger, PDF)
    with pytest.raises(NotFound):
        shop.up(shop.p.buyer, PDF, order_id=shop.order_id + 999)
    with pytest.raises(InvalidInput, match="exactly one"):
        shop.up(shop.p.buyer, PDF, order_id=shop.order_id, seller_id=shop.p.seller.user_id)
    assert shop.rows() == 0 and shop.files() == []
    assert shop.up(shop.p.agent, PDF)["order_id"] == shop.order_id  # agents may, any order


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("data", "says"),
    [(ELF, r"program \(ELF"), (HTML, "web page"), (b"MZ" + bytes(80), "Windows program")],
    ids=["elf", "html", "exe"],
)
def test_dsp3_wrong_type_named_photo_jpg_refused_nothing_stored(
    shop: Shop, data: bytes, says: str
) -> None:
    with pytest.raises(EvidenceRefused, match=says):
        shop.up(shop.p.buyer, data, "photo.jpg")
    assert shop.rows() == 0 and shop.files() == []


def test_dsp3_too_large_refused_nothing_stored(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shop.app.settings, "evidence_max_document_bytes", len(PDF) - 1)
    with pytest.raises(EvidenceTooLarge, match="a document may be at most"):
        shop.up(shop.p.buyer, PDF, "big.pdf")
    assert shop.rows() == 0 and shop.files() == []
    shop.up(shop.p.buyer, MP4, "small.mp4")  # the video limit is its own
    assert shop.rows() == 1


@pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (8_000, 6_000)])
def test_dsp3_decompression_bomb_refused_quickly_nothing_stored(
    shop: Shop, width: int, height: int
) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 100
    started = time.perf_counter()
    with pytest.raises(EvidenceRefused, match="pixels"):
        shop.up(shop.p.buyer, bomb, "screenshot.png")
    assert time.perf_counter() - started < 1.0
    assert shop.rows() == 0 and shop.files() == []


def test_dsp3_corrupt_image_refused_nothing_stored(shop: Shop) -> None:
    truncated = photo_with_gps((256, 256))[:400]
    with pytest.raises(EvidenceRefused, match="damaged or incomplete"):
        shop.up(shop.p.buyer, truncated, "half.jpg")
    assert shop.rows() == 0 and shop.files() == []


# ----------------------------------------------------------------------------- shop threads


def _attach_in_shop_thread(app: Garant, buyer: Actor, seller: Actor, evidence_id: int) -> None:
    """A message of the shop in the buyer's conversation, carrying the file (rows as the
    messaging service writes them)."""
    now = app.clock.now()
    with app.engine.begin() as conn:
        thread_id = conn.execute(
            insert(t.message_threads)
            .values(
                key=f"shop:{buyer.user_id}:{seller.user_id}",
                order_id=None,
                buyer_id=buyer.user_id,
                seller_id=seller.user_id,
                created_at=now,
                last_message_at=now,
            )
            .returning(t.message_threads.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.messages).values(
                thread_id=thread_id,
                author_id=seller.user_id,
                author_role="seller",
                body="here is the photo",
                attachments=[evidence_id],
                created_at=now,
            )
        )


def test_dsp1_shop_thread_evidence_outside_any_order(shop: Shop) -> None:
    buyer, seller = shop.p.buyer, shop.p.seller
    other_buyer, other_seller = make_buyer(shop.app), new_seller(shop.app)
    mine = shop.up(buyer, photo_with_gps(), "question.jpg", seller_id=seller.user_id)
    assert mine["order_id"] is None and mine["seller_id"] == seller.user_id
    # The shop sees the buyer's file, shown copy only; nobody else sees it.
    service.read(shop.app, actor=seller, evidence_id=mine["id"])
    with pytest.raises(NotAllowed):
        service.read(shop.app, actor=seller, evidence_id=mine["id"], original=True)
    for stranger in (other_buyer, other_seller):
        with pytest.raises(NotFound):
            service.read(shop.app, actor=stranger, evidence_id=mine["id"])

    # The shop's own file: a buyer sees it once it was sent in that buyer's conversation.
    theirs = shop.up(seller, PDF, "catalogue.pdf", seller_id=seller.user_id)
    with pytest.raises(NotFound):
        service.read(shop.app, actor=buyer, evidence_id=theirs["id"])
    _attach_in_shop_thread(shop.app, buyer, seller, theirs["id"])
    assert service.read(shop.app, actor=buyer, evidence_id=theirs["id"])[0] == PDF
    with pytest.raises(NotFound):
        service.read(shop.app, actor=other_buyer, evidence_id=theirs["id"])

    # Another shop cannot upload into this shop's conversations; the buyer can write to any.
    with pytest.raises(NotFound, match=f"shop {seller.user_id} not found"):
        shop.up(other_seller, PDF, seller_id=seller.user_id)
    with pytest.raises(NotFound, match=f"shop {buyer.user_id} not found"):
        shop.up(buyer, PDF, seller_id=buyer.user_id)  # not a shop


# ----------------------------------------------------------------------------- attaching


def test_dsp3_attachable_only_own_files_of_this_order(shop: Shop) -> None:
    app, p = shop.app, shop.p
    a = shop.up(p.buyer, PDF, "a.pdf")["id"]
    b = shop.up(p.buyer, MP4, "b.mp4")["id"]
    sellers = shop.up(p.seller, PDF, "s.pdf")["id"]
    agents = shop.up(p.agent, PDF, "ag.pdf")["id"]
    other_order = create_paid_order(app, p)
    elsewhere = shop.up(p.buyer, PDF, "o.pdf", order_id=other_order)["id"]
    shop_file = shop.up(p.buyer, PDF, "t.pdf", seller_id=p.seller.user_id)["id"]
    with app.engine.connect() as conn:
        assert service.attachable(conn, [b, a, b], p.buyer, order_id=shop.order_id) == [b, a]
        assert service.attachable(conn, [], p.buyer, order_id=shop.order_id) == []
        assert service.attachable(conn, [agents], p.agent, order_id=shop.order_id) == [agents]
        assert service.attachable(conn, [shop_file], p.buyer, seller_id=p.seller.user_id) == [
            shop_file
        ]
        for ids, actor in (
            ([a, sellers], p.buyer),  # the seller's file
            ([a], p.agent),  # agents attach their own files too
            ([elsewhere], p.buyer),  # another order's
            ([shop_file], p.buyer),  # a shop conversation's, not this order's
            ([a + 10_000], p.buyer),  # unknown
        ):
            with pytest.raises(InvalidInput, match="cannot be attached here"):
                service.attachable(conn, ids, actor, order_id=shop.order_id)
        with pytest.raises(InvalidInput, match="cannot be attached here"):
            service.attachable(conn, [a], p.buyer, seller_id=p.seller.user_id)
        with pytest.raises(InvalidInput, match="at most 20"):
            service.attachable(conn, list(range(1, 22)), p.buyer, order_id=shop.order_id)
        with pytest.raises(InvalidInput, match="whole numbers"):
            service.attachable(conn, [True], p.buyer, order_id=shop.order_id)  # type: ignore[list-item]


def test_dsp3_describe_for_a_case_file(shop: Shop) -> None:
    photo = shop.up(shop.p.buyer, photo_with_gps(), "p.jpg")
    pdf = shop.up(shop.p.seller, PDF, "r.pdf")
    with shop.app.engine.connect() as conn:
        rows = service.describe(conn, [pdf["id"], photo["id"], pdf["id"], 99_999])
    assert [r["id"] for r in rows] == [pdf["id"], photo["id"]]
    assert rows[1] == {
        "id": photo["id"],
        "sha256": photo["sha256"],
        "shown_sha256": photo["shown_sha256"],
        "filename": "p.jpg",
        "kind": "photo",
        "content_type": "image/jpeg",
        "size_bytes": photo["size_bytes"],
        "uploader_role": "buyer",
        "uploader_id": shop.p.buyer.user_id,
        "created_at": photo["created_at"],
        "stripped": ["exif", "gps"],
    }


# ----------------------------------------------------------------------------- blob stores


def test_dsp3_filesystem_store_atomic_never_overwrites(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    data = b"evidence bytes"
    sha = hashlib.sha256(data).hexdigest()
    assert not store.exists(sha)
    store.put(sha, data)
    path = tmp_path / sha[:2] / sha[2:4] / sha
    before = path.stat()
    store.put(sha, data)  # idempotent: the file is not rewritten
    assert path.stat().st_ino == before.st_ino and path.stat().st_mtime_ns == before.st_mtime_ns
    assert store.get(sha) == data and store.exists(sha)
    assert [f.name for f in path.parent.iterdir()] == [sha]  # no temporary file left
    with pytest.raises(ValueError, match="does not hash"):
        store.put(hashlib.sha256(b"other").hexdigest(), data)
    with pytest.raises(ValueError, match="not a SHA-256"):
        store.get("../../etc/passwd")
    with pytest.raises(BlobNotFound):
        store.get("0" * 64)


@pytest.fixture
def s3() -> Iterator[dict[str, str]]:
    """moto's S3-compatible server on a free local port, for this test only."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    config = {
        "endpoint_url": f"http://{host}:{port}",
        # moto keeps its state per process, not per server: a bucket of its own per test.
        "bucket": f"garant-evidence-{uuid.uuid4().hex[:12]}",
        "region": "us-east-1",
        "access_key": "test-key",
        "secret_key": "test-secret",
    }
    try:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=config["endpoint_url"],
            region_name=config["region"],
            aws_access_key_id=config["access_key"],
            aws_secret_access_key=config["secret_key"],
        ).create_bucket(Bucket=config["bucket"])
        yield config
    finally:
        server.stop()


def test_dsp3_s3_store_put_get_exists(s3: dict[str, str]) -> None:
    store = S3BlobStore(prefix="evidence/", **s3)
    data = b"%PDF-1.4 stored in a bucket"
    sha = hashlib.sha256(data).hexdigest()
    assert not store.exists(sha)
    store.put(sha, data)
    store.put(sha, data)
    assert store.exists(sha) and store.get(sha) == data
    listed = store.client.list_objects_v2(Bucket=s3["bucket"])["Contents"]
    assert [o["Key"] for o in listed] == [f"evidence/{sha}"]
    with pytest.raises(BlobNotFound):
        store.get("f" * 64)
    with pytest.raises(ValueError):
        store.put(sha, b"not the same bytes")


def test_dsp3_upload_through_s3_store(
    shop: Shop, s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = shop.app.settings
    monkeypatch.setattr(settings, "evidence_store", "s3")
    for name in ("endpoint_url", "bucket", "region", "access_key", "secret_key"):
        monkeypatch.setattr(settings, f"s3_{name}", s3[name])
    assert isinstance(shop.app.blobs, S3BlobStore)
    data = photo_with_gps()
    view = shop.up(shop.p.buyer, data, "bucket.jpg")
    assert shop.files() == []  # nothing on disk
    keys = {
        o["Key"]
        for o in shop.app.blobs.client.list_objects_v2(Bucket=s3["bucket"])["Contents"]  # type: ignore[attr-defined]
    }
    assert keys == {f"evidence/{view['sha256']}", f"evidence/{view['shown_sha256']}"}
    shown, _, _ = service.read(shop.app, actor=shop.p.seller, evidence_id=view["id"])
    assert exif_of(shown)[:2] == ({}, {})
    original, _, _ = service.read(
        shop.app, actor=shop.p.agent, evidence_id=view["id"], original=True
    )
    assert original == data


# ----------------------------------------------------------------------------- HTTP


@dataclass
class Http:
    client: TestClient
    shop: Shop
    headers: dict[str, dict[str, str]]

    def upload(self, who: str, data: bytes, name: str = "photo.jpg", **extra: Any) -> Any:
        fields = {"order_id": str(self.shop.order_id)} if "fields" not in extra else {}
        fields.update(extra.pop("fields", {}))
        return self.client.post(
            "/api/v1/evidence",
            headers={**self.headers[who], **extra.pop("headers", {})},
            files={"file": (name, data, "image/jpeg")},
            data=fields,
        )


@pytest.fixture
def http(shop: Shop) -> Iterator[Http]:
    headers = {}
    for key, actor in (
        ("buyer", shop.p.buyer),
        ("seller", shop.p.seller),
        ("agent", shop.p.agent),
        ("stranger", make_buyer(shop.app)),
    ):
        assert actor.user_id is not None
        headers[key] = {"Authorization": f"Bearer {users.issue_token(shop.app, actor.user_id)}"}
    with TestClient(create_app(shop.app), raise_server_exceptions=False) as client:
        yield Http(client, shop, headers)


def test_dsp3_api_upload_and_download_headers(http: Http) -> None:
    data = photo_with_gps()
    r = http.upload("buyer", data, "Colis abîmé 😢.jpg")
    assert r.status_code == 201, r.text
    view = r.json()
    assert r.headers["location"] == f"/api/v1/evidence/{view['id']}"
    assert view["stripped"] == ["exif", "gps"] and view["filename"] == "Colis abîmé 😢.jpg"

    shown = http.client.get(f"/api/v1/evidence/{view['id']}", headers=http.headers["seller"])
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert shown.headers["x-evidence-sha256"] == view["shown_sha256"]
    disposition = shown.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Colis%20ab%C3%AEm%C3%A9%20%F0%9F%98%A2.jpg" in disposition
    assert exif_of(shown.content)[:2] == ({}, {})

    own = http.client.get(f"/api/v1/evidence/{view['id']}", headers=http.headers["buyer"])
    assert own.content == data and own.headers["x-evidence-sha256"] == view["sha256"]
    original = http.client.get(
        f"/api/v1/evidence/{view['id']}/original", headers=http.headers["agent"]
    )
    assert original.content == data

    refused = http.client.get(
        f"/api/v1/evidence/{view['id']}/original", headers=http.headers["seller"]
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "forbidden"
    for path in (f"/api/v1/evidence/{view['id']}", f"/api/v1/evidence/{view['id']}/original"):
        hidden = http.client.get(path, headers=http.headers["stranger"])
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert http.client.get(f"/api/v1/evidence/{view['id']}").status_code == 401


def test_dsp3_api_refusals_store_nothing(http: Http, monkeypatch: pytest.MonkeyPatch) -> None:
    r = http.upload("buyer", ELF, "photo.jpg")
    assert r.status_code == 422 and r.json()["code"] == "evidence_not_accepted"
    assert "Accepted:" in r.json()["detail"]
    r = http.upload("stranger", PDF, "x.pdf")
    assert r.status_code == 404
    r = http.upload("buyer", PDF, fields={"order_id": "abc"})
    assert r.status_code == 422 and "order_id must be a whole number" in r.json()["detail"]
    r = http.client.post("/api/v1/evidence", headers=http.headers["buyer"], json={"order_id": 1})
    assert r.status_code == 422 and "multipart/form-data" in r.json()["detail"]
    r = http.client.post(
        "/api/v1/evidence",
        headers=http.headers["buyer"],
        data={"order_id": str(http.shop.order_id)},
        files={"other": ("x.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 422 and "field named 'file'" in r.json()["detail"]
    assert http.shop.rows() == 0 and http.shop.files() == []

    # Past the largest limit the body is refused before it is parsed.
    for name in ("image", "video", "document"):
        monkeypatch.setattr(http.shop.app.settings, f"evidence_max_{name}_bytes", 1000)
    big = MP4 + bytes(200_000)
    r = http.upload("buyer", big, "big.mp4")
    assert r.status_code == 413 and r.json()["code"] == "evidence_too_large"
    assert "larger than any evidence file may be" in r.json()["detail"]
    # With an Idempotency-Key the middleware, which holds the body to hash it, refuses first.
    r = http.upload("buyer", big, "big.mp4", headers={"Idempotency-Key": "too-big"})
    assert r.status_code == 413 and r.json()["code"] == "request_too_large"
    # Sent in chunks without Content-Length: counted as it arrives, refused all the same.
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="order_id"\r\n\r\n'
        f"{http.shop.order_id}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        'name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(20):
            yield bytes(100_000)
        yield f"\r\n--{boundary}--\r\n".encode()

    r = http.client.post(
        "/api/v1/evidence",
        headers={
            **http.headers["buyer"],
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        content=chunks(),
    )
    assert r.status_code == 413 and r.json()["code"] == "evidence_too_large"
    assert http.shop.rows() == 0 and http.shop.files() == []


def test_dsp3_api_upload_with_and_without_idempotency_key(http: Http) -> None:
    first = http.upload("buyer", PDF, "a.pdf")
    second = http.upload("buyer", PDF, "a.pdf")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]  # no key: two uploads, one blob
    key = {"Idempotency-Key": "upload-1"}
    # httpx draws a new multipart boundary per request: the retry differs only there.
    once = http.upload("seller", PDF, "b.pdf", headers=key)
    again = http.upload("seller", PDF, "b.pdf", headers=key)
    assert once.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == once.json()
    assert http.shop.rows() == 3
    other = http.upload("seller", MP4, "c.mp4", headers=key)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert http.shop.rows() == 3


def test_dsp3_api_shop_thread_upload(http: Http) -> None:
    seller_id = http.shop.p.seller.user_id
    r = http.upload("buyer", PDF, "q.pdf", fields={"seller_id": str(seller_id)})
    assert r.status_code == 201, r.text
    assert r.json()["seller_id"] == seller_id and r.json()["order_id"] is None
    got = http.client.get(f"/api/v1/evidence/{r.json()['id']}", headers=http.headers["seller"])
    assert got.status_code == 200 and got.content == PDF
