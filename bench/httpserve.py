"""Minimal asyncio HTTP/1.1 plumbing shared by the benchmark's proxy and responder.

Keep-alive connections, Content-Length bodies (chunked responses are de-chunked
when reading from upstream). Only what AWS SDK clients send is supported.
"""
import asyncio


async def read_headers(reader):
    """Header lines up to the blank line, as a dict with lower-case names."""
    headers = {}
    while True:
        h = await reader.readline()
        if h in (b"\r\n", b"\n", b""):
            return headers
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()


async def read_request(reader):
    line = await reader.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers = await read_headers(reader)
    body = b""
    n = int(headers.get("content-length", "0") or 0)
    if n:
        body = await reader.readexactly(n)
    return method, target, headers, body


def scope(headers):
    """(access key id, region, service) from the SigV4 Authorization header."""
    auth = headers.get("authorization", "")
    cred = auth.split("Credential=", 1)[1].split(",", 1)[0] if "Credential=" in auth else ""
    parts = cred.split("/")
    if len(parts) >= 4:
        return parts[0], parts[2], parts[3]
    return "", "", ""


def operation(target, headers, body):
    if "x-amz-target" in headers:
        return headers["x-amz-target"].rsplit(".", 1)[-1]
    if body.startswith(b"Action="):
        return body.split(b"&", 1)[0][7:].decode()
    return target.split("?", 1)[0]


async def write_response(writer, status, content_type, body):
    head = (f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nx-amzn-requestid: bench\r\n\r\n")
    writer.write(head.encode("latin-1") + body)
    await writer.drain()


async def serve_connection(reader, writer, handle):
    try:
        while True:
            req = await read_request(reader)
            if req is None:
                break
            status, ctype, body = await handle(*req)
            await write_response(writer, status, ctype, body)
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def forward(port, method, target, headers, body):
    """Sends a request to 127.0.0.1:port on a new connection; returns (status, type, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k not in ("connection",)]
    lines.append("Connection: close")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    rh = await read_headers(reader)
    if rh.get("transfer-encoding", "").lower() == "chunked":
        data = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            data += chunk[:-2]
    elif "content-length" in rh:
        data = await reader.readexactly(int(rh["content-length"]))
    else:
        data = await reader.read()
    writer.close()
    return status, rh.get("content-type", "application/octet-stream"), data


async def serve_forever(port, handle):
    """Serves `handle(method, target, headers, body) -> (status, type, body)` on 127.0.0.1:port."""
    server = await asyncio.start_server(lambda r, w: serve_connection(r, w, handle), "127.0.0.1", port,
                                        backlog=4096)
    async with server:
        await server.serve_forever()
