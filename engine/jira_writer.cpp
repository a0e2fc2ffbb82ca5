#include "engine/jira_writer.hpp"

#include <algorithm>

#include "engine/content_hash.hpp"
#include "net/http.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

// Jira answered and refused (a 4xx naming `field`): nothing was created.
bool refused_for(std::exception_ptr const& failure, std::string_view field) {
  try {
    std::rethrow_exception(failure);
  } catch (sync_error const& e) {
    return e.refused_for(field);
  } catch (...) {
  }
  return false;
}

// Jira issue keys are PROJECT-N: the oldest issue has the smallest N.
long key_number(std::string const& key) {
  auto dash = key.rfind('-');
  if (dash == std::string::npos) return 0;
  try {
    return std::stol(key.substr(dash + 1));
  } catch (...) {
    return 0;
  }
}

}  // namespace

jira_writer::jira_writer(jira_client& jira, tenant_store& store, writer_settings settings)
    : jira_(jira), store_(store), settings_(std::move(settings)) {}

awaitable<std::optional<jira_issue>> jira_writer::find_by_label(std::string const& label) {
  auto found = co_await jira_.search_label(settings_.project_key, label);
  std::erase_if(found, [&](jira_issue const& i) {
    return std::find(i.labels.begin(), i.labels.end(), label) == i.labels.end();
  });
  if (found.empty()) co_return std::nullopt;
  // Should two exist (a create the connector could not see), keep to the oldest one.
  std::sort(found.begin(), found.end(),
            [](jira_issue const& a, jira_issue const& b) { return key_number(a.key) < key_number(b.key); });
  co_return found.front();
}

awaitable<issue_entry> jira_writer::create(entity e, std::string const& record_id, desired_state& desired,
                                           hashed_state state, sys_seconds now,
                                           bool intent_committed, jira_client::bulk_element const* ahead) {
  // The intent is durable before Jira sees the request: after a crash the record is looked
  // up by its label instead of being created a second time.
  if (!intent_committed) {
    issue_entry intent;
    intent.intent_at = now;
    storage::write_batch batch{store_.put_issue(e, record_id, intent)};
    co_await store_.commit(std::move(batch));
  }

  jira_issue_ref created;
  std::exception_ptr failure;
  if (ahead) {
    if (ahead->issue) created = *ahead->issue;
    else if (ahead->failure) failure = std::make_exception_ptr(*ahead->failure);
    else failure = std::make_exception_ptr(sync_error(failure_kind::transient, "jira", "create issue: no answer from the bulk create"));
  } else {
    for (;;) {
      auto body = create_body(desired);
      failure = nullptr;
      try {
        created = co_await jira_.create_issue(std::move(body));
      } catch (...) {
        failure = std::current_exception();
      }
      if (!failure) break;
      // Refused (nothing was created) for what the create carried besides the fields: go
      // again without it.
      if (!desired.link_to.empty() && refused_for(failure, "issuelinks")) {
        // The order's issue is gone, or links left the create screen since setup. The link
        // is then tried on its own (link_invoice), and what Jira says to it is sorted there.
        desired.link_to.clear();
        continue;
      }
      break;
    }
  }
  if (failure) {
    // Jira answered and refused (a 4xx): nothing was created, so the intent goes. Any
    // other failure leaves the outcome unknown and the intent in place.
    bool refused = false;
    try {
      std::rethrow_exception(failure);
    } catch (sync_error const& e) {
      refused = e.kind() != failure_kind::transient;
    } catch (...) {
    }
    if (refused) {
      storage::write_batch undo{store_.drop_issue(e, record_id)};
      co_await store_.commit(std::move(undo));
    }
    std::rethrow_exception(failure);
  }
  if (settings_.on_created) settings_.on_created(created.key);
  issue_entry entry;
  entry.key = created.key;
  entry.id = created.id;
  entry.set_state(std::move(state));
  entry.linked = !desired.link_to.empty();
  // The transition the create asked for was carried out only if Jira says so; otherwise
  // (the workflow changed since it was learnt) it is forgotten, and the caller transitions
  // the issue on its own, which learns it again.
  if (!desired.transition_id.empty() && !(created.transition_status && *created.transition_status / 100 == 2)) {
    auto it = initial_transitions_.find({e, desired.target});
    if (it != initial_transitions_.end() && it->second.id == desired.transition_id) initial_transitions_.erase(it);
    desired.transition_id.clear();
  }
  co_return entry;
}

awaitable<std::string> jira_writer::workflow_after_create(entity e, std::string const& key,
                                                          desired_state const& desired) {
  if (!desired.transition_id.empty()) co_return "transitioned with \"" + desired.transition_name + "\"";
  if (auto it = initial_transitions_.find({e, desired.target}); it != initial_transitions_.end()) {
    // A new issue starts in the workflow's initial status, where this transition was
    // taken before: no need to list the issue's transitions first.
    auto const known = it->second;
    auto refused = co_await transition(key, known.id);
    if (!refused) co_return "transitioned with \"" + known.name + "\"";
    // The workflow changed since: look the transition up, which learns it again.
    initial_transitions_.erase({e, desired.target});
  }
  co_return co_await apply_workflow(key, desired.target, e);
}

void jira_writer::plan_create(entity e, desired_state& desired) const {
  // Data Center documents no transition on create: there it always gets its own request.
  if (desired.target == workflow_target::none || jira_.flavour() != jira_flavour::cloud) return;
  auto it = initial_transitions_.find({e, desired.target});
  if (it == initial_transitions_.end()) return;
  desired.transition_id = it->second.id;
  desired.transition_name = it->second.name;
}

awaitable<std::exception_ptr> jira_writer::transition(std::string const& key, std::string const& id) {
  std::exception_ptr refused;
  try {
    co_await jira_.transition(key, id);
  } catch (sync_error const& e) {
    if (e.kind() != failure_kind::bad_record) throw;
    refused = std::current_exception();
  }
  co_return refused;
}

awaitable<std::string> jira_writer::apply_workflow(std::string const& key, workflow_target target,
                                                   std::optional<entity> created) {
  if (target == workflow_target::none) co_return "";
  auto const& name = target == workflow_target::transition_closed ? settings_.transition_closed
                                                                  : settings_.transition_received;
  auto available = co_await jira_.transitions(key);
  for (auto const& t : available)
    if (net::iequals(t.name, name) || net::iequals(t.to_status, name)) {
      auto failure = co_await transition(key, t.id);
      if (failure) {
        // Refused: perhaps because it already happened (a resent request whose first
        // answer was lost). The issue's status tells.
        auto now = co_await jira_.get_issue(key);
        if (!now || !(net::iequals(now->status, t.to_status) || net::iequals(now->status, name)))
          std::rethrow_exception(failure);
        co_return "already in status \"" + now->status + "\"";
      }
      if (created) initial_transitions_[{*created, target}] = t;
      co_return "transitioned with \"" + t.name + "\"";
    }
  // Already there, or the workflow has no such step from here: nothing to do, and the
  // audit says so instead of retrying every cycle.
  co_return "transition \"" + name + "\" is not available from the issue's current status";
}

awaitable<write_outcome> jira_writer::write(entity e, std::string record_id, desired_state desired,
                                            std::optional<issue_entry> previous, sys_seconds now,
                                            bool fresh_intent, sent_ahead* ahead) {
  if (!fresh_intent) ahead = nullptr;
  auto state = ahead ? std::move(ahead->state) : hash_state(desired.to_json());
  auto target = std::string{to_string(desired.target)};
  write_outcome out;

  if (fresh_intent) previous.reset();  // nothing was sent: nothing to look for
  if (previous && previous->key.empty() && previous->intent_at) {
    // A create was attempted before and its outcome is unknown.
    auto existing = co_await find_by_label(desired.label);
    if (!existing) {
      if (now - *previous->intent_at < settings_.search_window)
        throw record_deferred("a create of this record was attempted at " + format_timestamp(*previous->intent_at) +
                              " and Jira search does not show it yet; waiting for search to catch up");
      previous.reset();  // nothing was created: create now
    } else {
      // Adopt it, then bring it to the desired state like any other issue.
      issue_entry adopted;
      adopted.key = existing->key;
      adopted.id = existing->id;
      previous = adopted;
      out.action = "adopted";
      out.adopted_links = std::move(existing->linked_keys);
    }
  }

  if (!previous || previous->key.empty()) {
    auto const* answer = ahead ? &ahead->answer : nullptr;
    if (!answer) plan_create(e, desired);  // (a bulk create's records were planned by the caller)
    auto created = co_await create(e, record_id, desired, std::move(state), now, fresh_intent, answer);
    move_into(out.entry, std::move(created));  // keeps the state in the record's arena
    out.action = "created";
    out.message = "created " + out.entry.key;
    if (out.entry.linked) out.message += "; linked to the order";
    auto note = co_await workflow_after_create(e, out.entry.key, desired);
    out.entry.workflow = target;
    if (!note.empty()) out.message += "; " + note;
    co_return out;
  }

  if (previous->hash == state.hash && previous->workflow == target) {
    out.entry = std::move(*previous);
    out.action = "unchanged";
    co_return out;
  }

  auto update = diff(previous->state, desired, jira_.flavour());
  // The stored state is large: move it instead of copying; `previous` is not read below.
  auto const old_workflow = previous->workflow;
  out.entry = std::move(*previous);
  previous.reset();
  std::vector<std::string> notes;
  if (update.edit) {
    auto edit = std::move(*update.edit);
    bool exists = co_await jira_.update_issue(out.entry.key, std::move(edit));
    if (!exists) {
      if (!settings_.recreate_deleted) {
        out.action = "deleted_in_jira";
        out.message = out.entry.key + " was deleted in Jira; not recreated (tenant setting recreate_deleted is off)";
        out.entry.set_state(std::move(state));  // remember the content so the record is not retried every cycle
        out.entry.workflow = target;
        co_return out;
      }
      auto old_key = out.entry.key;
      plan_create(e, desired);
      auto created = co_await create(e, record_id, desired, std::move(state), now);
      move_into(out.entry, std::move(created));
      out.action = "recreated";
      out.message = old_key + " was deleted in Jira; recreated as " + out.entry.key;
      // The new issue starts in the initial status, whatever the old one had reached.
      auto note = co_await workflow_after_create(e, out.entry.key, desired);
      out.entry.workflow = target;
      if (!note.empty()) out.message += "; " + note;
      co_return out;
    }
    notes.push_back("updated fields");
  }
  // An adopted issue starts from an unknown state: its "changes" are not news to anyone.
  if (update.comment && settings_.comment_on_change && out.action != "adopted") {
    auto comment = std::move(*update.comment);
    auto note = co_await comment_once(e, record_id, out.entry, state.hash, std::move(comment));
    notes.push_back(std::move(note));
  }
  if (old_workflow != target) {
    auto note = co_await apply_workflow(out.entry.key, desired.target);
    if (!note.empty()) notes.push_back(note);
  }
  out.entry.set_state(std::move(state));
  out.entry.workflow = target;
  out.entry.intent_at.reset();
  out.entry.comment_for.clear();
  if (out.action.empty()) out.action = notes.empty() ? "unchanged" : "updated";
  for (auto const& n : notes) out.message += (out.message.empty() ? "" : "; ") + n;
  if (out.action == "adopted") out.message = "adopted " + out.entry.key + (out.message.empty() ? "" : "; " + out.message);
  co_return out;
}

// A change comment is posted once. Jira has no idempotency key for comments, so each
// carries its change's content hash as a comment property, and the entry records the hash
// before the request goes out (unsynced, like a create's result: it survives a killed
// process). An attempt that finds its hash there (the last one's answer was lost, or the
// process died before recording the change) reads the issue's newest change comment first:
// only this record writes change comments to its issue, so an earlier attempt's comment
// would be that one.
awaitable<std::string> jira_writer::comment_once(entity e, std::string const& record_id, issue_entry& entry,
                                                 std::string const& hash, json::object comment) {
  if (entry.comment_for == hash) {
    auto latest = co_await jira_.latest_change_comment(entry.key);
    if (latest == hash) co_return "the change's comment was already posted";
  }
  entry.comment_for = hash;
  storage::write_batch marker{store_.put_issue(e, record_id, entry)};
  store_.write_unsynced(std::move(marker));
  co_await jira_.comment(entry.key, std::move(comment), hash);
  co_return "commented on the change";
}

awaitable<jira_writer::link_outcome> jira_writer::link_invoice(std::string const& record_id, issue_entry& entry,
                                                              std::string order_id,
                                                              std::vector<std::string> const& existing) {
  auto const order_key = store_.issue_key(entity::purchase_order, order_id).value_or("");
  if (order_key.empty()) co_return link_outcome{};
  auto const& invoice_issue_key = entry.key;
  if (std::find(existing.begin(), existing.end(), order_key) != existing.end()) co_return link_outcome{true, {}};
  if (entry.link_sent) {
    // An earlier attempt's outcome is unknown: the issue tells whether it made the link.
    auto now = co_await jira_.get_issue(invoice_issue_key);
    if (now && std::find(now->linked_keys.begin(), now->linked_keys.end(), order_key) != now->linked_keys.end())
      co_return link_outcome{true, {}};
  }
  entry.link_sent = true;
  storage::write_batch marker{store_.put_issue(entity::supplier_invoice, record_id, entry)};
  store_.write_unsynced(std::move(marker));
  if (co_await jira_.link(invoice_issue_key, order_key, "Relates")) co_return link_outcome{true, {}};
  // A 404: the order's issue is gone (deleted in Jira), or the site has no "Relates" link type.
  auto still = co_await jira_.get_issue(order_key);
  if (!still)
    co_return link_outcome{false, "not linked: the order's issue " + order_key + " no longer exists in Jira"};
  throw sync_error(failure_kind::tenant_fault, "jira",
                   "link " + invoice_issue_key + " to " + order_key +
                       ": Jira answered 404 though both issues exist — does the site have the \"Relates\" issue link type?");
}

}  // namespace mlc::engine
