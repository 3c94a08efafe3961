/* Helpers for the order server. INTENTIONALLY VULNERABLE: do not reuse. */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void copy_customer(struct customer *dst, const char *name, const char *email) {
  /* Both copies trust the caller's lengths. */
  strcpy(dst->name, name); strcpy(dst->email, email);
  strcat(dst->note, "new customer: ");
  strcat(dst->note, name);
}

void log_event(const char *fmt_from_user) {
  FILE *log = fopen("/tmp/vulnshop.log", "a");
  if (log == NULL) return;
  fprintf(log, fmt_from_user);
  fclose(log);
  printf(fmt_from_user);
}

char *make_scratch_file(void) {
  static char name[L_tmpnam];
  tmpnam(name);
  return name;
}

int archive_orders(const char *customer_name) {
  char cmd[LINE_LEN];
  sprintf(cmd, "tar czf /var/backups/%s.tgz /var/orders/%s", customer_name, customer_name);
  return system(cmd);
}

void read_config_line(char *out) {
  char buf[LINE_LEN];
  FILE *f = fopen("/etc/vulnshop.conf", "r");
  if (f == NULL) return;
  fscanf(f, "%s", buf);
  strcpy(out, buf);
  fclose(f);
}
