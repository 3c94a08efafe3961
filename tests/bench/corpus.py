"""make bench case 6: a generated C corpus for flawfinder. Files come from
varied templates (string handling, formatting, buffers, processes, random
numbers, clean code) with per-file names, sizes and constants, so flawfinder
sees realistic, differing input; the tree is committed to a fresh git repo."""
import os
import random
import subprocess

TEMPLATES = [
    """#include <string.h>
#include <stdio.h>
/* {name}: copies a user name into a fixed buffer */
int {fn}(const char *input) {{
  char buffer[{size}];
  strcpy(buffer, input);
  printf("%s\\n", buffer);
  return (int)strlen(buffer) + {k};
}}
""",
    """#include <stdio.h>
/* {name}: formats a log line */
void {fn}(const char *user, int level) {{
  char line[{size}];
  sprintf(line, "level %d: ", level + {k});
  printf(user);
  fputs(line, stderr);
}}
""",
    """#include <stdlib.h>
/* {name}: runs a maintenance command */
int {fn}(const char *argument) {{
  char command[{size}];
  int rc = system("/usr/bin/true");
  (void)argument;
  (void)command;
  return rc + {k};
}}
""",
    """#include <stdlib.h>
/* {name}: picks a session id */
long {fn}(void) {{
  srand({k});
  long value = 0;
  for (int i = 0; i < {size}; ++i) value = value * 31 + rand();
  return value;
}}
""",
    """#include <stddef.h>
/* {name}: sums a bounded array, nothing to report */
int {fn}(const int *values, size_t count) {{
  int total = {k};
  for (size_t i = 0; i < count && i < {size}; ++i) total += values[i];
  return total;
}}
""",
    """#include <string.h>
/* {name}: appends a suffix */
void {fn}(char *destination, const char *suffix) {{
  char scratch[{size}];
  memcpy(scratch, suffix, {k});
  strcat(destination, suffix);
  strncpy(destination, scratch, sizeof(scratch));
}}
""",
    """#include <stdio.h>
/* {name}: reads a line */
int {fn}(FILE *in) {{
  char word[{size}];
  if (fscanf(in, "%s", word) != 1) return -{k};
  return word[0];
}}
""",
]


def repack(git):
    """Packs the objects, as a repository that was pushed or fetched is (a
    freshly generated one has 5,000 loose objects, which no real remote has)."""
    subprocess.run([*git, "repack", "-a", "-d", "-q"], check=True)


def generate(path, files, seed=8):
    rng = random.Random(seed)
    for i in range(files):
        directory = os.path.join(path, f"module{i // 250:03d}")
        os.makedirs(directory, exist_ok=True)
        name = f"unit_{i:05d}"
        body = TEMPLATES[i % len(TEMPLATES)].format(
            name=name, fn=f"handle_{i}", size=rng.choice([16, 32, 64, 128, 256]),
            k=rng.randint(1, 999))
        # Some files get extra helpers so sizes vary.
        for extra in range(rng.randint(0, 3)):
            body += f"\nstatic int helper_{i}_{extra}(int x) {{ return x * {extra + 2}; }}\n"
        with open(os.path.join(directory, name + ".c"), "w") as f:
            f.write(body)
    git = ["git", "-C", path, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "generated corpus"], check=True)
    repack(git)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def change_one_file(path, index=7):
    """Commits a change to one file of the corpus (a new weakness in it) and
    returns the new commit: the input of the incremental-vs-full comparison."""
    target = os.path.join(path, f"module{index // 250:03d}", f"unit_{index:05d}.c")
    with open(target, "a") as f:
        f.write("\n#include <string.h>\nvoid changed_%d(char *d, const char *s) { strcpy(d, s); }\n"
                % index)
    git = ["git", "-C", path, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run([*git, "commit", "-q", "-am", "change one file"], check=True)
    repack(git)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()
