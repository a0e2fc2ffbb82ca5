#pragma once
// Makes one ERP record's Jira issue match its desired state, exactly once (DESIGN §4):
// a create is preceded by a durable intent and stamped with the record's external-key label
// and source property; an open intent found after a crash is resolved by an exact-label
// search (adopt) before anything is created again; updates send only changed fields; a
// changed delivery date or amount adds a comment; closed or received orders are transitioned.
// The caller commits the returned entry together with the watermark and the audit entry.
// Coroutine safety: one writer per tenant; records of one tenant are written one at a time.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/jira_client.hpp"
#include "engine/mapper.hpp"
#include "engine/tenant_store.hpp"

namespace mlc::engine {

struct writer_settings {
  std::string project_key;
  std::string transition_closed = "Done";
  std::string transition_received = "Done";
  bool comment_on_change = true;
  bool recreate_deleted = false;
  // How long Jira search may lag a create: an intent younger than this whose issue the
  // search does not find yet is deferred, not created again.
  std::chrono::seconds search_window{60};
  // Called after Jira confirmed a create and before anything is committed locally: the
  // window in which a crash leaves only the intent behind. Tests inject crashes here.
  std::function<void(std::string const& issue_key)> on_created;
};

// The record's create intent is too young to tell whether its issue exists: try next cycle.
class record_deferred : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct write_outcome {
  issue_entry entry;
  std::string action;   // created, adopted, updated, unchanged, recreated, deleted_in_jira
  std::string message;  // for the audit entry
  std::vector<std::string> adopted_links;  // adopted: the issues its links already reach
};

// A create sent ahead in a bulk request: Jira's answer, and the stored form of the desired
// state (desired_state::to_json) and its content hash, computed before the fields went into
// the request.
struct sent_ahead {
  jira_client::bulk_element answer;
  hashed_state state;
};

class jira_writer {
 public:
  jira_writer(jira_client& jira, tenant_store& store, writer_settings settings);

  // `previous` is the record's issue-map entry, if any. `fresh_intent`: `previous` is a
  // create intent the caller committed this cycle and nothing was sent yet, so there is
  // nothing to look for and the create needs no intent of its own.
  // `ahead`: this record's create, sent ahead in a bulk request with the rest of its page
  // (only with `fresh_intent`); the create then sends nothing itself, and `desired.fields`
  // may be empty (they went into the request; `ahead` has the stored form).
  // Throws sync_error, record_deferred.
  awaitable<write_outcome> write(entity e, std::string record_id, desired_state desired,
                                 std::optional<issue_entry> previous, sys_seconds now, bool fresh_intent = false,
                                 sent_ahead* ahead = nullptr);

  // Links an invoice's issue to its order's issue ("Relates"), once both exist. `linked`
  // is false when the order has no issue yet, or (with a note for the audit) when its
  // issue was deleted in Jira: the invoice stays synced, unlinked. Throws sync_error.
  struct link_outcome {
    bool linked = false;
    std::string note;
  };
  // `entry` is the invoice's (its key set); the link request is marked in it (link_sent,
  // written before the request goes out) and, when an earlier attempt was marked, the
  // issue's links are read first, so a lost answer does not make a second link.
  // `existing`: issues the invoice's issue is known to link to already (an adopted issue
  // whose create carried the link).
  awaitable<link_outcome> link_invoice(std::string const& record_id, issue_entry& entry, std::string order_id,
                                       std::vector<std::string> const& existing = {});

  // Sets what `desired`'s create can carry of its workflow: on Jira Cloud, the transition
  // to its target from the initial status, once an earlier create of the same entity
  // learnt its id (the first issue created with that target is transitioned on its own).
  // Jira creates the issue even when the transition fails (the answer's `transition` says
  // so): it is then forgotten, and the issue transitioned on its own, which relearns it.
  void plan_create(entity e, desired_state& desired) const;

 private:
  // `state` is desired.to_json() with its text and hash, computed once by write().
  // What the create did not carry is cleared from `desired` (link_to, transition_id).
  awaitable<issue_entry> create(entity e, std::string const& record_id, desired_state& desired,
                                hashed_state state, sys_seconds now,
                                bool intent_committed = false, jira_client::bulk_element const* ahead = nullptr);
  awaitable<std::optional<jira_issue>> find_by_label(std::string const& label);
  // `created`: the issue was just created (so it is in the initial status); the transition
  // taken is remembered for plan_create().
  // Transitions the issue; Jira's refusal (a bad_record failure) is returned, anything
  // else thrown.
  awaitable<std::exception_ptr> transition(std::string const& key, std::string const& id);
  awaitable<std::string> apply_workflow(std::string const& key, workflow_target target,
                                        std::optional<entity> created = std::nullopt);
  // The audit note for bringing a just created issue to `desired.target`: carried by the
  // create (desired.transition_id still set), or a transition of its own, sent straight
  // away when one was learnt for the entity and target (Data Center: every later issue),
  // looked up among the issue's transitions otherwise or when Jira refuses it.
  awaitable<std::string> workflow_after_create(entity e, std::string const& key, desired_state const& desired);
  // Posts the change comment unless an earlier attempt for the same `hash` did; returns the
  // note for the audit. Records the attempt in `entry` (and the store) first.
  awaitable<std::string> comment_once(entity e, std::string const& record_id, issue_entry& entry,
                                      std::string const& hash, boost::json::object comment);

  jira_client& jira_;
  tenant_store& store_;
  writer_settings settings_;
  std::map<std::pair<entity, workflow_target>, jira_transition> initial_transitions_;
};

}  // namespace mlc::engine
