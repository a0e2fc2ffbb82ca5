#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/tenant_store.hpp"
#include "storage/keys.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc;
using namespace std::chrono;

TEST_CASE("tenant_store keeps watermarks, issue entries and parked records per tenant") {
  test::temp_dir dir;
  auto store = storage::store::open(dir.path());
  engine::tenant_store a(store, "acme");
  engine::tenant_store b(store, "acme2");

  engine::issue_entry entry;
  entry.key = "OPS-7";
  entry.id = "10007";
  entry.hash = "abc";
  entry.state["fields"] = boost::json::object{{"summary", "PO 1"}};
  entry.workflow = "closed";
  entry.linked = true;
  entry.record_updated = "2026-01-01T00:00:00Z";

  engine::parked_record parked;
  parked.what = engine::entity::supplier_invoice;
  parked.id = "INV-1";
  parked.api = "record";
  parked.raw_json = R"({"id":"INV-1"})";
  parked.error = "Jira field Vendor is not on the screen";
  parked.field = "customfield_10050";
  parked.parked_at = engine::sys_seconds{seconds{1'700'000'000}};
  parked.attempts = 3;

  engine::watermark wm{engine::sys_seconds{seconds{1'700'000'123}}, "PO/9"};
  store->commit_now({a.put_watermark(engine::entity::purchase_order, wm),
                     a.put_issue(engine::entity::purchase_order, "4500123", entry), a.park(parked),
                     a.audit(engine::entity::purchase_order, "4500123", "created", "OPS-7", "created OPS-7"),
                     a.audit(engine::entity::supplier_invoice, "INV-1", "parked", "", "field not on screen")});

  CHECK(a.load_watermark(engine::entity::purchase_order) == wm);
  CHECK_FALSE(a.load_watermark(engine::entity::supplier_invoice));
  CHECK_FALSE(b.load_watermark(engine::entity::purchase_order));

  auto got = a.issue(engine::entity::purchase_order, "4500123");
  REQUIRE(got);
  CHECK(got->key == "OPS-7");
  CHECK(got->id == "10007");
  CHECK(got->workflow == "closed");
  CHECK(got->linked);
  CHECK(got->state == entry.state);
  CHECK_FALSE(got->intent_at);
  CHECK_FALSE(a.issue(engine::entity::supplier_invoice, "4500123"));  // entities are separate
  CHECK_FALSE(b.issue(engine::entity::purchase_order, "4500123"));
  CHECK(a.has_issue(engine::entity::purchase_order, "4500123"));
  CHECK_FALSE(a.has_issue(engine::entity::supplier_invoice, "4500123"));
  CHECK_FALSE(b.has_issue(engine::entity::purchase_order, "4500123"));
  CHECK(a.is_parked(engine::entity::supplier_invoice, "INV-1"));
  CHECK_FALSE(a.is_parked(engine::entity::purchase_order, "INV-1"));

  auto all = a.all_parked();
  REQUIRE(all.size() == 1);
  CHECK(all[0].id == "INV-1");
  CHECK(all[0].what == engine::entity::supplier_invoice);
  CHECK(all[0].error == parked.error);
  CHECK(all[0].field == parked.field);
  CHECK(all[0].attempts == 3);
  CHECK(all[0].parked_at == parked.parked_at);
  CHECK(b.all_parked().empty());

  auto audit = a.audit(10);
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].action == "parked");  // newest first
  CHECK(audit[1].issue == "OPS-7");
  CHECK(a.audit(10, std::string{"4500123"}).size() == 1);
  CHECK(a.audit(10, std::nullopt, true).size() == 1);
  CHECK(b.audit(10).empty());

  store->commit_now({a.unpark(engine::entity::supplier_invoice, "INV-1")});
  CHECK(a.all_parked().empty());
  CHECK_FALSE(a.is_parked(engine::entity::supplier_invoice, "INV-1"));
}

TEST_CASE("an issue entry with only a create intent round-trips") {
  engine::issue_entry intent;
  intent.intent_at = engine::sys_seconds{seconds{1'800'000'000}};
  auto back = engine::issue_entry::from_json(boost::json::serialize(intent.to_json()));
  REQUIRE(back);
  CHECK(back->key.empty());
  CHECK(back->intent_at == intent.intent_at);
  CHECK_FALSE(engine::issue_entry::from_json("not json"));
  CHECK_FALSE(engine::parked_record::from_json(R"({"entity":"nonsense"})"));
}

TEST_CASE("an issue entry with every member set round-trips through its stored text") {
  engine::issue_entry e;
  e.key = "OPS-12";
  e.id = "10012";
  e.hash = "h\"1";
  e.state = boost::json::parse(R"({"fields":{"summary":"PO \"1\"\n","customfield_1":12.5},"facts":{"workflow":"none"}})")
                .as_object();
  e.intent_at = engine::sys_seconds{seconds{1'800'000'000}};
  e.workflow = "closed";
  e.linked = true;
  e.link_sent = true;
  e.comment_for = "c\\2";
  e.record_updated = "2026-01-31T10:00:00Z";
  e.source_hash = "s3";
  e.order = "PO\"9";
  auto text = e.to_text();
  CHECK(boost::json::parse(text).as_object() == e.to_json());
  auto back = engine::issue_entry::from_json(text);
  REQUIRE(back);
  CHECK(back->key == e.key);
  CHECK(back->id == e.id);
  CHECK(back->hash == e.hash);
  CHECK(back->state == e.state);
  CHECK(back->intent_at == e.intent_at);
  CHECK(back->workflow == e.workflow);
  CHECK(back->linked);
  CHECK(back->link_sent);
  CHECK(back->comment_for == e.comment_for);
  CHECK(back->record_updated == e.record_updated);
  CHECK(back->source_hash == e.source_hash);
  CHECK(back->order == e.order);
  // Set with its canonical text, the state is written as that text: the same entry.
  auto with_text = e;
  with_text.set_state(engine::hash_state(e.state));
  CHECK(with_text.hash == engine::content_hash(e.state));
  CHECK(with_text.to_text() != text);  // keys sorted
  CHECK(boost::json::parse(with_text.to_text()).as_object() == with_text.to_json());
  auto again = engine::issue_entry::from_json(with_text.to_text());
  REQUIRE(again);
  CHECK(again->state == e.state);
  CHECK(again->key == e.key);
  CHECK(again->order == e.order);
  // Members left at their defaults stay out of the text (older entries had none of them).
  engine::issue_entry plain;
  auto plain_text = plain.to_text();
  for (auto absent : {"intent_at", "link_sent", "comment_for", "source_hash", "order"}) CHECK(plain_text.find(absent) == std::string::npos);
  CHECK(boost::json::parse(plain_text).at("linked") == false);
}

TEST_CASE("audit entries keep any text and a microsecond UTC time") {
  test::temp_dir dir;
  auto store = storage::store::open(dir.path());
  engine::tenant_store t(store, "acme");
  auto const before = system_clock::now();
  std::string const message = "total 1 \u2192 2; \"quoted\"\\ and a\nnewline";
  store->commit_now({t.audit(engine::entity::purchase_order, "PO\"1", "updated", "OPS-1", message),
                     t.audit(engine::entity::supplier_invoice, "INV-2", "unchanged", "", "")});
  auto entries = t.audit(10);
  REQUIRE(entries.size() == 2);
  auto const& e = entries[1];
  CHECK(e.entity == "purchase_orders");
  CHECK(e.record == "PO\"1");
  CHECK(e.action == "updated");
  CHECK(e.issue == "OPS-1");
  CHECK(e.message == message);
  CHECK(entries[0].issue.empty());
  CHECK(entries[0].message.empty());
  // "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", within a few seconds of the write.
  REQUIRE(e.time.size() == 27);
  CHECK(e.time[19] == '.');
  CHECK(e.time.back() == 'Z');
  CHECK(e.time.substr(20, 6).find_first_not_of("0123456789") == std::string::npos);
  auto at = engine::parse_timestamp(e.time.substr(0, 19) + "Z");
  REQUIRE(at);
  CHECK(*at >= floor<seconds>(before));
  CHECK(*at <= floor<seconds>(system_clock::now()));
}

TEST_CASE("the invoices naming an order are listed by order, per tenant, apart from issue entries") {
  test::temp_dir dir;
  auto store = storage::store::open(dir.path());
  engine::tenant_store t(store, "acme");
  engine::tenant_store other(store, "acme2");
  engine::issue_entry entry;
  entry.key = "OPS-1";
  store->commit_now({t.put_order_invoice("PO1", "INV-2", false), t.put_order_invoice("PO1", "INV-1", true),
                     t.put_order_invoice("PO10", "INV-3", false), other.put_order_invoice("PO1", "INV-9", false),
                     t.put_issue(engine::entity::purchase_order, "PO1", entry)});
  auto po1 = t.order_invoices("PO1");  // not PO10's, though "PO1" is a prefix of it
  REQUIRE(po1.size() == 2);
  CHECK(po1[0].order == "PO1");
  CHECK(po1[0].invoice == "INV-1");
  CHECK(po1[0].linked);
  CHECK(po1[1].invoice == "INV-2");
  CHECK_FALSE(po1[1].linked);
  auto all = t.order_invoices(std::nullopt);
  REQUIRE(all.size() == 3);
  CHECK(all[2].order == "PO10");
  CHECK(all[2].invoice == "INV-3");
  CHECK(t.order_invoices("PO2").empty());
  CHECK(other.order_invoices(std::nullopt).size() == 1);
  // The issue entry of order PO1 is untouched by its invoices' keys, and they by it.
  CHECK(t.issue(engine::entity::purchase_order, "PO1")->key == "OPS-1");
  store->commit_now({t.drop_order_invoice("PO1", "INV-1")});
  CHECK(t.order_invoices("PO1").size() == 1);
}

TEST_CASE("an issue's key is read without the rest of its entry, escaped keys included") {
  test::temp_dir dir;
  auto store = storage::store::open(dir.path());
  engine::tenant_store t(store, "acme");
  engine::issue_entry plain, intent, odd;
  plain.key = "OPS-12";
  plain.state = boost::json::parse(R"({"fields":{"summary":"PO \"1\" \\ x"}})").as_object();
  intent.intent_at = engine::sys_seconds{seconds{1'800'000'000}};
  odd.key = "O\"P\\S-1";
  auto const po = engine::entity::purchase_order;
  store->commit_now({t.put_issue(po, "P1", plain), t.put_issue(po, "P2", intent), t.put_issue(po, "P3", odd),
                     {storage::column::issue_map, storage::make_key("acme", std::string{"purchase_orders"} + '\0' + "P4"),
                      "not json"}});
  CHECK(t.issue_key(po, "P1") == std::optional<std::string>{"OPS-12"});
  CHECK(t.issue_key(po, "P2") == std::optional<std::string>{""});
  CHECK(t.issue_key(po, "P3") == std::optional<std::string>{odd.key});
  CHECK_FALSE(t.issue_key(po, "P4"));
  CHECK_FALSE(t.issue_key(po, "P5"));
  CHECK_FALSE(t.issue_key(engine::entity::supplier_invoice, "P1"));
}

TEST_CASE("supplier cache entries keep their fetch time") {
  test::temp_dir dir;
  auto store = storage::store::open(dir.path());
  engine::tenant_store t(store, "acme");
  auto when = engine::sys_seconds{seconds{1'750'000'000}};
  store->commit_now({t.put_supplier("S'01", "Acme \"Metals\" GmbH", when)});
  auto got = t.supplier("S'01");
  REQUIRE(got);
  CHECK(got->first == "Acme \"Metals\" GmbH");
  CHECK(got->second == when);
  CHECK_FALSE(t.supplier("S02"));
}

TEST_CASE("deferred writes reach the store before anything the tenant writes after them") {
  test::temp_dir dir;
  auto store = storage::store::open(dir.path());
  engine::tenant_store a(store, "acme");
  engine::watermark first{engine::sys_seconds{seconds{1'700'000'000}}, "PO/1"};
  engine::watermark second{engine::sys_seconds{seconds{1'700'000'100}}, "PO/2"};
  engine::issue_entry entry;
  entry.key = "OPS-1";

  a.defer({a.put_issue(engine::entity::purchase_order, "1", entry), a.put_watermark(engine::entity::purchase_order, first)});
  CHECK_FALSE(a.issue(engine::entity::purchase_order, "1"));  // not written yet
  auto writes = store->unsynced_writes();
  a.flush();
  CHECK(store->unsynced_writes() == writes + 1);
  CHECK(a.issue(engine::entity::purchase_order, "1"));
  a.flush();  // nothing deferred: nothing written
  CHECK(store->unsynced_writes() == writes + 1);

  // Deferred ops go first in the next commit: a later write of the same key wins.
  a.defer({a.put_watermark(engine::entity::purchase_order, second), a.drop_issue(engine::entity::purchase_order, "1")});
  test::run([&](asio::io_context&) -> asio::awaitable<void> {
    co_await a.commit({a.put_watermark(engine::entity::purchase_order, first)});
  });
  CHECK(a.load_watermark(engine::entity::purchase_order) == first);
  CHECK_FALSE(a.issue(engine::entity::purchase_order, "1"));  // the deferred delete went out with it

  // And in the next unsynced write.
  a.defer({a.put_issue(engine::entity::purchase_order, "2", entry)});
  a.write_unsynced({a.put_watermark(engine::entity::purchase_order, second)});
  CHECK(a.issue(engine::entity::purchase_order, "2"));
  CHECK(a.load_watermark(engine::entity::purchase_order) == second);
  CHECK(store->unsynced_writes() == writes + 2);
}
