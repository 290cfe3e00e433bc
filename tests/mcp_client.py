"""The official Python MCP SDK as a client of `prism mcp` (stdio): lists the tools, tunes a
channel, asks what is on, and prints what it got as one JSON object (the Rust test reads it)."""
import asyncio, json, os, sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(prism: str) -> None:
    # The SDK passes a bare environment by default: the test's runtime folder must reach prism.
    params = StdioServerParameters(command=prism, args=["mcp"], env=dict(os.environ))
    out = {}
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as s:
            init = await s.initialize()
            out["server"] = init.serverInfo.name
            out["tools"] = sorted(t.name for t in (await s.list_tools()).tools)
            for name, args in [
                ("tune", {"channel": "Prism Music"}),
                ("whats_on", {}),
                ("tune", {"channel": "No Such Channel Anywhere"}),
                ("list_channels", {"query": "prism", "limit": 2}),
            ]:
                r = await s.call_tool(name, args)
                out.setdefault("calls", []).append(
                    {"tool": name, "error": r.isError, "text": r.content[0].text if r.content else ""}
                )
    print(json.dumps(out))


asyncio.run(main(sys.argv[1]))
