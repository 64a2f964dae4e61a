"""pricer - a Python component (world wasp:actor): answers "price ITEM"
requests with the item's price in whole coins, "?" for an unknown item."""
import wit_world
from wit_world.imports import host, types

PRICES = {"apple": 3, "pear": 4, "plum": 2}


class WitWorld(wit_world.WitWorld):
    def handle_message(self, msg: bytes) -> int:
        text = msg.decode("utf-8", "replace")
        if not text.startswith("price "):
            host.log(types.Level.WARN, f"unknown request {text!r}")
            return 1
        price = PRICES.get(text[len("price "):])
        host.reply(str(price if price is not None else "?").encode())
        return 0
