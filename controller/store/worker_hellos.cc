#include "controller/store/worker_hellos.h"

namespace scanfleet {

Status WorkerHellos::Record(const std::string& worker_id, const v1::WorkerHello& hello,
                            TimeMs now) {
  ASSIGN_OR_RETURN(Statement * upsert,
                   db_.Prepare("INSERT INTO workers(id, hello, first_seen_ms, last_hello_ms) "
                               "VALUES(?1,?2,?3,?3) ON CONFLICT(id) DO UPDATE SET hello=?2, "
                               "last_hello_ms=?3"));
  upsert->Bind(1, worker_id).BindBlob(2, hello.SerializeAsString()).Bind(3, now);
  return upsert->Run();
}

StatusOr<std::vector<std::pair<std::string, v1::WorkerHello>>> WorkerHellos::LoadAll() {
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT id, hello FROM workers ORDER BY id"));
  std::vector<std::pair<std::string, v1::WorkerHello>> hellos;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    v1::WorkerHello hello;
    if (hello.ParseFromString(query->ColumnBlob(1))) {
      hellos.emplace_back(query->ColumnText(0), std::move(hello));
    }
  }
  query->Reset();
  return hellos;
}

}  // namespace scanfleet
