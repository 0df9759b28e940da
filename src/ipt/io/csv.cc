#include "ipt/io/csv.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_set>

#include "ipt/util/atomic_path.h"
#include "ipt/util/check.h"
#include "ipt/util/paths.h"

namespace ipt::io {
namespace {
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Parses "123", "-7", "+4", "12.000": an integer, exactly (no detour through double).
bool ParseInteger(std::string_view s, int64_t* value) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  if (dot != std::string_view::npos) {
    std::string_view fraction = s.substr(dot + 1);
    if (fraction.empty() || fraction.find_first_not_of('0') != std::string_view::npos) return false;
  }
  if (whole.empty() || whole == "-") return false;
  auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), *value);
  return ec == std::errc() && ptr == whole.data() + whole.size();
}

bool ParseNumber(std::string_view s, double* value) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *value);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Splits into `out`, reusing its capacity (no allocation per row).
void SplitInto(std::string_view line, std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    out->push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}
// Fields of one line, split on every comma (an empty line gives one empty field).
std::vector<std::string_view> SplitCsvLine(std::string_view line) {
  std::vector<std::string_view> out;
  SplitInto(line, &out);
  return out;
}

// Without leading/trailing blanks and a trailing carriage return.
std::string_view TrimCsvField(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

CsvReader::CsvReader(const std::filesystem::path& path) : CsvReader(ReadFile(path), path.string()) {}

CsvReader::CsvReader(std::string text, std::string source) : source_(std::move(source)), text_(std::move(text)) {
  if (std::string_view(text_).substr(0, kUtf8Bom.size()) == kUtf8Bom) pos_ = kUtf8Bom.size();
}

bool CsvReader::NextLine(std::string_view* line) {
  while (pos_ < text_.size()) {
    size_t eol = text_.find('\n', pos_);
    if (eol == std::string::npos) eol = text_.size();
    std::string_view l(text_.data() + pos_, eol - pos_);
    pos_ = eol + 1;
    ++line_;
    if (l.find('\0') != std::string_view::npos) FailLine("holds a NUL byte (not a text file)");
    l = TrimCsvField(l);
    if (!l.empty()) {
      *line = l;
      return true;
    }
  }
  return false;
}

void CsvReader::Header(const std::vector<std::string>& required, const std::vector<std::string>& optional) {
  std::string_view line;
  if (!NextLine(&line)) throw InputError(source_, 1, "", "empty file, expected a header");
  names_.clear();
  std::unordered_set<std::string> seen;  // a set: a header may hold very many columns
  for (std::string_view f : SplitCsvLine(line)) {
    std::string name(TrimCsvField(f));
    if (!seen.insert(name).second) {
      throw InputError(source_, line_, name.empty() ? "(no name)" : Echo(name),
                       fmt::format("column given twice in the header (as column {})", names_.size() + 1));
    }
    names_.push_back(std::move(name));
  }
  const auto lower = [](std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  // A header name standing for `known` in another case, when `known` itself is absent.
  const auto in_other_case = [&](const std::string& name, const std::string& known) {
    return Column(known) < 0 && lower(name) == lower(known);
  };
  std::string list;
  for (const auto& r : required) list += (list.empty() ? "" : ",") + r;
  for (const auto& r : required) {
    if (Column(r) >= 0) continue;
    const auto other = std::find_if(names_.begin(), names_.end(), [&](const auto& n) { return in_other_case(n, r); });
    throw InputError(source_, line_, r,
                     "missing column; the header must hold " + list +
                         (other != names_.end() ? fmt::format(" (it has '{}': names are case-sensitive)", Echo(*other))
                                                : ""));
  }

  unknown_columns_.clear();
  std::string shown;  // the first kMaxColumnsNamedInWarning of them, with hints
  for (size_t i = 0; i < names_.size(); ++i) {
    const std::string& name = names_[i];
    const auto is_name = [&](const std::string& k) { return k == name; };
    if (std::any_of(required.begin(), required.end(), is_name) ||
        std::any_of(optional.begin(), optional.end(), is_name)) {
      continue;
    }
    unknown_columns_.push_back(name);
    if (unknown_columns_.size() > static_cast<size_t>(kMaxColumnsNamedInWarning)) continue;
    std::string hint;
    for (const auto* known : {&required, &optional}) {
      for (const auto& k : *known) {
        if (in_other_case(name, k)) {
          hint = fmt::format(" (did you mean '{}'? names are case-sensitive)", k);
        }
      }
    }
    shown += shown.empty() ? "" : ", ";
    shown += name.empty() ? fmt::format("column {} (no name: a trailing comma?)", i + 1) : "'" + Echo(name) + "'" + hint;
  }
  if (!unknown_columns_.empty()) {
    const size_t named = std::min(unknown_columns_.size(), static_cast<size_t>(kMaxColumnsNamedInWarning));
    const size_t more = unknown_columns_.size() - named;
    spdlog::warn("{}:{}: {} not read: {}{}", source_, line_,
                 unknown_columns_.size() == 1 ? "a column is" : "columns are", shown,
                 more > 0 ? fmt::format(" and {} more", more) : "");
  }
}

void CsvReader::Positional(std::vector<std::string> names) {
  positional_ = true;
  names_ = std::move(names);
  std::string_view line;
  if (!NextLine(&line)) return;
  SplitInto(line, &fields_);
  if (IsNumber(0)) pending_ = line;  // data, not a header
}

int CsvReader::Column(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool CsvReader::Next(int min_fields) {
  std::string_view line;
  if (pending_) {
    line = *pending_;
    pending_.reset();
  } else if (!NextLine(&line)) {
    return false;
  }
  SplitInto(line, &fields_);
  const int found = field_count();
  if (!positional_ && found != column_count()) {
    FailLine(fmt::format("expected {} fields (as the header), found {}", column_count(), found));
  }
  if (positional_ && found < min_fields) {
    std::string expected;
    for (int c = 0; c < min_fields && c < column_count(); ++c) expected += (c ? "," : "") + names_[c];
    FailLine(fmt::format("expected at least {} comma-separated columns ({}), found {}", min_fields, expected, found));
  }
  return true;
}

std::string_view CsvReader::Text(int column) const {
  if (column < 0 || column >= field_count()) return {};
  return TrimCsvField(fields_[column]);
}

std::string CsvReader::FieldName(int column) const {
  return column >= 0 && column < column_count() ? names_[column] : fmt::format("column {}", column + 1);
}

void CsvReader::Fail(int column, const std::string& what) const { throw InputError(source_, line_, FieldName(column), what); }

void CsvReader::FailLine(const std::string& what) const { throw InputError(source_, line_, "", what); }

bool CsvReader::IsNumber(int column) const {
  double value = 0;
  return ParseNumber(Text(column), &value);
}

int64_t CsvReader::Int(int column, int64_t min, int64_t max) const {
  const std::string_view s = Text(column);
  int64_t value = 0;
  if (!ParseInteger(s, &value)) Fail(column, fmt::format("expected an integer, got '{}'", Echo(s)));
  if (value < min || value > max) Fail(column, fmt::format("{} is outside {}..{}", value, min, max));
  return value;
}

std::optional<int64_t> CsvReader::OptionalInt(int column, int64_t min, int64_t max) const {
  if (Empty(column)) return std::nullopt;
  return Int(column, min, max);
}

double CsvReader::Number(int column, double min, double max) const {
  const std::string_view s = Text(column);
  double value = 0;
  if (!ParseNumber(s, &value) || !std::isfinite(value)) {
    Fail(column, fmt::format("expected a finite number, got '{}'", Echo(s)));
  }
  if (value < min || value > max) Fail(column, fmt::format("{} is outside [{:g}, {:g}]", Echo(s), min, max));
  return value;
}

}  // namespace ipt::io
