/* Helpers for the order server. INTENTIONALLY VULNERABLE: do not reuse. */
#ifndef VULNSHOP_UTIL_H
#define VULNSHOP_UTIL_H

#include <stddef.h>

#define NAME_LEN 32
#define LINE_LEN 256

struct customer {
  char name[NAME_LEN];
  char email[NAME_LEN];
  char note[LINE_LEN];
};

void copy_customer(struct customer *dst, const char *name, const char *email);
void log_event(const char *fmt_from_user);
char *make_scratch_file(void);
int archive_orders(const char *customer_name);
void read_config_line(char *out);

#endif
