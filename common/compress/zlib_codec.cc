// zlib compression; see zlib_codec.h.
#include "common/compress/zlib_codec.h"

#include <zlib.h>

namespace scanfleet {

std::string Compress(std::string_view data) {
  uLongf bound = compressBound(static_cast<uLong>(data.size()));
  std::string out(bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                     reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()),
                     Z_BEST_SPEED);
  SF_CHECK(rc == Z_OK);  // only fails on out-of-memory or a too-small bound
  out.resize(bound);
  return out;
}

StatusOr<std::string> Decompress(std::string_view data, size_t max_bytes) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return Status::Internal("inflateInit failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return Status::DataLoss("corrupt compressed data");
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      return Status::ResourceExhausted("decompressed data exceeds " + std::to_string(max_bytes) +
                                       " bytes");
    }
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return Status::DataLoss("truncated compressed data");
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace scanfleet
