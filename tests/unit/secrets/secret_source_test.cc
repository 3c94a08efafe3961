// SecretSource: secrets directory first, then SCANFLEET_SECRET_<NAME>; files
// readable by group or others are refused; errors never carry the value.
#include "worker/secrets/secret_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/secrets/secret_name.h"

namespace scanfleet {
namespace {

class SecretSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sf-secrets-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteSecret(const std::string& name, const std::string& value, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << value;
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }

  SecretSource Source(std::map<std::string, std::string> env = {}) {
    return SecretSource(dir_, [env](const std::string& variable) -> std::optional<std::string> {
      auto it = env.find(variable);
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
  }

  std::string dir_;
};

TEST(SecretNameTest, AcceptsTheDocumentedAlphabet) {
  EXPECT_TRUE(ValidateSecretName("dast-login").ok());
  EXPECT_TRUE(ValidateSecretName("Repo_Token.v2").ok());
  EXPECT_TRUE(ValidateSecretName(std::string(64, 'a')).ok());
}

TEST(SecretNameTest, RejectsOthersWithoutEchoingThem) {
  EXPECT_FALSE(ValidateSecretName("").ok());
  EXPECT_FALSE(ValidateSecretName(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateSecretName("..").ok());
  EXPECT_FALSE(ValidateSecretName("a/b").ok());
  Status pasted = ValidateSecretName("hunter2 with spaces");
  EXPECT_EQ(pasted.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pasted.message().find("hunter2"), std::string::npos);
}

TEST(SecretNameTest, EnvironmentNameIsUppercasedWithUnderscores) {
  EXPECT_EQ(SecretEnvironmentName("repo.token-2"), "SCANFLEET_SECRET_REPO_TOKEN_2");
  EXPECT_EQ(SecretEnvironmentName("dast_Login"), "SCANFLEET_SECRET_DAST_LOGIN");
}

TEST_F(SecretSourceTest, ReadsAPrivateFileAndStripsOneNewline) {
  WriteSecret("login", "s3cret-value\n", 0600);
  auto value = Source().Resolve("login");
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, "s3cret-value");
  WriteSecret("crlf", "two\r\n\n", 0400);
  EXPECT_EQ(*Source().Resolve("crlf"), "two\r\n");
}

TEST_F(SecretSourceTest, RefusesAGroupOrWorldReadableFile) {
  WriteSecret("leaky", "s3cret-value", 0644);
  auto value = Source({{"SCANFLEET_SECRET_LEAKY", "from-env"}}).Resolve("leaky");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(value.status().message().find("0644"), std::string::npos);
  EXPECT_NE(value.status().message().find("leaky"), std::string::npos);
  EXPECT_EQ(value.status().message().find("s3cret"), std::string::npos);
  WriteSecret("group", "s3cret-value", 0640);
  EXPECT_EQ(Source().Resolve("group").status().code(), StatusCode::kPermissionDenied);
}

TEST_F(SecretSourceTest, FallsBackToTheEnvironment) {
  auto value = Source({{"SCANFLEET_SECRET_DAST_LOGIN", "env-value"}}).Resolve("dast.login");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "env-value");
}

TEST_F(SecretSourceTest, FileWinsOverEnvironment) {
  WriteSecret("token", "file-value", 0600);
  EXPECT_EQ(*Source({{"SCANFLEET_SECRET_TOKEN", "env-value"}}).Resolve("token"), "file-value");
}

TEST_F(SecretSourceTest, UnknownSecretIsNotFoundAndNamed) {
  auto value = Source().Resolve("missing-one");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kNotFound);
  EXPECT_NE(value.status().message().find("'missing-one'"), std::string::npos);
  EXPECT_NE(value.status().message().find("SCANFLEET_SECRET_MISSING_ONE"), std::string::npos);
}

TEST_F(SecretSourceTest, DirectoryIsNotASecret) {
  std::filesystem::create_directory(dir_ + "/sub");
  EXPECT_EQ(Source().Resolve("sub").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(Source().Resolve("..").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SecretSourceTest, OversizedFileIsRefused) {
  WriteSecret("huge", std::string(kMaxSecretValueBytes + 1, 'x'), 0600);
  EXPECT_EQ(Source().Resolve("huge").status().code(), StatusCode::kDataLoss);
}

TEST_F(SecretSourceTest, ResolveAllStopsAtTheFirstMissing) {
  WriteSecret("a", "value-a", 0600);
  auto all = Source({{"SCANFLEET_SECRET_B", "value-b"}}).ResolveAll({"a", "b", "a"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_FALSE(Source().ResolveAll({"a", "nope"}).ok());
}

TEST(SecretSourceEnvTest, WithoutADirectoryOnlyTheProcessEnvironmentIsRead) {
  setenv("SCANFLEET_SECRET_UNIT_TEST_ONLY", "from-process", 1);
  SecretSource source("");
  EXPECT_EQ(*source.Resolve("unit-test.only"), "from-process");
  unsetenv("SCANFLEET_SECRET_UNIT_TEST_ONLY");
  EXPECT_EQ(source.Resolve("unit-test.only").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace scanfleet
