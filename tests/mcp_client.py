"""The official Python MCP SDK as a client of Prism: of `prism mcp` over stdio
(`mcp_client.py PRISM`), or of the app's streamable HTTP endpoint with its token
(`mcp_client.py --http URL TOKEN`). Lists the tools and resources, tunes a channel, asks what
is on, searches the guide, reads the now-playing resource, and prints what it got as one JSON
object (the Rust test reads it)."""
import asyncio, json, os, sys

import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError


async def session(s: ClientSession) -> dict:
    out = {}
    init = await s.initialize()
    out["server"] = init.serverInfo.name
    out["tools"] = sorted(t.name for t in (await s.list_tools()).tools)
    for name, args in [
        ("tune", {"channel": "Prism Music"}),
        ("whats_on", {}),
        ("tune", {"channel": "No Such Channel Anywhere"}),
        ("list_channels", {"query": "prism", "limit": 2}),
        ("search_programmes", {"query": "world report"}),
    ]:
        r = await s.call_tool(name, args)
        out.setdefault("calls", []).append(
            {"tool": name, "error": r.isError, "text": r.content[0].text if r.content else ""}
        )
    if init.capabilities.resources:
        out["resources"] = [str(r.uri) for r in (await s.list_resources()).resources]
        for uri in out["resources"]:
            try:
                r = await s.read_resource(uri)
                out.setdefault("read", []).append(r.contents[0].text)
            except McpError as e:
                out.setdefault("read_errors", []).append(str(e))
    return out


async def main(args: list[str]) -> None:
    if args[0] == "--http":
        url, token = args[1], args[2]
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(headers=headers, timeout=30) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as s:
                    out = await session(s)
    else:
        # The SDK passes a bare environment by default: the test's runtime folder must reach prism.
        params = StdioServerParameters(command=args[0], args=["mcp"], env=dict(os.environ))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as s:
                out = await session(s)
    print(json.dumps(out))


asyncio.run(main(sys.argv[1:]))
