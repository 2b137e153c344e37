"""An HTTP/2 stand-in for the login and API hosts, to see how `check` uses a server that offers h2
(the mock.py of this folder speaks HTTP/1.1 only). Not run by bench-peers.sh; by hand:

    pip install hypercorn
    LAT=0.05 LOG=/tmp/h2.log hypercorn --certfile server.pem --keyfile server-key.pem \\
        -b 127.0.0.1:19443 -b 127.0.0.1:18443 benches.peers.h2_app:app

(server.pem: a leaf for 127.0.0.1 and its CA, as bench-peers.sh makes them; point SSL_CERT_FILE
at the CA). Every request is logged as `ms http_version client_port method path`: distinct client
ports are the connections that carried a request. LAT is the delay before each answer (s)."""
import asyncio, base64, json, os, time

LOG = open(os.environ.get("LOG", "/tmp/h2.log"), "a")
LAT = float(os.environ.get("LAT", "0.05"))
TID = "11111111-1111-1111-1111-111111111111"
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt():
    now = int(time.time())
    body = {"aud": "https://analysis.windows.net/powerbi/api", "iss": f"https://sts.windows.net/{TID}/",
            "iat": now, "nbf": now, "exp": now + 3599, "appid": "00000000-0000-0000-0000-0000000000c1",
            "appidacr": "1", "idtyp": "app", "oid": "00000000-0000-0000-0000-00000000000b", "tid": TID,
            "roles": ["Tenant.Read.All"], "ver": "1.0"}
    return ".".join([b64(json.dumps({"typ": "JWT", "alg": "RS256"}).encode()), b64(json.dumps(body).encode()),
                     b64(b"not-a-real-signature")])


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    LOG.write(f"{time.monotonic() * 1000:.1f} {scope['http_version']} {scope['client'][1]} {scope['method']} {path}\n")
    LOG.flush()
    await asyncio.sleep(LAT)
    if path.endswith("/oauth2/v2.0/token"):
        body = {"token_type": "Bearer", "expires_in": 3599, "access_token": jwt()}
    elif path.endswith("/openid-configuration"):
        body = {"issuer": f"https://login.microsoftonline.com/{TID}/v2.0", "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "token_endpoint": f"https://login.microsoftonline.com/{TID}/oauth2/v2.0/token"}
    elif path.endswith("/datasets"):
        body = {"value": []}
    else:
        body = {"value": [{"id": "00000000-0000-0000-0000-0000000000a1", "name": "Mock Workspace", "type": "Workspace"}]}
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
