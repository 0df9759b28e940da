// The one strict JSON parser of IPT's readers (model.json, cache meta.json, the
// safetensors header, SoccerNet GSR files). nlohmann::json alone keeps the last of
// a key given twice, throws its own exception types, and quotes the input in its
// messages; this turns every problem into an InputError naming the file and field.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ipt::io {

struct JsonLimits {
  int max_depth = 64;  // objects/arrays nested deeper are refused
};

// Parses `text` (read from `source`). Throws InputError for malformed JSON ("at byte
// N"), a number past double's range, invalid UTF-8, a key given twice in one object
// (field = its path, e.g. "predictions[].bbox"), and nesting deeper than the limit.
nlohmann::json ParseJson(std::string_view text, const std::string& source, const JsonLimits& limits = {});

// A JSON value for an error message: capped (util/paths.h Echo), never throwing on
// invalid UTF-8.
std::string ShownJson(const nlohmann::json& value);

}  // namespace ipt::io
