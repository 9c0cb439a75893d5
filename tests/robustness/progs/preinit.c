/* preinit.c — instrumented code in .preinit_array: the first hook runs
 * before glibc has set environ, and the configuration must still be the
 * user's. */
static int early_calls;
void early(void) { early_calls++; }
__attribute__((section(".preinit_array"), used)) static void (*const pre[])(void) = {early};
int main(void) { return early_calls == 1 ? 0 : 1; }
