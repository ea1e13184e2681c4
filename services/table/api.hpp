// The DynamoDB protocol front on the AWS endpoint: AWS JSON 1.0 (`X-Amz-Target:
// DynamoDB_20120810.<Action>`), errors as DynamoDB types them
// (`com.amazonaws.dynamodb.v20120810#<Code>`, `com.amazon.coral.validate#ValidationException`),
// and `x-amz-crc32` on every answer (the SDKs check it). Requests are decoded into the engine's
// typed requests and run from one dispatch table.
//
// Threading: owned by the io thread, like the engine.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "emulator/aws/json_protocol.hpp"
#include "emulator/http/message.hpp"
#include "services/table/engine.hpp"

namespace serverlite::table {

// How DynamoDB and DynamoDB Streams speak AWS JSON 1.0: error types fully qualified by the
// service, and `x-amz-crc32` on every answer (the SDKs check it).
const aws::JsonProtocol& dynamodb_protocol();

// Decoders shared with serverless.yml's AWS::DynamoDB::Table (the same shapes as CreateTable's
// members). They throw aws::ApiError with DynamoDB's message.
std::vector<IndexInfo> decode_indexes(const nlohmann::json& body,
                                      const std::vector<std::pair<std::string, ValueType>>& defs,
                                      const KeySchema& table_key);
std::optional<StreamSpecification> decode_stream_specification(const nlohmann::json& body);

class TableApi {
 public:
  static constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";

  // `endpoint_url` is what DescribeEndpoints answers.
  TableApi(TableEngine& engine, std::string endpoint_url);

  void handle(http::Request request, http::Responder respond);

  static std::vector<std::string> action_names();

  struct Call;
  using Operation = nlohmann::json (TableApi::*)(Call&);

 private:
  static const std::map<std::string, Operation, std::less<>>& routes();
  std::string table_of_arn(const std::string& arn);

  nlohmann::json create_table(Call&);
  nlohmann::json delete_table(Call&);
  nlohmann::json describe_table(Call&);
  nlohmann::json update_table(Call&);
  nlohmann::json list_tables(Call&);
  nlohmann::json tag_resource(Call&);
  nlohmann::json untag_resource(Call&);
  nlohmann::json list_tags_of_resource(Call&);
  nlohmann::json describe_limits(Call&);
  nlohmann::json describe_endpoints(Call&);
  nlohmann::json put_item(Call&);
  nlohmann::json get_item(Call&);
  nlohmann::json delete_item(Call&);
  nlohmann::json update_item(Call&);
  nlohmann::json query(Call&);
  nlohmann::json scan(Call&);
  nlohmann::json batch_get_item(Call&);
  nlohmann::json batch_write_item(Call&);
  nlohmann::json transact_write_items(Call&);
  nlohmann::json transact_get_items(Call&);
  nlohmann::json update_time_to_live(Call&);
  nlohmann::json describe_time_to_live(Call&);
  // Continuous backups (api_backups.cpp).
  nlohmann::json describe_continuous_backups(Call&);
  nlohmann::json update_continuous_backups(Call&);
  // PartiQL (partiql_api.cpp).
  nlohmann::json execute_statement(Call&);
  nlohmann::json batch_execute_statement(Call&);
  nlohmann::json execute_transaction(Call&);
  nlohmann::json run_statement(const nlohmann::json& request, bool single);
  nlohmann::json read(Call&, bool is_query);

  TableEngine& engine_;
  std::string endpoint_url_;
};

}  // namespace serverlite::table
