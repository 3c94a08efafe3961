#include "common/scanners/csv_reader.h"

#include <utility>

namespace scanfleet {

StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view input, size_t max_bytes) {
  if (input.size() > max_bytes) {
    return Status::ResourceExhausted("CSV input of " + std::to_string(input.size()) +
                                     " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  // A line with no characters at all is not a record; a line holding only ""
  // is a record with one empty field, so track whether the record saw anything.
  bool record_started = false;
  size_t line = 1;
  size_t i = 0;
  const size_t n = input.size();

  auto end_record = [&] {
    if (record_started) {
      record.push_back(std::move(field));
      records.push_back(std::move(record));
    }
    record = CsvRecord();
    field.clear();
    record_started = false;
  };

  while (i < n) {
    const char c = input[i];
    if (c == '"' && field.empty()) {
      // Quoted field: runs to the next quote that is not doubled.
      const size_t quote_line = line;
      record_started = true;
      ++i;
      bool closed = false;
      while (i < n) {
        const char q = input[i];
        if (q == '"') {
          if (i + 1 < n && input[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        if (q == '\n') ++line;
        field.push_back(q);
        ++i;
      }
      if (!closed) {
        return Status::DataLoss("CSV: quoted field opened on line " + std::to_string(quote_line) +
                                " is never closed (truncated output?)");
      }
      continue;
    }
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      record_started = true;
      ++i;
      continue;
    }
    if (c == '\r' && i + 1 < n && input[i + 1] == '\n') {
      ++i;  // CRLF: the '\n' below ends the record.
      continue;
    }
    if (c == '\n') {
      end_record();
      ++line;
      ++i;
      continue;
    }
    field.push_back(c);
    record_started = true;
    ++i;
  }
  end_record();  // the last record may lack a line ending
  return records;
}

}  // namespace scanfleet
