/* Compiled with this project's flags only: nothing of calltrace's may reach it. */
int parent_plain(int x);

int parent_plain(int x) { return 2 * x; }
