#include "common/security/keys.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/transport/zmq_socket.h"

namespace scanfleet {
namespace {

constexpr size_t kMaxKeyFileBytes = 4096;

std::string Hex(const std::string& raw) {
  std::string out(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  out.pop_back();
  return out;
}

StatusOr<std::string> FromHex(const std::string& hex, size_t raw_size) {
  std::string raw(raw_size, '\0');
  size_t written = 0;
  if (hex.size() != raw_size * 2 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), hex.data(),
                     hex.size(), nullptr, &written, nullptr) != 0 ||
      written != raw_size) {
    return Status::InvalidArgument("expected " + std::to_string(raw_size * 2) + " hex digits");
  }
  return raw;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// "key = value" lines; '#' starts a comment.
StatusOr<std::map<std::string, std::string>> ParseFields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("line without '=': " + line);
    auto trim = [](std::string s) {
      size_t b = s.find_first_not_of(" \t\r");
      size_t e = s.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    fields[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return fields;
}

StatusOr<std::string> Field(const std::map<std::string, std::string>& fields,
                            const std::string& key) {
  auto it = fields.find(key);
  if (it == fields.end()) return Status::InvalidArgument("missing '" + key + "'");
  return it->second;
}

StatusOr<std::string> CurveField(const std::map<std::string, std::string>& fields,
                                 const std::string& key) {
  ASSIGN_OR_RETURN(std::string text, Field(fields, key));
  auto raw = Z85Decode(text);
  if (!raw.ok() || raw->size() != 32) {
    return Status::InvalidArgument("'" + key + "' is not a 40-character Z85 key");
  }
  return *raw;
}

StatusOr<PublicKey> ParsePublic(const std::map<std::string, std::string>& fields) {
  PublicKey key;
  ASSIGN_OR_RETURN(key.name, Field(fields, "name"));
  if (!ValidName(key.name)) return Status::InvalidArgument("invalid name '" + key.name + "'");
  ASSIGN_OR_RETURN(key.curve_public, CurveField(fields, "curve-public"));
  ASSIGN_OR_RETURN(std::string sign_hex, Field(fields, "sign-public"));
  auto sign_public = FromHex(sign_hex, crypto_sign_PUBLICKEYBYTES);
  if (!sign_public.ok()) return Status::InvalidArgument("'sign-public' is not 64 hex digits");
  key.sign_public = *sign_public;
  key.key_id = KeyIdOf(key.sign_public);
  return key;
}

StatusOr<std::string> ReadSmallFile(const std::string& path, bool secret) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::NotFound("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(path + " is not a regular file");
  }
  if (secret && (st.st_mode & 077) != 0) {
    close(fd);
    return Status::PermissionDenied(path +
                                    " holds secret keys but group or others can access it; "
                                    "run: chmod 600 " +
                                    path);
  }
  std::string text(kMaxKeyFileBytes + 1, '\0');
  ssize_t n = read(fd, text.data(), text.size());
  close(fd);
  if (n < 0) return Status::Internal("reading " + path + ": " + std::strerror(errno));
  if (static_cast<size_t>(n) > kMaxKeyFileBytes) {
    return Status::InvalidArgument(path + " is too large to be a key file");
  }
  text.resize(static_cast<size_t>(n));
  return text;
}

Status WriteNew(const std::string& path, const std::string& text, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path + " exists; keys are never overwritten");
    return Status::Internal("creating " + path + ": " + std::strerror(errno));
  }
  fchmod(fd, mode);  // umask may have narrowed it
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = fsync(fd) == 0 && ok;
  close(fd);
  if (!ok) return Status::Internal("writing " + path + " failed");
  return Status::Ok();
}

}  // namespace

std::string KeyIdOf(const std::string& sign_public) {
  unsigned char hash[8];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(sign_public.data()),
                     sign_public.size(), nullptr, 0);
  return Hex(std::string(reinterpret_cast<char*>(hash), sizeof hash));
}

KeyPair GenerateKeyPair(const std::string& name) {
  SF_CHECK(sodium_init() >= 0);
  KeyPair pair;
  pair.public_key.name = name;
  unsigned char curve_pk[crypto_box_PUBLICKEYBYTES], curve_sk[crypto_box_SECRETKEYBYTES];
  crypto_box_keypair(curve_pk, curve_sk);
  unsigned char sign_pk[crypto_sign_PUBLICKEYBYTES], sign_sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(sign_pk, sign_sk);
  pair.public_key.curve_public.assign(reinterpret_cast<char*>(curve_pk), sizeof curve_pk);
  pair.curve_secret.assign(reinterpret_cast<char*>(curve_sk), sizeof curve_sk);
  pair.public_key.sign_public.assign(reinterpret_cast<char*>(sign_pk), sizeof sign_pk);
  pair.sign_secret.assign(reinterpret_cast<char*>(sign_sk), sizeof sign_sk);
  sodium_memzero(curve_sk, sizeof curve_sk);
  sodium_memzero(sign_sk, sizeof sign_sk);
  pair.public_key.key_id = KeyIdOf(pair.public_key.sign_public);
  return pair;
}

std::string PublicKeyText(const PublicKey& key) {
  return "# scanfleet public key: give this file to the controller's allowlist\n"
         "name = " +
         key.name + "\nkey-id = " + key.key_id + "\ncurve-public = " + Z85Encode(key.curve_public) +
         "\nsign-public = " + Hex(key.sign_public) + "\n";
}

std::string SecretKeyText(const KeyPair& pair) {
  return "# scanfleet SECRET key pair: keep this file private (mode 0600)\n" +
         PublicKeyText(pair.public_key).substr(PublicKeyText(pair.public_key).find('\n') + 1) +
         "curve-secret = " + Z85Encode(pair.curve_secret) +
         "\nsign-secret = " + Hex(pair.sign_secret) + "\n";
}

Status WriteKeyPair(const std::string& dir, const KeyPair& pair) {
  const std::string& name = pair.public_key.name;
  if (!ValidName(name)) {
    return Status::InvalidArgument("key name '" + name +
                                   "' must be 1-64 of A-Z a-z 0-9 _ . - and not start with '.'");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("creating " + dir + ": " + ec.message());
  std::string secret_path = dir + "/" + name + ".key";
  std::string public_path = dir + "/" + name + ".pub";
  if (std::filesystem::exists(public_path)) {
    return Status::AlreadyExists(public_path + " exists; keys are never overwritten");
  }
  RETURN_IF_ERROR(WriteNew(secret_path, SecretKeyText(pair), 0600));
  return WriteNew(public_path, PublicKeyText(pair.public_key), 0644);
}

StatusOr<KeyPair> LoadKeyPair(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, /*secret=*/true));
  auto parsed = [&]() -> StatusOr<KeyPair> {
    ASSIGN_OR_RETURN(auto fields, ParseFields(text));
    KeyPair pair;
    ASSIGN_OR_RETURN(pair.public_key, ParsePublic(fields));
    ASSIGN_OR_RETURN(pair.curve_secret, CurveField(fields, "curve-secret"));
    ASSIGN_OR_RETURN(std::string sign_hex, Field(fields, "sign-secret"));
    auto sign_secret = FromHex(sign_hex, crypto_sign_SECRETKEYBYTES);
    if (!sign_secret.ok()) return Status::InvalidArgument("'sign-secret' is not 128 hex digits");
    pair.sign_secret = *sign_secret;
    // The public halves must belong to the secret halves.
    if (pair.sign_secret.substr(32) != pair.public_key.sign_public) {
      return Status::InvalidArgument("sign-public does not match sign-secret");
    }
    unsigned char derived[crypto_box_PUBLICKEYBYTES];
    crypto_scalarmult_base(derived,
                           reinterpret_cast<const unsigned char*>(pair.curve_secret.data()));
    if (std::string(reinterpret_cast<char*>(derived), sizeof derived) !=
        pair.public_key.curve_public) {
      return Status::InvalidArgument("curve-public does not match curve-secret");
    }
    return pair;
  }();
  if (!parsed.ok()) return parsed.status().WithContext("key file " + path);
  return parsed;
}

StatusOr<PublicKey> LoadPublicKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, /*secret=*/false));
  auto fields = ParseFields(text);
  if (!fields.ok()) return fields.status().WithContext("public key file " + path);
  auto key = ParsePublic(*fields);
  if (!key.ok()) return key.status().WithContext("public key file " + path);
  return key;
}

StatusOr<std::vector<PublicKey>> LoadPublicKeyDir(const std::string& dir) {
  std::vector<PublicKey> keys;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return keys;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".pub") paths.push_back(entry.path().string());
  }
  if (ec) return Status::Internal("listing " + dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(PublicKey key, LoadPublicKey(path));
    keys.push_back(std::move(key));
  }
  return keys;
}

}  // namespace scanfleet
