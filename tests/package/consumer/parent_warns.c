/* SPDX-License-Identifier: MIT */
/* A parent project's file with a warning under -Wall -Wextra (an unused
 * parameter): it must build, because sessionbridge's -Werror is its own. */
int main(int argc, char **argv) {
  (void)argv;
  return 0;
}
