// Options structs as JSON objects (the `architecture` of tracker packages), from one
// visitor that names every field once: visit_all(options, visit) calls
// visit(section, key, value&) per field, section "" for the top level and any other name
// for a nested object. Writing and strict reading then cannot disagree.
#pragma once

#include <nlohmann/json.hpp>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <type_traits>

#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::io {

template <typename Options, typename VisitAll>
nlohmann::json OptionsToJson(Options options, VisitAll&& visit_all) {
  nlohmann::json j = nlohmann::json::object();
  visit_all(options, [&](const std::string& section, const char* key, const auto& value) {
    if (section.empty()) {
      j[key] = value;
    } else {
      j[section][key] = value;
    }
  });
  return j;
}

// `json` with the top-level `added_keys` it lacks filled from `defaults` (OptionsToJson of
// default options): options added after packages were first written. The default is what
// those packages ran with, or, for a rule that runs after the network (no weight depends on
// it), the newer behaviour; the caller says which. A non-object is returned as it is.
inline nlohmann::json WithAddedOptions(nlohmann::json json, const nlohmann::json& defaults,
                                       const std::set<std::string>& added_keys) {
  if (!json.is_object()) return json;
  for (const std::string& key : added_keys)
    if (!json.contains(key)) json[key] = defaults.at(key);
  return json;
}

// Fills `options` from `json`: every visited field is required and typed (bool, integer
// within the field's type, number); a key that is no field, no section and not in
// `extra_top_keys` (read by the caller) is an error. Throws InputError(source, 0,
// "<prefix>.<section>.<key>", what). Does not call options.Check().
template <typename Options, typename VisitAll>
void OptionsFromJson(const nlohmann::json& json, const std::string& source, const std::string& prefix,
                     Options& options, VisitAll&& visit_all, const std::set<std::string>& extra_top_keys = {}) {
  auto fail = [&](const std::string& field, const std::string& what) { throw InputError(source, 0, field, what); };
  auto field_name = [&](const std::string& section, const std::string& key) {
    std::string out = prefix;
    for (const std::string& part : {section, key}) {
      if (!part.empty()) out += (out.empty() ? "" : ".") + part;
    }
    return out;
  };
  if (!json.is_object()) fail(prefix, "expected an object of options");
  std::map<std::string, std::set<std::string>> known;
  visit_all(options, [&](const std::string& section, const char* key, const auto&) { known[section].insert(key); });
  std::set<std::string> top = known[""];
  top.insert(extra_top_keys.begin(), extra_top_keys.end());
  for (const auto& [section, keys] : known) {
    if (!section.empty()) top.insert(section);
  }
  for (const auto& [key, value] : json.items()) {
    if (!top.count(key)) fail(field_name("", Echo(key)), "unknown option");
  }
  for (const auto& [section, keys] : known) {
    if (section.empty()) continue;
    if (!json.contains(section) || !json[section].is_object()) fail(field_name(section, ""), "missing (an object)");
    for (const auto& [key, value] : json[section].items()) {
      if (!keys.count(key)) fail(field_name(section, Echo(key)), "unknown option");
    }
  }
  visit_all(options, [&](const std::string& section, const char* key, auto& value) {
    const nlohmann::json& holder = section.empty() ? json : json[section];
    const std::string field = field_name(section, key);
    if (!holder.contains(key)) fail(field, "missing");
    const nlohmann::json& v = holder[key];
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) fail(field, "must be true or false");
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) fail(field, "must be an integer");
      if (v.get<int64_t>() < std::numeric_limits<T>::min() || v.get<int64_t>() > std::numeric_limits<T>::max()) {
        fail(field, "out of range");
      }
    } else {
      if (!v.is_number()) fail(field, "must be a number");
    }
    value = v.get<T>();
  });
}

}  // namespace ipt::io
