"""Schemathesis hooks that let the fuzzer past the gateway's signature checks (scripts/schemathesis.sh).

Loaded by schemathesis through SCHEMATHESIS_HOOKS. On import it activates a device against the live
gateway, as a phone does: two fresh P-256 keys, a one-time code from the gateway's command line
(`issue-code --login wangjianguo`, the demo leader), `POST /v1/devices/activate`. It activates a
second device the same way and has the command line ask for it to be wiped (`device wipe`), and
asks the command line for an operator token for the admin API.

Each request schemathesis sends to a phone endpoint (anything under /v1/ but activation, health
and /v1/admin/...) is then signed exactly per the request-signature profile of security.md (the
RFC 9421 profile of core/src/protocol/signature.rs): `authorization`, `content-type`,
`content-digest` over the body bytes, `signature-input` and `signature`. The signature is made in
a `requests` auth callable, which runs on the final prepared request: the URL with its encoded
query and the body bytes are the ones that go on the wire, so `@target-uri` and the digest match
what the gateway sees.

So that the refusals stay exercised, not everything is signed. Per operation and in the order
sent, of every 10 requests: 0-6 are signed by the first device (70 %, and the first seven
requests of every operation always are); 7 goes as the fuzzer made it, unsigned, with whatever
bearer token schemathesis generated from the security scheme (401 `missing_component`); 8 is
signed and then has its signature altered (401 `bad_signature`); 9 is signed by the wiped device
(401 `wipe_requested` with the signed `wipe` order, or `device_revoked` once the fuzzer revoked
it). Signing replaces a generated `Authorization`; a request whose generated headers carry
`signature`, `signature-input` or `content-digest` (the document names none, so only a future
header parameter would) is left alone.

Admin requests get the operator token in the same rhythm (request 7 of every 10 keeps the
fuzzer's made-up token or none: 401 `bad_token` / `missing_token`), every other one that names a
`{unit}` names the demo unit, so the admin API answers real 200s and 201s rather than only 404
`no_such_unit`, and a device action naming the signing device (schemathesis learns device ids
from the device list) acts on the wiped device instead, so the fuzzer cannot revoke the device
that signs.

Integration requests (/v1/integration/...) get an API key of the demo unit in the same rhythm
(request 7 of every 10 keeps the fuzzer's made-up token or none: 401 `bad_key` / `missing_key`),
and every other one that names a `{unit}` names the demo unit. The key is issued at import through
the admin API with the operator token, beside a spare one: a revocation naming the key in use
revokes the spare instead, so the fuzzer cannot lock itself out.

A long-poll `wait` above one second is lowered to one second: a pull that waits for a change
that never comes would hold a worker for up to 25 seconds and time out the client.

Every answer is counted by operation, by how the request was authenticated and by status (and
error code, and whether a signed wipe order came with it), as is every request that got no answer,
in the file QIANPI_SIGNING_STATS names; scripts/schemathesis.sh prints the counts.

Environment: QIANPI_SIGNING_URL (the gateway, http://127.0.0.1:<port>), QIANPI_SIGNING_GATEWAY
(the qianpi-gateway binary), QIANPI_SIGNING_DB_ARGS (its database arguments, JSON list),
QIANPI_SIGNING_STATS (where to append the counts), QIANPI_SIGNING_LOGIN (default wangjianguo).
"""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import threading
import time
from collections import defaultdict

import requests
import schemathesis
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

URL = os.environ["QIANPI_SIGNING_URL"].rstrip("/")
GATEWAY = os.environ["QIANPI_SIGNING_GATEWAY"]
DB_ARGS = json.loads(os.environ["QIANPI_SIGNING_DB_ARGS"])
STATS = os.environ["QIANPI_SIGNING_STATS"]
LOGIN = os.environ.get("QIANPI_SIGNING_LOGIN", "wangjianguo")
DEMO_UNIT = "unit-sxnyt"

# The profile (core/src/protocol/signature.rs).
COMPONENTS = ("@method", "@target-uri", "content-digest", "content-type", "authorization")
LABEL = "req"
ALGORITHM = "ecdsa-p256-sha256"
TAG = "qianpi-req-v1"
VALIDITY_SECS = 60
CONTENT_TYPE = "application/json"
# Generated headers that mean the fuzzer is testing the signature itself: left as it made them.
SIGNATURE_HEADERS = {"signature", "signature-input", "content-digest"}
# Of every RHYTHM requests to an operation, the positions that are not signed by the first device.
RHYTHM = 10
AS_GENERATED_AT = 7
BAD_SIGNATURE_AT = 8
WIPED_DEVICE_AT = 9
MAX_WAIT_SECS = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _spki_b64(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _b64(der)


def _cli(*args: str) -> str:
    """Runs the gateway's command line against the gateway's database; its one line of output."""
    result = subprocess.run(
        [GATEWAY, *args, *DB_ARGS], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"qianpi-gateway {args[0]} failed: {result.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1]


class Device:
    """An activated device: its request key, key id, access token and device id."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, answer: dict) -> None:
        self.key = key
        self.key_id = answer["request_key_id"]
        self.token = answer["access_token"]
        self.device_id = answer["device_id"]


def _activate(name: str) -> Device:
    """A device activated for LOGIN."""
    request_key = ec.generate_private_key(ec.SECP256R1())
    approval_key = ec.generate_private_key(ec.SECP256R1())
    code = _cli("issue-code", "--login", LOGIN)
    response = requests.post(
        f"{URL}/v1/devices/activate",
        json={
            "login": LOGIN,
            "code": code,
            "request_key_spki": _spki_b64(request_key),
            "approval_key_spki": _spki_b64(approval_key),
            "device_name": name,
            "platform": "terminal",
        },
        timeout=30,
    )
    if response.status_code != 200:
        raise RuntimeError(f"activation answered {response.status_code}: {response.text}")
    answer = response.json()
    if answer.get("pending_approval"):
        raise RuntimeError("the activated device waits for approval: no signed request would pass")
    return Device(request_key, answer)


SIGNER = _activate("schemathesis")
WIPED = _activate("schemathesis (wiped)")
_cli("device", "wipe", "--device", WIPED.device_id)
OPERATOR_TOKEN = _cli("issue-admin-token", "--operator", "--label", "schemathesis")


def _issue_api_key(label: str) -> dict:
    """An API key of the demo unit, issued through the admin API."""
    response = requests.post(
        f"{URL}/v1/admin/units/{DEMO_UNIT}/api-keys",
        json={"label": label},
        headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
        timeout=30,
    )
    if response.status_code != 201:
        raise RuntimeError(f"issuing an API key answered {response.status_code}: {response.text}")
    return response.json()


API_KEY = _issue_api_key("schemathesis")
SPARE_API_KEY = _issue_api_key("schemathesis (spare)")


def signature_base(method: str, target_uri: str, digest: str, authorization: str, params: str) -> str:
    """RFC 9421 §2.5 for the profile: one line per covered component, then the parameters."""
    values = (method, target_uri, digest, CONTENT_TYPE, authorization)
    lines = [f'"{name}": {value.strip()}' for name, value in zip(COMPONENTS, values)]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines)


def sign_prepared(request: requests.PreparedRequest, device: Device, *, spoil: bool = False) -> None:
    """Adds the profile's headers to `request`, signed by `device` over its final URL and body."""
    body = request.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    # Send exactly the bytes that were digested (requests recomputes Content-Length afterwards).
    request.body = body if body else None
    host = request.headers.get("Host") or requests.utils.urlparse(request.url).netloc
    target_uri = f"http://{host}{request.path_url}"
    authorization = f"Bearer {device.token}"
    digest = f"sha-256=:{_b64(hashlib.sha256(body).digest())}:"
    created = int(time.time())
    nonce = base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode("ascii")
    components = " ".join(f'"{c}"' for c in COMPONENTS)
    params = (
        f"({components});created={created};expires={created + VALIDITY_SECS};"
        f'nonce="{nonce}";keyid="{device.key_id}";alg="{ALGORITHM}";tag="{TAG}"'
    )
    base = signature_base(request.method.upper(), target_uri, digest, authorization, params)
    der = device.key.sign(base.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = bytearray(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    if spoil:
        raw[10] ^= 0x01
    request.headers["Authorization"] = authorization
    request.headers["Content-Type"] = CONTENT_TYPE
    request.headers["Content-Digest"] = digest
    request.headers["Signature-Input"] = f"{LABEL}={params}"
    request.headers["Signature"] = f"{LABEL}=:{_b64(bytes(raw))}:"


class PhoneSignature(requests.auth.AuthBase):
    """Signs the prepared request (or spoils its signature)."""

    def __init__(self, device: Device, spoil: bool = False) -> None:
        self.device = device
        self.spoil = spoil

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        sign_prepared(request, self.device, spoil=self.spoil)
        return request


class OperatorToken(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {OPERATOR_TOKEN}"
        return request


class IntegrationKey(requests.auth.AuthBase):
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {API_KEY['key']}"
        return request


def is_phone_path(path: str) -> bool:
    return (
        path.startswith("/v1/")
        and path not in ("/v1/devices/activate", "/v1/health")
        and not path.startswith("/v1/admin/")
        and not path.startswith("/v1/integration/")
    )


_lock = threading.Lock()
_sent: dict[str, int] = defaultdict(int)
_how = threading.local()


def _position(label: str) -> int:
    with _lock:
        n = _sent[label]
        _sent[label] += 1
    return n % RHYTHM


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    label = f"{case.method.upper()} {path}"
    generated = {name.lower() for name in (case.headers or {})}
    _how.label = label
    _how.auth = "as generated"
    if is_phone_path(path):
        if generated & SIGNATURE_HEADERS:
            _how.auth = "fuzzer's own signature headers"
            return
        if isinstance(case.query, dict):
            wait = case.query.get("wait")
            if isinstance(wait, int) and not isinstance(wait, bool) and wait > MAX_WAIT_SECS:
                case.query["wait"] = MAX_WAIT_SECS
        position = _position(label)
        if position == AS_GENERATED_AT:
            _how.auth = "unsigned"
        elif position == BAD_SIGNATURE_AT:
            _how.auth = "bad signature"
            kwargs["auth"] = PhoneSignature(SIGNER, spoil=True)
        elif position == WIPED_DEVICE_AT:
            _how.auth = "wiped device"
            kwargs["auth"] = PhoneSignature(WIPED)
        else:
            _how.auth = "signed"
            kwargs["auth"] = PhoneSignature(SIGNER)
    elif path.startswith("/v1/admin/"):
        position = _position(label)
        if position == AS_GENERATED_AT:
            _how.auth = "generated token" if "authorization" in generated else "no token"
            return
        parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
        if "unit" in parameters and position % 2 == 0:
            parameters["unit"] = DEMO_UNIT
        if parameters.get("device") == SIGNER.device_id:
            parameters["device"] = WIPED.device_id
        if parameters.get("key") == API_KEY["id"]:
            parameters["key"] = SPARE_API_KEY["id"]
        _how.auth = "operator token"
        kwargs["auth"] = OperatorToken()
    elif path.startswith("/v1/integration/"):
        position = _position(label)
        if position == AS_GENERATED_AT:
            _how.auth = "generated token" if "authorization" in generated else "no token"
            return
        parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
        if "unit" in parameters and position % 2 == 0:
            parameters["unit"] = DEMO_UNIT
        _how.auth = "integration key"
        kwargs["auth"] = IntegrationKey()


def _count(case, status: str) -> None:
    label = getattr(_how, "label", f"{case.method.upper()} {case.operation.path}")
    how = getattr(_how, "auth", "as generated")
    line = json.dumps({"operation": label, "auth": how, "status": status}, ensure_ascii=False)
    with _lock, open(STATS, "a", encoding="utf-8") as out:
        out.write(line + "\n")


@schemathesis.hook
def after_call(context, case, response):
    status = str(response.status_code)
    if 400 <= response.status_code < 600:
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("code"):
            status = f"{status} {body['code']}"
            if "wipe" in body:
                status += " +wipe"
    _count(case, status)


@schemathesis.hook
def after_network_error(context, case, request):
    _count(case, "no answer")
