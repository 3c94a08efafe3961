#include "controller/cli/command_table.h"

#include <array>

namespace scanfleet::cli {

namespace {

constexpr std::array kCommands = {
    Command{"keys", "Manage CurveZMQ/Ed25519 key pairs", SetUpKeys},
    Command{"submit", "Submit a scan of a git commit or a DAST target", SetUpSubmit},
    Command{"status", "Show a scan's state and jobs", SetUpStatus},
    Command{"findings", "List a scan's findings", SetUpFindings},
    Command{"workers", "List the workers the controller knows", SetUpWorkers},
    Command{"stats",
            "Show what the controller's loop did since it started: commits, worker frames and "
            "messages, signature verifications, jobs sent, its longest iteration, events "
            "published and pages signed",
            SetUpStats},
    Command{"schedules",
            "List the controller's scheduled scans (from its --repos file): cron, next fire time "
            "(UTC), overlap policy, last scan and its state",
            SetUpSchedules},
    Command{"tail",
            "Follow findings as they are stored: one JSON object per line, no gap, no duplicate",
            SetUpTail},
    Command{"siem",
            "Forward events to SIEMs (syslog-tcp CEF/LEEF, ECS/OCSF JSON lines) with a durable "
            "cursor; runs until SIGTERM (docs/SIEM.md)",
            SetUpSiem},
    Command{"cancel", "Cancel a scan: unfinished jobs end cancelled, running scanners are killed",
            SetUpCancel},
    Command{"retry",
            "Re-queue dead-lettered jobs (of a scan, or one job) with a fresh attempt budget",
            SetUpRetry},
    Command{"reparse",
            "Rebuild a finished scan's findings from its kept raw reports with the controller's "
            "current parsers (after a parser fix), without re-running scanners",
            SetUpReparse},
    Command{"diff",
            "Classify a scan's findings against its baseline: new, unchanged, fixed, not "
            "re-checked (a failed or partial scanner never closes findings), with suppressions",
            SetUpDiff},
    Command{"verify-log",
            "Check that the event log (the controller's, its database, or a SIEM file) is the "
            "one the controller signed; name the first seq deleted, altered, inserted or "
            "reordered",
            SetUpVerifyLog},
    Command{"hook", "Install or remove scanfleet git hooks", SetUpHook},
    Command{"report",
            "Write a scan's findings as a report: sarif (GitHub code scanning), defectdojo "
            "(Generic Findings Import), gitlab (gl-sast-report.json 15.x), json or csv",
            SetUpReport},
};

}  // namespace

std::span<const Command> Commands() { return kCommands; }

}  // namespace scanfleet::cli
