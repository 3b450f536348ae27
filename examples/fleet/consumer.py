"""A service on another machine, talking to the fleet through the bridge's Redis.

It lists the servers the bridges carry, sends a ``Ping`` to one of them and a
``UserEvent`` that the server turns into an event, and reads that event back from the
server's stream in consumer group ``demo``: the same classes, the same response tuple a
local Manager gives.  Usage (a ``pystrix bridge`` running, see the README)::

    python examples/fleet/consumer.py [--redis redis://127.0.0.1:6390/0] [--server pbx1]
"""

import argparse
import asyncio
import os

from pystrix.ami import core
from pystrix.fleet.redis import FleetClient


async def main(url: str, server: str) -> None:
    async with FleetClient(url) as client:
        print("servers:", ", ".join(await client.servers()))
        answer = await client.send_action(server, core.Ping(), timeout=10)
        print(f"Ping through the bridge: success={answer.success}, {answer.result['Ping']}")
        # The group reads from the stream's start the first time it is created.
        events = client.events("demo", "demo-1", servers=[server], filter="UserEvent", start="0")
        await client.send_action(server, core.UserEvent("FleetDemo", Note="hello"), timeout=10)
        # Leaving the block normally acknowledges the event handled last (a plain break
        # outside it, an exception or a crash leaves it pending for another consumer).
        async with events:
            async for name, event in events:
                if event.get("UserEvent") == "FleetDemo":
                    print(f"event from {name}: UserEvent {event['UserEvent']}, {event['Note']}")
                    break


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Use the fleet through the bridge's Redis.")
    parser.add_argument(
        "--redis", default=os.environ.get("PYSTRIX_REDIS_URL", "redis://127.0.0.1:6390/0")
    )
    parser.add_argument("--server", default="pbx1")
    options = parser.parse_args()
    asyncio.run(main(options.redis, options.server))
