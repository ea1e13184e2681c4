// The AWS query protocol (awsQuery): requests are form-encoded `Action=...&Version=...` pairs in
// a POST body (or a GET query string), responses are XML. SQS speaks it to older SDKs and CLIs.
// This file only knows the wire shapes; each service maps them to its typed requests.
//
// How botocore flattens a request (serialisers of the query protocol):
//   scalar                QueueName=q
//   list (flattened)      AttributeName.1=All&AttributeName.2=Policy
//   list (wrapped)        AttributeNames.member.1=All
//   map (flattened)       Attribute.1.Name=DelaySeconds&Attribute.1.Value=5   (Tag.1.Key/Value)
//   list of structures    SendMessageBatchRequestEntry.1.Id=a&...Entry.1.MessageBody=b
//   nested structures     MessageAttribute.1.Value.StringValue=x
//                         &MessageAttribute.1.Value.DataType=String
// Indices start at 1. QueryParams orders elements by numeric index (".10" after ".9"), keeps
// gaps (elements 1 and 3 give two elements), and ignores names whose index is not a positive
// decimal integer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/aws/api_error.hpp"
#include "emulator/aws/xml_writer.hpp"
#include "emulator/http/message.hpp"

namespace serverlite::aws {

// SQS's query-protocol namespace, the xmlns of every response (SQS answers with this one in
// every region).
inline constexpr std::string_view kSqsXmlNamespace = "http://queue.amazonaws.com/doc/2012-11-05/";

// Decoded parameters of one query-protocol request, or a view of the members of one structure
// inside it (see scope()). Copies are cheap and share the decoded data; immutable.
class QueryParams {
 public:
  QueryParams();

  // Decodes `a=1&b=x+y&c=%26`: '+' is a space, %XX a byte, a name without '=' has value "".
  // When a name repeats, the last value wins (botocore never repeats one).
  static QueryParams parse(std::string_view form);
  // The parameters of a request: the URL's query string, then a POST body when its Content-Type
  // is application/x-www-form-urlencoded (any parameters, e.g. charset) or absent. Body values
  // win over query-string values of the same name.
  static QueryParams from_request(const http::Request& request);

  std::string action() const { return get("Action").value_or(""); }
  std::string version() const { return get("Version").value_or(""); }

  bool empty() const;
  bool has(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;
  // Throws missing_parameter(full name) (api_error.hpp) when absent. An empty value counts as
  // present.
  std::string required(std::string_view name) const;
  // nullopt when absent. Throws 400 InvalidParameterValue when present but not a (signed) decimal
  // integer that fits 64 bits, or not exactly "true"/"false" (botocore writes those).
  std::optional<std::int64_t> get_int(std::string_view name) const;
  std::optional<bool> get_bool(std::string_view name) const;

  // `Name.1`, `Name.2` ... in index order; or `Name.member.1` ... when any wrapped member exists.
  std::vector<std::string> list(std::string_view name) const;
  // Elements `Name.N.*` (or `Name.member.N.*`) in index order, each as a scope.
  std::vector<QueryParams> structs(std::string_view name) const;
  // A flattened map `Name.N.<key>` / `Name.N.<value>` as (key, value) pairs in index order. An
  // entry without its key or value throws missing_parameter for that member, e.g.
  // "Attribute.2.Value". Values that are structures (message attributes) use structs() instead.
  std::vector<std::pair<std::string, std::string>> map(
      std::string_view name, std::string_view key_member = "Name",
      std::string_view value_member = "Value") const;
  // The members of structure `Name`: scope("Value").get("DataType") reads `Name.Value.DataType`.
  QueryParams scope(std::string_view name) const;
  // Names present in this scope, relative to it, in lexical order (for rejecting unknown ones).
  std::vector<std::string> names() const;
  // The full name of this scope including its trailing dot ("SendMessageBatchRequestEntry.2."),
  // empty at the top; for error messages.
  const std::string& prefix() const { return prefix_; }

 private:
  using Map = std::map<std::string, std::string, std::less<>>;
  QueryParams(std::shared_ptr<const Map> params, std::string prefix)
      : params_(std::move(params)), prefix_(std::move(prefix)) {}
  // Element prefixes ("Name.3.") or leaf names ("Name.3") of an indexed collection, in order.
  std::vector<std::string> indexed(std::string_view name, bool leaves) const;

  std::shared_ptr<const Map> params_;
  std::string prefix_;
};

// The Action of a query-protocol request (from the query string or a form-encoded POST body),
// or nullopt when the request is not one: used by the router before any service sees it.
std::optional<std::string> query_action(const http::Request& request);

// `<?xml ...?><{Action}Response xmlns="{ns}"><{Action}Result>...</{Action}Result>
//  <ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{Action}Response>`
// with status 200, Content-Type text/xml and x-amzn-RequestId (no xmlns when `xml_namespace` is
// empty). `write_result` writes the content
// of the Result element; when it is empty (no function) the Result element is left out, as SQS
// does for actions without output (DeleteMessage, DeleteQueue ...).
http::Response render_query_response(std::string_view action, std::string_view xml_namespace,
                                     const std::function<void(XmlWriter&)>& write_result,
                                     const std::string& request_id = new_request_id());

// `<?xml ...?><ErrorResponse xmlns="{ns}"><Error><Type>Sender|Receiver</Type><Code>..</Code>
//  <Message>..</Message><Detail/></Error><RequestId>..</RequestId></ErrorResponse>`, with the
// error's HTTP status. Type is Receiver for 5xx (the service's fault) and Sender otherwise;
// botocore reads Code and Message, and maps Code to its modelled exceptions.
http::Response render_query_error(const ApiError& error, std::string_view xml_namespace,
                                  const std::string& request_id = new_request_id());

}  // namespace serverlite::aws
