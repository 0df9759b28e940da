#include "ipt/io/json.h"

#include <fmt/format.h>

#include <set>
#include <vector>

#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::io {
namespace {

// nlohmann's message without its "[json.exception...]" tag and without the echoed
// input ("last read: ..."), which may be anything.
std::string SyntaxError(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  const size_t colon = what.find(": ");
  if (colon != std::string::npos) what = what.substr(colon + 2);
  const size_t last_read = what.find("; last read");
  if (last_read != std::string::npos) what = what.substr(0, last_read);
  return fmt::format("malformed JSON at byte {}: {}", e.byte, Echo(what));
}

}  // namespace

nlohmann::json ParseJson(std::string_view text, const std::string& source, const JsonLimits& limits) {
  using Event = nlohmann::json::parse_event_t;
  struct Open {
    bool object;
    std::string name;            // how this container is reached: "a.b", "a[]"
    std::set<std::string> keys;  // for objects
  };
  std::vector<Open> open;
  std::string last_key;  // the key whose value comes next
  auto on_event = [&](int depth, Event event, nlohmann::json& parsed) {
    if (event == Event::object_start || event == Event::array_start) {
      if (depth >= limits.max_depth) {
        throw InputError(source, 0, open.empty() ? "" : open.back().name, "nested deeper than " +
                                                                            std::to_string(limits.max_depth) + " levels");
      }
      std::string name;
      if (!open.empty()) name = open.back().object ? (open.back().name.empty() ? "" : open.back().name + ".") + last_key
                                                   : open.back().name + "[]";
      open.push_back({event == Event::object_start, name, {}});
    } else if (event == Event::object_end || event == Event::array_end) {
      if (!open.empty()) open.pop_back();
    } else if (event == Event::key && !open.empty()) {
      last_key = Echo(parsed.get<std::string>());
      const std::string field = open.back().name.empty() ? last_key : open.back().name + "." + last_key;
      if (!open.back().keys.insert(parsed.get<std::string>()).second) {
        throw InputError(source, 0, field, "key given twice in one object");
      }
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, on_event);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source, 0, "", SyntaxError(e));
  } catch (const nlohmann::json::exception&) {  // a number past double's range (out_of_range.406)
    throw InputError(source, 0, "", "malformed JSON: a number is out of range");
  }
}

std::string ShownJson(const nlohmann::json& value) {
  return Echo(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ipt::io
