#include "services/table/read_checks.hpp"

#include <set>

namespace serverlite::table {

namespace {

void collect(const Operand& o, std::vector<Path>& out) {
  if (o.kind == Operand::Kind::Path) out.push_back(o.path);
  if (o.kind == Operand::Kind::Size && o.size_of) collect(*o.size_of, out);
}

void collect(const Condition& c, std::vector<Path>& out) {
  for (const Operand& o : c.operands) collect(o, out);
  for (const Condition& child : c.children) collect(child, out);
}

}  // namespace

std::vector<Path> condition_paths(const ConditionExpression& condition) {
  std::vector<Path> out;
  collect(condition.root, out);
  return out;
}

std::optional<std::string> nested_key_path_error(const std::vector<Path>& paths,
                                                 const TableInfo& table) {
  std::set<std::string> nested;  // attributes a path goes into
  for (const Path& p : paths)
    if (p.size() > 1 && !p[0].index) nested.insert(p[0].name);
  if (nested.empty()) return std::nullopt;
  const std::string message =
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
      "allowed: ";
  auto hit = [&](const KeySchema& key) -> const std::string* {
    if (nested.count(key.hash.name)) return &key.hash.name;
    if (key.range && nested.count(key.range->name)) return &key.range->name;
    return nullptr;
  };
  if (const std::string* name = hit(table.key)) return message + "Key: " + *name;
  for (bool global : {true, false})
    for (const IndexInfo& x : table.indexes) {
      if (x.global != global) continue;
      // A local index shares the table's hash key: only its range key is its own.
      const std::string* name =
          global ? hit(x.key) : (x.key.range && nested.count(x.key.range->name) ? &x.key.range->name
                                                                                : nullptr);
      if (name) return message + "IndexKey: " + *name;
    }
  return std::nullopt;
}

}  // namespace serverlite::table
