#!/usr/bin/env python3
"""Checks mlc-compare, the verdict every harness run rests on: a state where Jira matches X3
passes, and a duplicate, a missing issue, a stale amount, a stale status, an invoice not
linked to its order's issue, an orphan and a change comment posted twice are each counted; bad input is refused with exit 2.

    python3 tests/harness/compare_selftest.py build/ci/tests/harness/mlc-compare
"""

import copy
import json
import subprocess
import sys

compare = sys.argv[1]
fields = json.loads(subprocess.run([compare, "--print-fields"], check=True, stdout=subprocess.PIPE).stdout)
TOTAL, DELIVERY, INV_AMOUNT = fields["Total amount"], fields["Delivery date"], fields["Amount excl. tax"]

x3 = {
    "purchase_orders": [
        {"id": "PO1", "total_excl_tax": 100.5, "closed": False,
         "lines": [{"expected_receipt": "2030-05-01", "received": False},
                   {"expected_receipt": "2030-04-01", "received": True}]},
        {"id": "PO2", "total_excl_tax": 7, "closed": True, "lines": [{"expected_receipt": None, "received": False}]},
    ],
    "supplier_invoices": [{"id": "PI1", "amount_excl_tax": "42.10"},
                          {"id": "PI2", "amount_excl_tax": "5", "purchase_order": "PO1"}],
}


def issue(key, entity, rid, status, **values):
    return {"key": key, "status": status, "fields": values,
            "properties": {"ml-connector.source": {"entity": entity, "id": rid}}}


good_issues = [
    issue("OPS-1", "purchase_order", "PO1", "To Do", **{TOTAL: 100.5, DELIVERY: "2030-05-01"}),
    issue("OPS-2", "purchase_order", "PO2", "Done", **{TOTAL: 7.0}),
    issue("OPS-3", "supplier_invoice", "PI1", "To Do", **{INV_AMOUNT: 42.1}),
    issue("OPS-4", "supplier_invoice", "PI2", "To Do", **{INV_AMOUNT: 5}),
]
good_issues[3]["links"] = [{"type": "Relates", "direction": "outward", "issue": "OPS-1"}]


def run(state, expect_exit, **expect):
    r = subprocess.run([compare, "--json"], input=json.dumps(state).encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != expect_exit:
        sys.exit(f"FAIL: expected exit {expect_exit}, got {r.returncode}: {r.stdout!r} {r.stderr!r}")
    if expect_exit == 2:
        return
    got = json.loads(r.stdout)
    for k, v in expect.items():
        if got[k] != v:
            sys.exit(f"FAIL: expected {k}={v}, got {got}")
    print("ok", expect, got["problems"][:2])


def world(issues, extra_tenant=False):
    s = {"x3": {"t1": copy.deepcopy(x3)}, "jira": {"t1": {"issues": copy.deepcopy(issues)}}}
    if extra_tenant:
        s["x3"]["t2"] = copy.deepcopy(x3)
        s["jira"]["t2"] = {"issues": copy.deepcopy(good_issues)}
    return s


run(world(good_issues), 0, duplicates=0, missing=0, stale=0, orphans=0, records=4, issues=4, unconverged=[])
run(world(good_issues + [copy.deepcopy(good_issues[0])]), 1, duplicates=1, missing=0, stale=0)
run(world(good_issues[1:]), 1, duplicates=0, missing=1, stale=0)
stale_amount = copy.deepcopy(good_issues)
stale_amount[2]["fields"][INV_AMOUNT] = 42.0
run(world(stale_amount), 1, stale=1, missing=0)
stale_date = copy.deepcopy(good_issues)
stale_date[0]["fields"][DELIVERY] = "2030-04-01"  # the received line's date
run(world(stale_date), 1, stale=1)
stale_status = copy.deepcopy(good_issues)
stale_status[1]["status"] = "To Do"  # closed order not transitioned
run(world(stale_status, extra_tenant=True), 1, stale=1, unconverged=["t1"])
# An invoice naming an order with an issue is linked to it: "Relates", from the invoice.
for links in ([], [{"type": "Relates", "direction": "inward", "issue": "OPS-1"}],
              [{"type": "Relates", "direction": "outward", "issue": "OPS-2"}],
              [{"type": "Blocks", "direction": "outward", "issue": "OPS-1"}]):
    unlinked = copy.deepcopy(good_issues)
    unlinked[3]["links"] = links
    run(world(unlinked), 1, stale=1, missing=0, duplicates=0)
orphan = good_issues + [issue("OPS-9", "purchase_order", "PO-GONE", "To Do")]
run(world(orphan), 0, orphans=1, duplicates=0, missing=0, stale=0, unconverged=["t1"])
# Change comments: the same change twice in a row is a duplicate; a change that comes back
# after another one is not.
def change(h):
    return {"text": "Sage X3 change", "properties": {"ml-connector.change": {"hash": h}}}


commented = copy.deepcopy(good_issues)
commented[0]["comments"] = [change("a"), {"text": "a user's note"}, change("b"), change("a")]
run(world(commented), 0, duplicate_comments=0, duplicates=0)
commented[0]["comments"].append(change("a"))
run(world(commented), 1, duplicate_comments=1, duplicates=0, missing=0, stale=0)
# Links: the same link twice (Jira keeps both) is a duplicate, counted once from the
# outward side; one link each way, or links of two types, are not.
linked = copy.deepcopy(good_issues)
linked[2]["links"] = [{"type": "Relates", "direction": "outward", "issue": "OPS-1"},
                      {"type": "Blocks", "direction": "outward", "issue": "OPS-1"}]
linked[0]["links"] = [{"type": "Relates", "direction": "inward", "issue": "OPS-3"},
                      {"type": "Blocks", "direction": "inward", "issue": "OPS-3"}]
run(world(linked), 0, duplicate_links=0, duplicates=0)
linked[2]["links"].append({"type": "Relates", "direction": "outward", "issue": "OPS-1"})
linked[0]["links"].append({"type": "Relates", "direction": "inward", "issue": "OPS-3"})
run(world(linked), 1, duplicate_links=1, duplicates=0, missing=0, stale=0)
run("not a state", 2)
r = subprocess.run([compare], input=b"{", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if r.returncode != 2:
    sys.exit(f"FAIL: broken JSON gave exit {r.returncode}")
print("mlc-compare selftest passed")
