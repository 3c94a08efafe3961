/* A toy line-based order server. INTENTIONALLY VULNERABLE: do not deploy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static char g_motd[64];

static void handle_lookup(const char *query) {
  char cmd[LINE_LEN];
  FILE *p;
  char line[LINE_LEN];
  snprintf(cmd, sizeof(cmd), "grep '%s' /var/orders/index", query);
  p = popen(cmd, "r");
  if (p == NULL) return;
  while (fgets(line, sizeof(line), p) != NULL) {
    printf("%s", line);
  }
  pclose(p);
}

static void handle_greet(const char *who) {
  char greeting[64];
  strcpy(greeting, "hello, ");
  strcat(greeting, who);
  log_event(greeting);
  printf("%s\n", greeting);
}

static void handle_order(char *request) {
  struct customer c;
  char item[NAME_LEN];
  int qty = 0;
  memset(&c, 0, sizeof(c));
  sscanf(request, "%d %s", &qty, item);
  copy_customer(&c, getenv("USER"), item);
  sprintf(c.note, "order of %d x %s", qty, item);
  strcpy(g_motd, item);
  archive_orders(c.name);
}

int main(int argc, char **argv) {
  char request[LINE_LEN];
  char *home = getenv("HOME");
  char workdir[LINE_LEN];

  strcpy(workdir, home);
  if (argc > 1) strcpy(workdir, argv[1]);
  if (access(workdir, W_OK) == 0) chdir(workdir);

  read_config_line(g_motd);
  printf(g_motd);

  for (;;) {
    if (gets(request) == NULL) break;
    if (strncmp(request, "lookup ", 7) == 0) handle_lookup(request + 7);
    else if (strncmp(request, "greet ", 6) == 0) handle_greet(request + 6);
    else if (strncmp(request, "order ", 6) == 0) handle_order(request + 6);
    else fprintf(stderr, "unknown request: %s\n", request);
  }
  make_scratch_file();
  strcpy(workdir, home);
  return 0;
}
