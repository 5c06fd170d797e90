#include "api/openapi.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "gateway_fixture.h"

namespace pharos::api {
namespace {

using nlohmann::json;

// Every "$ref" in `node` that does not resolve within `doc`.
void collectBrokenRefs(const json& doc, const json& node, std::vector<std::string>& broken) {
  if (node.is_object()) {
    if (auto ref = node.find("$ref"); ref != node.end()) {
      std::string target =
          ref->is_string() ? ref->get<std::string>() : std::string("<not a string>");
      bool ok = target.rfind("#/", 0) == 0;
      if (ok) {
        try {
          ok = doc.contains(json::json_pointer(target.substr(1)));
        } catch (const json::exception&) {
          ok = false;
        }
      }
      if (!ok) broken.push_back(target);
    }
    for (const auto& item : node.items())
      collectBrokenRefs(doc, item.value(), broken);
  } else if (node.is_array()) {
    for (const json& item : node)
      collectBrokenRefs(doc, item, broken);
  }
}

TEST_F(GatewayTest, OpenApiDocumentDescribesEveryRoute) {
  net::HttpResponse r = call("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  json doc = json::parse(r.body);

  // The 3.1 skeleton.
  EXPECT_EQ(doc["openapi"], "3.1.0");
  ASSERT_TRUE(doc["info"].is_object());
  EXPECT_TRUE(doc["info"]["title"].is_string());
  EXPECT_EQ(doc["info"]["version"], "1.2.3");
  ASSERT_TRUE(doc["paths"].is_object());
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
  const json& error = doc["components"]["schemas"]["Error"];
  EXPECT_EQ(error["properties"]["error"]["required"], json::array({"code", "message"}));

  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  std::set<std::string> operationIds;
  size_t operations = 0;
  for (const auto& [path, item] : doc["paths"].items()) {
    SCOPED_TRACE(path);
    ASSERT_EQ(path.front(), '/');
    // Every {param} of the path is declared as a required path parameter, and nothing else.
    std::set<std::string> inPath;
    std::regex param(R"(\{([^}]+)\})");
    for (auto it = std::sregex_iterator(path.begin(), path.end(), param);
         it != std::sregex_iterator(); ++it) {
      inPath.insert((*it)[1]);
    }
    std::set<std::string> declared;
    for (const json& p : item.value("parameters", json::array())) {
      if (p["in"] == "path") {
        EXPECT_EQ(p["required"], true);
        declared.insert(p["name"].get<std::string>());
      }
    }
    EXPECT_EQ(declared, inPath);

    for (const auto& [method, op] : item.items()) {
      if (method == "parameters") continue;
      SCOPED_TRACE(method);
      EXPECT_TRUE(kMethods.count(method));
      ++operations;
      ASSERT_TRUE(op["operationId"].is_string());
      EXPECT_TRUE(operationIds.insert(op["operationId"].get<std::string>()).second)
          << "duplicate operationId " << op["operationId"];
      EXPECT_TRUE(op["summary"].is_string());
      EXPECT_TRUE(op["tags"].is_array());
      ASSERT_TRUE(op["responses"].is_object());
      EXPECT_FALSE(op["responses"].empty());
      ASSERT_TRUE(op["security"].is_array());
      if (!op["security"].empty()) {
        std::string scope = op["x-pharos-scope"];
        EXPECT_EQ(op["security"][0]["bearerAuth"], json::array({scope}));
        EXPECT_NE(op["description"].get<std::string>().find(scope), std::string::npos);
        EXPECT_TRUE(op["responses"].contains("401"));
        EXPECT_TRUE(op["responses"].contains("403"));
      }
      EXPECT_TRUE(op["responses"].contains("429"));
    }
  }

  // Every route of the table is there, and nothing more.
  EXPECT_EQ(operations, gateway_->specs().size());
  for (const RouteSpec& spec : gateway_->specs()) {
    std::string method = spec.method;
    for (char& c : method)
      c = static_cast<char>(std::tolower(c));
    SCOPED_TRACE(spec.pattern);
    ASSERT_TRUE(doc["paths"].contains(spec.pattern));
    const json& op = doc["paths"][spec.pattern][method];
    ASSERT_TRUE(op.is_object());
    EXPECT_EQ(op.contains("requestBody"), !spec.requestSchema.is_null());
    EXPECT_TRUE(op["responses"].contains(std::to_string(spec.successStatus)));
    if (spec.scope) {
      EXPECT_EQ(op["x-pharos-scope"], std::string(auth::scopeName(*spec.scope)));
    }
  }
  const json& create = doc["paths"]["/api/v1/keys"]["post"];
  EXPECT_EQ(create["requestBody"]["content"]["application/json"]["schema"]["required"],
            json::array({"name", "role"}));
  EXPECT_EQ(create["responses"]["400"]["$ref"], "#/components/responses/BadRequest");

  std::vector<std::string> broken;
  collectBrokenRefs(doc, doc, broken);
  EXPECT_TRUE(broken.empty()) << json(broken).dump();
  size_t refs = 0;
  for (size_t at = r.body.find("\"$ref\""); at != std::string::npos;
       at = r.body.find("\"$ref\"", at + 1))
    ++refs;
  EXPECT_GT(refs, 10u);  // the checker had something to check
}

TEST(OpenApiTest, RestParametersAndOperationIds) {
  RouteSpec spec;
  spec.method = "GET";
  spec.pattern = "/api/v1/objects/{bucket}/{key...}";
  spec.scope = auth::Scope::kRead;
  spec.handler = [](net::HttpRequest&) { return net::HttpResponse::json(200, "{}"); };
  json doc = buildOpenApi({spec}, "0");
  ASSERT_TRUE(doc["paths"].contains("/api/v1/objects/{bucket}/{key}"));
  const json& item = doc["paths"]["/api/v1/objects/{bucket}/{key}"];
  EXPECT_EQ(item["parameters"].size(), 2u);
  EXPECT_EQ(item["get"]["operationId"], "getApiV1ObjectsByBucketByKey");
}

}  // namespace
}  // namespace pharos::api
