// Key files: generated pairs round-trip, secret files are private, nothing is
// overwritten, and broken or mismatched files are refused with the file named.
#include "common/security/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace scanfleet {
namespace {

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sf-keys-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(KeysTest, GeneratedPairRoundTripsWithPrivateSecretFile) {
  KeyPair pair = GenerateKeyPair("worker-1");
  ASSERT_TRUE(WriteKeyPair(dir_.string(), pair).ok());
  struct stat st {};
  ASSERT_EQ(stat(Path("worker-1.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(Path("worker-1.pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  auto loaded = LoadKeyPair(Path("worker-1.key"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->curve_secret, pair.curve_secret);
  EXPECT_EQ(loaded->sign_secret, pair.sign_secret);
  EXPECT_EQ(loaded->public_key.key_id, pair.public_key.key_id);
  auto pub = LoadPublicKey(Path("worker-1.pub"));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->curve_public, pair.public_key.curve_public);
  EXPECT_EQ(pub->sign_public, pair.public_key.sign_public);
  EXPECT_EQ(pub->name, "worker-1");
  // The public file holds no secret.
  std::ifstream in(Path("worker-1.pub"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("secret"), std::string::npos);
}

TEST_F(KeysTest, ExistingKeysAreNeverOverwritten) {
  ASSERT_TRUE(WriteKeyPair(dir_.string(), GenerateKeyPair("ci")).ok());
  auto first = LoadKeyPair(Path("ci.key"));
  Status again = WriteKeyPair(dir_.string(), GenerateKeyPair("ci"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(LoadKeyPair(Path("ci.key"))->sign_secret, first->sign_secret);
}

TEST_F(KeysTest, ReadableSecretFileIsRefused) {
  ASSERT_TRUE(WriteKeyPair(dir_.string(), GenerateKeyPair("loose")).ok());
  chmod(Path("loose.key").c_str(), 0644);
  auto loaded = LoadKeyPair(Path("loose.key"));
  EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(loaded.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(KeysTest, BadNamesAndBrokenFilesAreRefusedWithTheFileNamed) {
  EXPECT_FALSE(WriteKeyPair(dir_.string(), GenerateKeyPair("../evil")).ok());
  EXPECT_FALSE(WriteKeyPair(dir_.string(), GenerateKeyPair("")).ok());
  EXPECT_FALSE(WriteKeyPair(dir_.string(), GenerateKeyPair(".hidden")).ok());
  std::filesystem::create_directories(dir_ / "allow");
  std::ofstream(Path("allow/broken.pub")) << "name = broken\ncurve-public = short\n";
  auto keys = LoadPublicKeyDir(Path("allow"));
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.status().message().find("broken.pub"), std::string::npos);
  EXPECT_NE(keys.status().message().find("curve-public"), std::string::npos);
}

TEST_F(KeysTest, MismatchedHalvesAreRefused) {
  KeyPair a = GenerateKeyPair("a");
  KeyPair b = GenerateKeyPair("a");
  a.curve_secret = b.curve_secret;  // public half no longer matches
  ASSERT_TRUE(WriteKeyPair(dir_.string(), a).ok());
  auto loaded = LoadKeyPair(Path("a.key"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("does not match"), std::string::npos);
}

TEST_F(KeysTest, MissingAllowlistDirectoryIsEmpty) {
  auto keys = LoadPublicKeyDir(Path("nothing-here"));
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

}  // namespace
}  // namespace scanfleet
