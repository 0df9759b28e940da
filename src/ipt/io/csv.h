// Small helpers for the comma-separated files IPT reads (no quoting: IPT's CSV
// files hold numbers and identifiers only).
#pragma once

#include <string_view>
#include <vector>

namespace ipt::io {

// Fields of one line, split on every comma (an empty line gives one empty field).
inline std::vector<std::string_view> SplitCsvLine(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

// Without leading/trailing blanks and a trailing carriage return.
inline std::string_view TrimCsvField(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace ipt::io
