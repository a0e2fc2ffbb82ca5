#pragma once
// Writing config files into a test's temp dir.
#include <filesystem>
#include <fstream>
#include <string>

namespace mlc::test {

inline std::filesystem::path write_file(std::filesystem::path const& path, std::string const& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream{path} << text;
  return path;
}

// A minimal valid tenant body (without id). `extra` is spliced in at the top level,
// `x3_extra` and `jira_extra` at the end of those objects (a repeated key overrides:
// Boost.JSON keeps the last one).
inline std::string tenant_body(std::string const& extra = "", std::string const& x3_extra = "",
                               std::string const& jira_extra = "") {
  return R"(
    "x3": { "base_url": "https://x3.example.com", "folder": "SEED", "client_id": "cid", "user": "admin",
            "audience": "x3", "secret": {"env": "MLC_TEST_X3_SECRET"})" +
         (x3_extra.empty() ? std::string{} : ", " + x3_extra) + R"( },
    "jira": { "base_url": "https://acme.atlassian.net", "email": "bot@acme.example",
              "secret": {"env": "MLC_TEST_JIRA_TOKEN"}, "project_key": "OPS")" +
         (jira_extra.empty() ? std::string{} : ", " + jira_extra) + " }" +
         (extra.empty() ? std::string{} : ",\n    " + extra);
}

}  // namespace mlc::test
