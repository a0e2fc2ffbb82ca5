"""Keeps Sage X3 records changing while the connector runs: amount and delivery-date edits,
new orders and invoices, orders closed or received, through the emulator's control API.

Orders that are closed or fully received are never given new lines: replacing the lines
would reopen a received order in X3, which the connector does not model (Jira workflows
move forward), and the comparison would flag a status the test provoked itself.
"""

import random
import threading
import time

from world import log


class inventory:
    """What the mutator may touch in one tenant: open and finished order ids, invoice ids."""

    def __init__(self, x3_state):
        self.open_orders = []
        self.done_orders = []
        for po in x3_state.get("purchase_orders", []):
            lines = po.get("lines", [])
            finished = po.get("closed") or (lines and all(l.get("received") for l in lines))
            (self.done_orders if finished else self.open_orders).append(po["id"])
        self.invoices = [inv["id"] for inv in x3_state.get("supplier_invoices", [])]


def take_inventory(emu, tenants):
    """Reads X3 for every tenant once (before the connector writes anything, so it is small)."""
    out = {}
    for t in tenants:
        out[t] = inventory(emu.state(t)["x3"][t])
    return out


# (action, weight)
_ACTIONS = [("po_amount", 30), ("po_delivery", 20), ("po_new", 12), ("po_close", 4), ("po_receive", 4),
            ("inv_amount", 18), ("inv_new", 12)]


class mutator(threading.Thread):
    """Posts `rate` changes per second (spread over the tenants) until stop()."""

    def __init__(self, emu, inventories, rate, seed):
        super().__init__(daemon=True, name="x3-changes")
        self.emu = emu
        self.inv = inventories
        self.tenants = sorted(inventories)
        self.rate = rate
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.counts = {name: 0 for name, _ in _ACTIONS}
        self.errors = 0
        self.last_error = None
        self.change_log = []  # (monotonic time, tenant, entity, id) for latency checks when wanted
        self.keep_log = False

    def stop(self):
        self.stop_event.set()
        self.join(timeout=60)

    def total(self):
        return sum(self.counts.values())

    def _amount(self):
        return round(self.rng.uniform(10, 99_999), 2)

    def _date(self):
        return f"{self.rng.randint(2027, 2032)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"

    def _lines(self):
        return [{"product": f"CHG-{self.rng.randint(1, 999)}", "quantity": self.rng.randint(1, 50),
                 "net_price": round(self.rng.uniform(1, 500), 2), "expected_receipt": self._date()}
                for _ in range(self.rng.randint(1, 3))]

    def change_one(self):
        t = self.rng.choice(self.tenants)
        inv = self.inv[t]
        action = self.rng.choices([a for a, _ in _ACTIONS], weights=[w for _, w in _ACTIONS])[0]
        base = f"/_emulator/x3/{t}"
        if action in ("po_delivery", "po_close", "po_receive") and not inv.open_orders:
            action = "po_new"
        if action == "po_amount" and not (inv.open_orders or inv.done_orders):
            action = "po_new"
        if action == "inv_amount" and not inv.invoices:
            action = "inv_new"

        if action == "po_amount":
            po = self.rng.choice(inv.open_orders + inv.done_orders)
            self.emu.post(base + "/purchase_orders", {"id": po, "total_excl_tax": self._amount()})
            what = ("purchase_order", po)
        elif action == "po_delivery":
            po = self.rng.choice(inv.open_orders)
            self.emu.post(base + "/purchase_orders", {"id": po, "lines": self._lines()})
            what = ("purchase_order", po)
        elif action == "po_new":
            r = self.emu.post(base + "/purchase_orders", {"lines": self._lines()})
            po = r["written"][0]["id"]
            inv.open_orders.append(po)
            what = ("purchase_order", po)
        elif action in ("po_close", "po_receive"):
            po = inv.open_orders.pop(self.rng.randrange(len(inv.open_orders)))
            verb = "close" if action == "po_close" else "receive"
            self.emu.post(f"{base}/purchase_orders/{po}/{verb}", {})
            inv.done_orders.append(po)
            what = ("purchase_order", po)
        elif action == "inv_amount":
            pi = self.rng.choice(inv.invoices)
            self.emu.post(base + "/supplier_invoices", {"id": pi, "amount_excl_tax": self._amount()})
            what = ("supplier_invoice", pi)
        else:
            orders = inv.open_orders + inv.done_orders
            body = {"amount_excl_tax": self._amount()}
            if orders and self.rng.random() < 0.7:
                body["purchase_order"] = self.rng.choice(orders)
            r = self.emu.post(base + "/supplier_invoices", body)
            pi = r["written"][0]["id"]
            inv.invoices.append(pi)
            what = ("supplier_invoice", pi)
        self.counts[action] += 1
        if self.keep_log:
            self.change_log.append((time.monotonic(), t) + what)

    def run(self):
        interval = 1.0 / self.rate if self.rate > 0 else None
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            if interval is None:
                return
            try:
                self.change_one()
            except Exception as e:  # the emulator is busy or stopping: count it, go on
                self.errors += 1
                self.last_error = str(e)
                if self.errors in (1, 10, 100):
                    log(f"x3 change failed ({self.errors} so far): {e}")
            next_at += interval
            delay = next_at - time.monotonic()
            if delay < -1.0:  # fell behind (emulator busy): do not burst to catch up
                next_at = time.monotonic()
                delay = 0
            if delay > 0:
                self.stop_event.wait(delay)

    def summary(self):
        parts = " ".join(f"{k}={v}" for k, v in self.counts.items())
        return f"x3 changes={self.total()} ({parts}) failed={self.errors}"
