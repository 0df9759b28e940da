// The one reader of IPT's comma-separated files (annotations.csv, tracks.csv,
// MOTChallenge-style tracking files): no quoting (the files hold numbers and
// identifiers only), a UTF-8 byte-order mark and CRLF line ends accepted, blank
// lines skipped, surrounding blanks of a field ignored.
//
// Columns are found by header name (Header) or by position for headerless files
// (Positional). Fields are typed: integers are parsed as integers (ids above 2^53
// stay exact), numbers must be finite and within the caller's range. Every error
// is an InputError "file:line: field 'name': ..." with the offending value capped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipt::io {

class CsvReader {
 public:
  static constexpr int kMaxColumnsNamedInWarning = 8;  // a huge header gives one short line

  // Reads the whole file (a regular file of at most limits::kMaxTextFileBytes).
  explicit CsvReader(const std::filesystem::path& path);
  // For bytes already in memory (fuzzing, tests); `source` names them in errors.
  CsvReader(std::string text, std::string source);

  // Reads the header line: every `required` column must be present (error names
  // the first missing one, listing `required`, and the header's column that differs
  // from it only in case). Columns in neither `required` nor `optional` are allowed
  // but not read: one warning names them (the first kMaxColumnsNamedInWarning, each
  // with the absent known column it differs from only in case), so that a misspelt
  // optional column is not dropped unseen.
  void Header(const std::vector<std::string>& required, const std::vector<std::string>& optional = {});
  // The header's columns in neither list, in header order.
  const std::vector<std::string>& unknown_columns() const { return unknown_columns_; }
  // Headerless: the columns are named `names` by position; a first line whose
  // first field is not a number is a header and skipped (MOTChallenge style).
  void Positional(std::vector<std::string> names);

  // Index of a column by name, or -1 when the header lacks it.
  int Column(std::string_view name) const;
  int column_count() const { return static_cast<int>(names_.size()); }

  // Advances to the next non-blank data line; false at the end of the file.
  // With Header, a line must have as many fields as the header; with
  // Positional, at least `min_fields` (further fields are ignored).
  bool Next(int min_fields = 0);
  int line() const { return line_; }
  int field_count() const { return static_cast<int>(fields_.size()); }

  std::string_view Text(int column) const;  // trimmed; "" past the last field
  bool Empty(int column) const { return Text(column).empty(); }
  // An integer (digits, optional sign, optionally ".0..." as some writers add) in [min, max].
  int64_t Int(int column, int64_t min, int64_t max) const;
  // A finite number in [min, max].
  double Number(int column, double min, double max) const;
  std::optional<int64_t> OptionalInt(int column, int64_t min, int64_t max) const;
  // True when the field parses as a number (for header sniffing).
  bool IsNumber(int column) const;

  [[noreturn]] void Fail(int column, const std::string& what) const;
  [[noreturn]] void FailLine(const std::string& what) const;
  const std::string& source() const { return source_; }
  size_t size_bytes() const { return text_.size(); }  // for reserving rows

 private:
  bool NextLine(std::string_view* line);
  std::string FieldName(int column) const;

  std::string source_;
  std::string text_;
  size_t pos_ = 0;
  int line_ = 0;
  bool positional_ = false;
  std::vector<std::string> names_;
  std::vector<std::string> unknown_columns_;
  std::vector<std::string_view> fields_;
  std::optional<std::string_view> pending_;  // a Positional first line that is data
};

}  // namespace ipt::io
